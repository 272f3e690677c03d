# ReMix's training data on ../shared/data, 128 x 64: multi-camera data market1501_split (train); a
# config adds its single-camera videos (`train_dataloader = dict(dataset=dict(single_camera=...))`,
# one of the sources of shared_data_128x64.py). Tested on the targets of shared_data_128x64.py.
_base_ = ['./shared_data_128x64.py']
train_dataloader = dict(
    _base_.remix_train_loader,
    dataset=dict(type='ReMixDataset', multi_camera=_base_.market1501_split_train,
                 pipeline=_base_.pipelines.remix_train_pipeline))
