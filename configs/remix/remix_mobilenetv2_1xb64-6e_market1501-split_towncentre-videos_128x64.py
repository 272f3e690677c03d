# ReMix + Town Centre videos trained for 6 epochs instead of 3: 1 warm-up epoch, then cosine decay
# to epoch 6; validation once, at the end. Everything else is
# remix_mobilenetv2_1xb64-3e_market1501-split_towncentre-videos_128x64.py.
# The default CPU configuration: the best measured on the unseen targets of ../shared/data in
# issue 12's study (docs/generalization.md, "More epochs" and "Recommendation").
_base_ = ['./remix_mobilenetv2_1xb64-3e_market1501-split_towncentre-videos_128x64.py']
max_epochs = 6
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
