# ReMix at paper scale (remix_method.md Sec. 7): ResNet-50 (last stride 1) from ImageNet, 256 x 128,
# 4 GPUs x 64 images (32 multi-camera: 8 ids x 4; 32 single-camera: 8 pseudo-ids x 4 from 2 videos),
# Market-1501 + MSMT17 + CUHK03-NP as multi-camera data, LUPerson-style videos as single-camera data,
# Adam 3.5e-4, 10-epoch warm-up then cosine, 60 epochs. Data layout: _base_/datasets/paper_scale_256x128.py.
#   bash tools/dist_train.sh configs/remix/remix_r50.py 4
# Full name: remix_r50_4xb64-60e_market-msmt-cuhk03np_lup_256x128. The other paper-scale configs
# (leave-one-out, Protocol-1) inherit from it and change the sources and targets.
_base_ = [
    '../_base_/models/remix_r50.py',
    '../_base_/datasets/paper_scale_256x128.py',
    '../_base_/schedules/adam_60e.py',
    '../_base_/default_runtime.py',
]
model = dict(data_preprocessor=dict(channels_last=True))
train_dataloader = dict(dataset=dict(multi_camera=dict(
    datasets=[_base_.market1501_train, _base_.msmt17_train, _base_.cuhk03np_train])))
# its result is generalization: tested on targets it never trains on (the DG Protocol-1 targets
# PRID2011, GRID, VIPeR, iLIDS; dg/mAP, dg/rank1), not on the test splits of its own sources
test_dataloader = val_dataloader = dict(dataset=dict(
    datasets=[_base_.prid2011_test, _base_.grid_test, _base_.viper_test, _base_.ilids_test]))
test_evaluator = val_evaluator = dict(unseen_targets=['prid2011', 'grid', 'viper', 'ilids'])
# the batch of 64 per GPU was tuned for 4 GPUs: scale the learning rate when the total batch differs
auto_scale_lr = dict(base_batch_size=256, enable=False)
