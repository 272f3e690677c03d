# The embedded synthetic data (generated on first use under data/synthetic_reid), 64 x 32 input.
data_root = 'data/synthetic_reid'
img_h, img_w = 64, 32
batch_size = 64
num_instances = 4

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_w, img_h), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(img_h, img_w), padding=3),
    dict(type='RandomErasing', erase_prob=0.5, mode='rand'),
    dict(type='PackReIDInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_w, img_h), keep_ratio=False),
    dict(type='PackReIDInputs'),
]

train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='IdentitySampler', batch_size=batch_size, num_instances=num_instances),
    dataset=dict(type='SyntheticReID', data_root=data_root, split='train',
                 pipeline=train_pipeline))

test_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SyntheticReID', data_root=data_root, split='test', test_mode=True,
                 pipeline=test_pipeline))
test_evaluator = dict(type='ReIDMetric')
val_dataloader = test_dataloader
val_evaluator = test_evaluator
