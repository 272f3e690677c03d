# Real data of ../shared/data at a CPU-sized input (128 x 64): train on market1501_split, test on
# market1501_split and cuhk03_val (cross-domain) in one run. Point `shared_root` elsewhere with
# --cfg-options if your copy lives somewhere else.
shared_root = '../shared/data'
img_h, img_w = 128, 64
batch_size = 64
num_instances = 4

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_w, img_h), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(img_h, img_w), padding=5),
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
    dataset=dict(
        type='Market1501',
        data_root=f'{shared_root}/market1501_split',
        dataset_name='market1501_split',
        split='train',
        pipeline=train_pipeline))

test_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ReIDConcatDataset',
        offset_ids=False,
        datasets=[
            dict(type='Market1501', data_root=f'{shared_root}/market1501_split',
                 dataset_name='market1501_split', split='test'),
            dict(type='Market1501', data_root=f'{shared_root}/cuhk03_val',
                 dataset_name='cuhk03_val', split='test'),
        ],
        pipeline=test_pipeline))
test_evaluator = dict(type='ReIDMetric')
val_dataloader = test_dataloader
val_evaluator = test_evaluator
