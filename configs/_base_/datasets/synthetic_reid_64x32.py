# The embedded synthetic data (generated on first use under data/synthetic_reid), 64 x 32 input:
# P x K batches of its Market-1501 layout (the baseline), tested on its query and gallery.
_base_ = ['./pipelines.py']
data_root = 'data/synthetic_reid'
pipelines = _base_.pipelines_64x32

train_dataloader = dict(
    _base_.identity_train_loader,
    dataset=dict(type='SyntheticReID', data_root=data_root, split='train',
                 pipeline=pipelines.train_pipeline))
test_dataloader = dict(
    _base_.test_loader,
    dataset=dict(type='SyntheticReID', data_root=data_root, split='test', test_mode=True,
                 pipeline=pipelines.test_pipeline))
val_dataloader = test_dataloader
