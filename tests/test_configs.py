"""Every shipped config parses and builds its model; the DG and leave-one-out configs never test on a
training source; the CPU configs resolve their data on ../shared/data."""
import importlib.util
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmremix.registry import DATASETS, MODELS

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted(str(p) for p in (REPO / 'configs').rglob('*.py') if '_base_' not in p.parts)
LEAVE_ONE_OUT = [p for p in CONFIGS if '_to-' in Path(p).stem]
NEW_CPU_CONFIGS = [p for p in CONFIGS if 'towncentre' in Path(p).stem]


def load_tool(name):
    """A module of tools/dataset_converters (the tools are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(
        name, REPO / 'tools' / 'dataset_converters' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def config_id(path):
    return Path(path).stem


def dataset_name(cfg: dict) -> str:
    """The name a dataset config reports results under (its ``dataset_name`` or the class's)."""
    if cfg.get('dataset_name'):
        return cfg['dataset_name']
    cls = DATASETS.get(cfg['type'])
    if cfg['type'] == 'CUHK03NP':
        return f'{cls.DATASET_NAME}_{cfg.get("subset", "labeled")}'
    return cls.DATASET_NAME


def train_sources(cfg) -> list:
    """Every training dataset config of ``cfg`` (multi-camera children and single-camera videos)."""
    dataset = cfg.train_dataloader.dataset
    if dataset.type != 'ReMixDataset':
        return [dataset]
    multi = dataset.multi_camera
    parts = list(multi.datasets) if multi.type == 'ReIDConcatDataset' else [multi]
    return parts + ([dataset.single_camera] if dataset.get('single_camera') else [])


def target_configs(cfg) -> list:
    dataset = cfg.test_dataloader.dataset
    return list(dataset.datasets) if dataset.type == 'ReIDConcatDataset' else [dataset]


def root(cfg: dict) -> str:
    return osp.normpath(cfg['data_root'])


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_config_builds_model(path):
    cfg = Config.fromfile(path)
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model).eval()
    assert cfg.default_scope == 'mmremix'
    assert cfg.train_dataloader.batch_size == cfg.train_dataloader.sampler.batch_size
    h, w = cfg.test_dataloader.dataset.pipeline[1]['scale'][::-1]
    with torch.no_grad():
        feats = model(torch.randn(2, 3, h, w), mode='tensor')
    assert feats.shape == (2, cfg.model.in_channels)
    # validation runs the test sets and metric of the test
    assert cfg.val_dataloader == cfg.test_dataloader
    assert cfg.val_evaluator == cfg.test_evaluator
    if cfg.model.type == 'ReMix':
        hooks = {h['type']: h for h in cfg.custom_hooks}
        assert {'MomentumEncoderHook', 'ReMixRefreshHook'} <= set(hooks)
        # the refresh extracts at the size the model is tested at
        refresh_resize = hooks['ReMixRefreshHook']['pipeline'][1]
        assert refresh_resize['scale'] == cfg.test_dataloader.dataset.pipeline[1]['scale']


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_unseen_targets_are_tested_and_never_trained_on(path):
    """``unseen_targets`` (the dg/ mean) name test targets whose data the config never trains on."""
    cfg = Config.fromfile(path)
    unseen = cfg.test_evaluator.get('unseen_targets')
    if not unseen:
        pytest.skip('no dg/ mean in this config')
    targets = {dataset_name(t): root(t) for t in target_configs(cfg)}
    assert set(unseen) <= set(targets), f'unseen targets {unseen} not all tested: {targets}'
    trained_roots = {root(s) for s in train_sources(cfg)}
    trained_names = {dataset_name(s) for s in train_sources(cfg) if 'pid' not in s}
    for name in unseen:
        assert targets[name] not in trained_roots, f'{name} ({targets[name]}) is a training source'
        assert name not in trained_names
    # the in-domain targets (trained on) are reported apart: never in unseen_targets
    for name, target_root in targets.items():
        if target_root in trained_roots:
            assert name not in unseen


def test_the_dg_configs_are_found():
    dg = [p for p in CONFIGS if Config.fromfile(p).test_evaluator.get('unseen_targets')]
    # 8 CPU _dg configs, remix_r50, 3 leave-one-out, Protocol-1
    assert len([p for p in dg if p.endswith('_dg_128x64.py')]) == 8
    assert len(dg) == 13


@pytest.mark.parametrize('dg', ['', '_dg'])
@pytest.mark.parametrize('stem', [
    'remix-mc-only_mobilenetv2_1xb32-{}_market1501-split{}_128x64.py',
    'remix_mobilenetv2_1xb64-{}_market1501-split_towncentre-videos{}_128x64.py'])
def test_six_epoch_config_is_the_measured_override(stem, dg):
    """Each 6-epoch config resolves to exactly what issue 12's 6-epoch rows ran: its 3-epoch config
    with ``train_cfg.max_epochs=6 train_cfg.val_interval=6 param_scheduler.1.end=6``."""
    measured = Config.fromfile(str(REPO / 'configs' / 'remix' / stem.format('3e', dg)))
    measured.merge_from_dict({'train_cfg.max_epochs': 6, 'train_cfg.val_interval': 6,
                              'param_scheduler.1.end': 6})
    six = Config.fromfile(str(REPO / 'configs' / 'remix' / stem.format('6e', dg))).to_dict()
    measured = measured.to_dict()
    assert six.pop('max_epochs') == 6 and measured.pop('max_epochs') == 3
    assert six == measured
    assert six['param_scheduler'][1]['end'] == six['train_cfg']['max_epochs'] == 6


@pytest.mark.parametrize('path', LEAVE_ONE_OUT, ids=config_id)
def test_leave_one_out_tests_only_the_held_out_set(path):
    cfg = Config.fromfile(path)
    trained = {s.type for s in train_sources(cfg)}
    tested = {t.type for t in target_configs(cfg)}
    assert not trained & tested, f'{Path(path).stem} tests on a training source: {trained & tested}'
    assert all(t.get('split', 'test') == 'test' for t in target_configs(cfg))
    assert set(cfg.test_evaluator.unseen_targets) == {dataset_name(t) for t in target_configs(cfg)}
    if 'to-prid-grid-viper-ilids' in path:  # Protocol-1
        assert trained == {'Market1501', 'CUHK02', 'CUHK03NP', 'CUHKSYSU', 'SingleCameraVideos'}
        assert tested == {'PRID2011', 'GRID', 'VIPeR', 'iLIDS'}
    else:  # two of the three large sets (+ videos) -> the third
        large = {'Market1501', 'MSMT17', 'CUHK03NP'}
        assert len(trained & large) == 2 and tested == large - trained


@pytest.mark.parametrize('path', [p for p in CONFIGS if 'synthetic' in p], ids=config_id)
def test_synthetic_configs_build_their_datasets(path):
    """The synthetic data is generated on first use: the configs' datasets build from it."""
    cfg = Config.fromfile(path)
    train = DATASETS.build(cfg.train_dataloader.dataset)
    test = DATASETS.build(cfg.test_dataloader.dataset)
    assert len(train) > 0 and train.num_pids == 120
    if cfg.model.type == 'ReMix':
        assert train.metainfo['num_videos'] == 20 and train.num_single_camera > 0
    else:
        assert cfg.model.num_classes == train.num_pids
    assert test.get_data_info(0)['is_query']


def test_cuhk03_towncentre_config_names_the_merged_source():
    cfg = Config.fromfile(next(p for p in NEW_CPU_CONFIGS if 'cuhk03-towncentre' in p
                               and '_dg' not in p))
    videos = cfg.train_dataloader.dataset.single_camera
    refresh = next(h for h in cfg.custom_hooks if h['type'] == 'ReMixRefreshHook')
    assert (videos.type, videos.ann_file) == ('SingleCameraVideos', 'videos.txt')
    assert refresh.gt_file == osp.join(videos.data_root, 'gt_identities.txt')
    # one clustering for both sources: the smaller source's (CUHK03: k1 = 6, k2 = 2)
    assert (refresh.k1, refresh.k2) == (6, 2)


@pytest.mark.real_data
@pytest.mark.parametrize('path', NEW_CPU_CONFIGS, ids=config_id)
def test_new_cpu_configs_resolve_their_data(path, shared_root, tmp_path, monkeypatch):
    """Every data root and ground-truth file of the Town Centre configs exists (run from the repo
    root, as the configs' relative paths expect), and their training set builds with unique video ids
    and ground truth for every single-camera image."""
    monkeypatch.chdir(REPO)
    cfg = Config.fromfile(path)
    refresh = next(h for h in cfg.custom_hooks if h['type'] == 'ReMixRefreshHook')
    videos = cfg.train_dataloader.dataset.single_camera
    if 'cuhk03-towncentre' in path:  # write the merged source as the config's comment says
        data = str(shared_root / 'data')
        out = str(tmp_path / 'videos_cuhk03-towncentre')
        load_tool('merge_single_camera_sources').merge_sources(out, dict(cuhk03=f'{data}/cuhk03_single_camera',
                                towncentre=f'{data}/towncentre_single_camera'))
        refresh.gt_file = refresh.gt_file.replace(videos.data_root, out)
        videos.data_root = out
    for target in target_configs(cfg):
        assert osp.isdir(target.data_root), target
    assert osp.isfile(refresh.gt_file)
    videos_set = DATASETS.build(videos)
    expected_videos = {'towncentre': 12, 'cuhk03-towncentre': 88}
    kind = 'cuhk03-towncentre' if 'cuhk03-towncentre' in path else 'towncentre'
    assert videos_set.num_videos == expected_videos[kind]
    infos = [videos_set.get_data_info(i) for i in range(len(videos_set))]
    names = {(info['video_id'], info['video_name']) for info in infos}
    assert len(names) == len({name for _, name in names}) == videos_set.num_videos
    # the refresh hook's lookup: paths relative to data_root, every image has a ground-truth pid
    gt = {}
    with open(refresh.gt_file) as f:
        for line in f:
            rel, pid = line.split()
            gt[osp.normpath(rel)] = int(pid)
    rels = [osp.normpath(osp.relpath(info['img_path'], videos_set.data_root))
            for info in infos]
    pids = np.array([gt.get(r, -1) for r in rels])
    assert (pids >= 0).all()
    if kind == 'cuhk03-towncentre':
        # persons of the two sources never share a pid (CUHK03: 743 persons, pids 0-742)
        is_cuhk03 = np.array([r.startswith('cuhk03/') for r in rels])
        assert is_cuhk03.sum() == 3602
        assert pids[is_cuhk03].max() < pids[~is_cuhk03].min()
        assert np.unique(pids[is_cuhk03]).size == 743
