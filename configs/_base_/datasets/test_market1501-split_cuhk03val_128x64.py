# Test sets: market1501_split (in-domain) and cuhk03_val (cross-domain) of ../shared/data in one run,
# results per target, 128 x 64. Include it beside a training base.
test_root = '../shared/data'
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 128), keep_ratio=False),
    dict(type='PackReIDInputs'),
]
test_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ReIDConcatDataset',
        offset_ids=False,
        datasets=[
            dict(type='Market1501', data_root=f'{test_root}/market1501_split',
                 dataset_name='market1501_split', split='test'),
            dict(type='Market1501', data_root=f'{test_root}/cuhk03_val',
                 dataset_name='cuhk03_val', split='test'),
        ],
        pipeline=target_pipeline))
test_evaluator = dict(type='ReIDMetric')
val_dataloader = test_dataloader
val_evaluator = test_evaluator
