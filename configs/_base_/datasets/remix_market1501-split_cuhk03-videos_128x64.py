# ReMix on the real data of ../shared/data at a CPU-sized input (128 x 64):
# multi-camera data market1501_split (train), single-camera data the CUHK03 videos, test on
# market1501_split and cuhk03_val (cross-domain) in one run.
shared_root = '../shared/data'
img_h, img_w = 128, 64
batch_size = 64  # B = B_mc + B_sc per process
num_instances = 4  # K
num_single_camera = 32  # B_sc
videos_per_batch = 2  # V_b

standard_view = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(img_h, img_w), padding=5),
    dict(type='RandomErasing', erase_prob=0.5, mode='rand'),
]
strong_view = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(img_h, img_w), padding=5),
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
        multi_camera=dict(type='Market1501', data_root=f'{shared_root}/market1501_split',
                          dataset_name='market1501_split', split='train'),
        single_camera=dict(type='SingleCameraVideos',
                           data_root=f'{shared_root}/cuhk03_single_camera/videos',
                           dataset_name='cuhk03_videos'),
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

# the epoch-start refresh reads the videos' ground truth for the NMI / ARI / purity log only
refresh_gt_file = f'{shared_root}/cuhk03_single_camera/gt_identities.txt'
