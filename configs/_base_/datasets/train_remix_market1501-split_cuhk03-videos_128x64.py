# ReMix's training data on ../shared/data, 128 x 64: multi-camera data market1501_split (train),
# single-camera data the CUHK03 videos. Pair it with a test base (see train_market1501-split_128x64.py).
_base_ = ['./pipelines_128x64.py']
shared_root = '../shared/data'
batch_size = 64  # B = B_mc + B_sc per process
num_instances = 4  # K
num_single_camera = 32  # B_sc
videos_per_batch = 2  # V_b

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
        pipeline={{_base_.remix_train_pipeline}}))

# the epoch-start refresh reads the videos' ground truth for the NMI / ARI / purity log only
refresh_gt_file = f'{shared_root}/cuhk03_single_camera/gt_identities.txt'
