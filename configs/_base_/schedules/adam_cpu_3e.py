# A short CPU schedule: Adam, lr 3.5e-4, weight decay 5e-4, 1-epoch linear warm-up then cosine decay.
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=3.5e-4, weight_decay=5e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
max_epochs = 3
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs, eta_min=1e-6,
         convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs, val_interval=3)
val_cfg = dict()
test_cfg = dict()
