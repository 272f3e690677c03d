# ReMix on the embedded synthetic data (generated on first use under data/synthetic_reid), 64 x 32 input:
# multi-camera data = its Market-1501 layout, single-camera data = its videos.
_base_ = ['./synthetic_reid_64x32.py']
train_dataloader = dict(
    _delete_=True,
    **_base_.remix_train_loader,
    dataset=dict(
        type='ReMixDataset',
        multi_camera=dict(type='SyntheticReID', data_root=_base_.data_root, split='train'),
        single_camera=dict(type='SyntheticVideos', data_root=_base_.data_root),
        pipeline=_base_.pipelines.remix_train_pipeline))

# ground truth of the video identities: for the NMI / ARI / purity log only
refresh_gt_file = f'{_base_.data_root}/videos_gt.txt'
