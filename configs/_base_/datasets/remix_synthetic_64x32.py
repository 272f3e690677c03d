# ReMix on the embedded synthetic data (generated on first use under data/synthetic_reid), 64 x 32 input:
# multi-camera data = its Market-1501 layout, single-camera data = its videos.
data_root = 'data/synthetic_reid'
img_h, img_w = 64, 32
batch_size = 64  # B = B_mc + B_sc per process
num_instances = 4  # K
num_single_camera = 32  # B_sc
videos_per_batch = 2  # V_b

standard_view = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(img_h, img_w), padding=3),
    dict(type='RandomErasing', erase_prob=0.5, mode='rand'),
]
strong_view = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(img_h, img_w), padding=3),
    # no hue jitter: mmcv's adjust_hue overflows uint8 under numpy 2
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True),
    dict(type='GaussianBlur', magnitude_range=(0.1, 1.0), magnitude_std='inf', prob=0.5),
    dict(type='RandomErasing', erase_prob=0.5, mode='rand'),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_w, img_h), keep_ratio=False),
    dict(type='MultiView', num_views=[1, 1], transforms=[standard_view, strong_view]),
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
    sampler=dict(
        type='ReMixSampler',
        batch_size=batch_size,
        num_instances=num_instances,
        num_single_camera=num_single_camera,
        videos_per_batch=videos_per_batch),
    dataset=dict(
        type='ReMixDataset',
        multi_camera=dict(type='SyntheticReID', data_root=data_root, split='train'),
        single_camera=dict(type='SyntheticVideos', data_root=data_root),
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

# ground truth of the video identities: for the NMI / ARI / purity log only
refresh_gt_file = f'{data_root}/videos_gt.txt'
