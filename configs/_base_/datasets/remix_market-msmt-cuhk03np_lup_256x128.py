# ReMix at paper scale (remix_method.md Sec. 7): 256 x 128 input; multi-camera data Market-1501 + MSMT17 +
# CUHK03-NP (ids offset per dataset), single-camera data LUPerson-style videos; each test set reported apart.
data_root = 'data'
img_h, img_w = 256, 128
batch_size = 64  # B = B_mc + B_sc per GPU
num_instances = 4  # K
num_single_camera = 32  # B_sc
videos_per_batch = 2  # V_b

standard_view = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(img_h, img_w), padding=10),
    dict(type='RandomErasing', erase_prob=0.5, mode='rand'),
]
strong_view = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=(img_h, img_w), padding=10),
    # no hue jitter: mmcv's adjust_hue overflows uint8 under numpy 2
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True),
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
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
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(
        type='ReMixSampler',
        batch_size=batch_size,
        num_instances=num_instances,
        num_single_camera=num_single_camera,
        videos_per_batch=videos_per_batch),
    dataset=dict(
        type='ReMixDataset',
        multi_camera=dict(
            type='ReIDConcatDataset',
            offset_ids=True,
            datasets=[
                dict(type='Market1501', data_root=f'{data_root}/market1501', split='train'),
                dict(type='MSMT17', data_root=f'{data_root}/MSMT17_V1', split='train'),
                dict(type='CUHK03NP', data_root=f'{data_root}/cuhk03-np', split='train'),
            ]),
        single_camera=dict(type='SingleCameraVideos', data_root=f'{data_root}/lup/videos',
                           dataset_name='lup', min_images_per_video=4),
        pipeline=train_pipeline))

test_dataloader = dict(
    batch_size=256,
    num_workers=8,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ReIDConcatDataset',
        offset_ids=False,
        datasets=[
            dict(type='Market1501', data_root=f'{data_root}/market1501', split='test'),
            dict(type='MSMT17', data_root=f'{data_root}/MSMT17_V1', split='test'),
            dict(type='CUHK03NP', data_root=f'{data_root}/cuhk03-np', split='test'),
        ],
        pipeline=test_pipeline))
test_evaluator = dict(type='ReIDMetric')
val_dataloader = test_dataloader
val_evaluator = test_evaluator
