# The data of ../shared/data at 128 x 64, for the CPU-sized configs (layouts: ../shared/data/README.md).
# - Training sources: `market1501_split_train` (multi-camera); single-camera videos `cuhk03_videos`,
#   `towncentre_videos` and both in one dataset, `cuhk03_towncentre_videos`, each with the file of its
#   ground truth (`*_gt`: for the refresh's NMI / ARI / purity log only, never for training).
# - `test_dataloader`: market1501_split (in-domain) and cuhk03_val in one run, results per target.
# - `dg_test_dataloader` / `dg_test_evaluator`: the domain-generalization test. A config sets
#     test_dataloader = {{_base_.dg_test_dataloader}}  (val_dataloader likewise)
#     test_evaluator = {{_base_.dg_test_evaluator}}  (val_evaluator likewise)
#   to test on the unseen targets cuhk03_val, VIPeR, GRID, iLIDS and CAVIAR4REID, averaged into
#   dg/mAP and dg/rank1, and on market1501_split, the in-domain target, reported apart (never in the
#   dg/ mean). VIPeR, GRID and iLIDS run their 10 seeded splits (mean and std per target),
#   CAVIAR4REID its one fixed set; every image is extracted once. Split files are written under
#   `dg_split_dir` (the data is read-only) and read back by every later run.
_base_ = ['./pipelines.py']
# Point `shared_root` elsewhere with --cfg-options if your copy lives somewhere else.
shared_root = '../shared/data'
dg_split_dir = 'data/dg_splits'
pipelines = _base_.pipelines_128x64

market1501_split_train = dict(type='Market1501', data_root=f'{shared_root}/market1501_split',
                              dataset_name='market1501_split', split='train')
cuhk03_videos = dict(type='SingleCameraVideos', dataset_name='cuhk03_videos',
                     data_root=f'{shared_root}/cuhk03_single_camera/videos')
cuhk03_videos_gt = f'{shared_root}/cuhk03_single_camera/gt_identities.txt'
towncentre_videos = dict(type='SingleCameraVideos', dataset_name='towncentre_videos',
                         data_root=f'{shared_root}/towncentre_single_camera/videos')
towncentre_videos_gt = f'{shared_root}/towncentre_single_camera/gt_identities.txt'
# The two sources as one SingleCameraVideos (ReMixDataset takes one), written once by
#   python tools/dataset_converters/merge_single_camera_sources.py data/videos_cuhk03-towncentre \
#       cuhk03=../shared/data/cuhk03_single_camera towncentre=../shared/data/towncentre_single_camera
# Video names become `<source>/<video>` (unique across sources) and the ground-truth pids of each
# source are offset past those of the sources before it (the refresh hook reads one gt_file).
merged_videos_root = 'data/videos_cuhk03-towncentre'
cuhk03_towncentre_videos = dict(type='SingleCameraVideos', dataset_name='cuhk03+towncentre_videos',
                                data_root=merged_videos_root, ann_file='videos.txt')
cuhk03_towncentre_videos_gt = f'{merged_videos_root}/gt_identities.txt'

market1501_split_test = dict(type='Market1501', data_root=f'{shared_root}/market1501_split',
                             dataset_name='market1501_split', split='test')
cuhk03_val_test = dict(type='Market1501', data_root=f'{shared_root}/cuhk03_val',
                       dataset_name='cuhk03_val', split='test')
test_dataloader = dict(
    _base_.test_loader,
    dataset=dict(type='ReIDConcatDataset', offset_ids=False,
                 datasets=[market1501_split_test, cuhk03_val_test],
                 pipeline=pipelines.test_pipeline))
val_dataloader = test_dataloader

dg_unseen_targets = ['cuhk03_val', 'viper', 'grid', 'ilids', 'caviar4reid']
dg_test_dataloader = dict(dataset=dict(datasets=[
    market1501_split_test,
    cuhk03_val_test,
    dict(type='VIPeR', data_root=f'{shared_root}/viper', split_dir=dg_split_dir),
    dict(type='GRID', data_root=f'{shared_root}/grid', split_dir=dg_split_dir),
    dict(type='iLIDS', data_root=f'{shared_root}/ilids', split_dir=dg_split_dir),
    dict(type='CAVIAR4REID', data_root=f'{shared_root}/caviar4reid', split_dir=dg_split_dir),
]))
dg_test_evaluator = dict(unseen_targets=dg_unseen_targets)
