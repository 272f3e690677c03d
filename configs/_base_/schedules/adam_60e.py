# ReMix's paper-scale schedule (remix_method.md Sec. 7, design defaults): Adam, lr 3.5e-4,
# weight decay 5e-4, 10-epoch linear warm-up then cosine decay, 60 epochs.
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=3.5e-4, weight_decay=5e-4),
    # BNNeck and BatchNorm parameters are not decayed
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=10, end=60, eta_min=1e-7,
         convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=60, val_interval=10)
val_cfg = dict()
test_cfg = dict()
