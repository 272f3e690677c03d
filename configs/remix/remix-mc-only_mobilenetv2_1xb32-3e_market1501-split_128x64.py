# The multi-camera-only control with the multi-camera stream of the ReMix configs kept as it is: batches
# of 32 multi-camera images (8 ids x 4), i.e. the multi-camera half of a ReMix batch with the 32 single-camera
# images removed, so the same 359 iterations per epoch, the same learning-rate schedule per iteration and the
# same multi-camera images per step as remix_mobilenetv2_1xb64-3e_market1501-split_*-videos_128x64.py.
# The 1xb64 multi-camera-only config instead fills the whole batch of 64 with multi-camera images and takes
# half as many iterations (179 per epoch): the two answer different questions (docs/generalization.md).
_base_ = ['./remix-mc-only_mobilenetv2_1xb64-3e_market1501-split_128x64.py']
train_dataloader = dict(batch_size=32, sampler=dict(batch_size=32))
