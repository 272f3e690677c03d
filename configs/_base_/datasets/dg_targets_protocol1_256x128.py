# The unseen targets of the DG literature's Protocol-1 at 256 x 128: PRID2011, GRID, VIPeR, iLIDS
# (10 seeded splits each, mean and std per target, dg/ mean over the four). Official layouts under
# `dg_root` (README, "Domain-generalization protocol"). Add this file to a config's _base_ list and set
#   test_dataloader = {{_base_.dg_test_dataloader}}, val_dataloader likewise,
#   test_evaluator = {{_base_.dg_test_evaluator}}, val_evaluator likewise.
dg_root = 'data'
dg_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 256), keep_ratio=False),
    dict(type='PackReIDInputs', meta_keys=('split_roles', )),
]
dg_test_dataloader = dict(
    _delete_=True,
    batch_size=256,
    num_workers=8,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ReIDConcatDataset',
        offset_ids=False,
        datasets=[
            dict(type='PRID2011', data_root=f'{dg_root}/prid2011'),
            dict(type='GRID', data_root=f'{dg_root}/grid'),
            dict(type='VIPeR', data_root=f'{dg_root}/viper'),
            dict(type='iLIDS', data_root=f'{dg_root}/ilids'),
        ],
        pipeline=dg_pipeline))
dg_test_evaluator = dict(
    _delete_=True, type='ReIDMetric', unseen_targets=['prid2011', 'grid', 'viper', 'ilids'])
