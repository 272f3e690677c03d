# Training data: market1501_split of ../shared/data (651 ids, P x K batches), 128 x 64.
# Pair it with a test base: test_market1501-split_cuhk03val_128x64.py or dg_targets_shared_128x64.py.
_base_ = ['./pipelines_128x64.py']
# Point `shared_root` elsewhere with --cfg-options if your copy lives somewhere else.
shared_root = '../shared/data'
batch_size = 64
num_instances = 4

train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='IdentitySampler', batch_size=batch_size, num_instances=num_instances),
    dataset=dict(
        type='Market1501',
        data_root=f'{shared_root}/market1501_split',
        dataset_name='market1501_split',
        split='train',
        pipeline={{_base_.train_pipeline}}))
