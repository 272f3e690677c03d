# The domain-generalization test of ../shared/data, 128 x 64, for any training config: add this file to
# its _base_ list and set
#   test_dataloader = val_dataloader = {{_base_.dg_test_dataloader}}  (each on its own line)
#   test_evaluator = val_evaluator = {{_base_.dg_test_evaluator}}
# (`_delete_` replaces the config's own test sets): the unseen targets cuhk03_val, VIPeR, GRID, iLIDS and
# CAVIAR4REID, averaged into dg/mAP and dg/rank1, and market1501_split, the in-domain target of the
# shared training data, reported apart (never in the dg/ mean). VIPeR, GRID and iLIDS run their 10
# seeded splits (mean and std per target), CAVIAR4REID its one fixed set; every image is extracted once.
# Split files are written under `dg_split_dir` (the data is read-only) and read back by every later run.
dg_root = '../shared/data'
dg_split_dir = 'data/dg_splits'
dg_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 128), keep_ratio=False),
    dict(type='PackReIDInputs', meta_keys=('split_roles', )),
]
dg_unseen_targets = ['cuhk03_val', 'viper', 'grid', 'ilids', 'caviar4reid']
dg_test_dataloader = dict(
    _delete_=True,
    batch_size=128,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ReIDConcatDataset',
        offset_ids=False,
        datasets=[
            dict(type='Market1501', data_root=f'{dg_root}/market1501_split',
                 dataset_name='market1501_split', split='test'),
            dict(type='Market1501', data_root=f'{dg_root}/cuhk03_val',
                 dataset_name='cuhk03_val', split='test'),
            dict(type='VIPeR', data_root=f'{dg_root}/viper', split_dir=dg_split_dir),
            dict(type='GRID', data_root=f'{dg_root}/grid', split_dir=dg_split_dir),
            dict(type='iLIDS', data_root=f'{dg_root}/ilids', split_dir=dg_split_dir),
            dict(type='CAVIAR4REID', data_root=f'{dg_root}/caviar4reid', split_dir=dg_split_dir),
        ],
        pipeline=dg_pipeline))
dg_test_evaluator = dict(_delete_=True, type='ReIDMetric', unseen_targets=dg_unseen_targets)
