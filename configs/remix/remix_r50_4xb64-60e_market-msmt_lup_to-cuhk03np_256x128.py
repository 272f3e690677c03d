# Leave-one-out at paper scale: ReMix trained on Market-1501 + MSMT17 (multi-camera) and LUPerson-style
# videos, tested on the held-out CUHK03-NP (labeled, query / gallery); the rest as remix_r50.py.
_base_ = ['./remix_r50.py']
train_dataloader = dict(dataset=dict(multi_camera=dict(
    datasets=[_base_.market1501_train, _base_.msmt17_train])))
test_dataloader = val_dataloader = dict(dataset=dict(datasets=[_base_.cuhk03np_test]))
test_evaluator = val_evaluator = dict(unseen_targets=['cuhk03np_labeled'])
