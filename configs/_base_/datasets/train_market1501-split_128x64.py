# Training data: market1501_split of ../shared/data (651 ids, P x K batches), 128 x 64; tested on the
# targets of shared_data_128x64.py.
_base_ = ['./shared_data_128x64.py']
train_dataloader = dict(
    _base_.identity_train_loader,
    dataset=dict(_base_.market1501_split_train, pipeline=_base_.pipelines.train_pipeline))
