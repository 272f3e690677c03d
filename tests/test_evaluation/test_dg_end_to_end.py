"""A tiny domain-generalization test run: several targets, split targets, one extraction."""
import json
from pathlib import Path

import cv2
import numpy as np
from mmengine.runner import Runner

from helpers import TINY_BACKBONE, make_tiny_data, tiny_runner_cfg


def write_person_images(folder: Path, names, pids, size=(32, 16)):
    """Images of one colour per person, plus noise, so that retrieval is not trivial."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(0)
    for name, pid in zip(names, pids):
        colour = np.random.RandomState(pid).randint(0, 255, 3)
        img = np.clip(colour + rng.randint(-60, 60, (*size, 3)), 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / name), img)


def test_dg_test_run_reports_split_means_and_dg_mean(tmp_path):
    market = make_tiny_data(tmp_path / 'syn')
    viper = tmp_path / 'viper'
    for cam in ('cam_a', 'cam_b'):
        write_person_images(viper / 'VIPeR' / cam, [f'{i:03d}_0.bmp' for i in range(8)], range(8))
    ilids = tmp_path / 'ilids'
    names = [f'{pid:04d}{img:03d}.jpg' for pid in range(1, 7) for img in (1, 2, 3)]
    write_person_images(ilids / 'i-LIDS_Pedestrian' / 'Persons', names,
                        [int(n[:4]) for n in names])

    cfg = tiny_runner_cfg(market, tmp_path / 'work', model='ReIDBaseline')
    cfg.model.backbone = TINY_BACKBONE
    pipeline = cfg.test_dataloader.dataset.pipeline
    pipeline[-1] = dict(type='PackReIDInputs', meta_keys=('split_roles', ))
    cfg.test_dataloader.dataset = dict(
        type='ReIDConcatDataset', offset_ids=False, pipeline=pipeline, datasets=[
            dict(type='Market1501', data_root=str(market), split='test', dataset_name='tiny'),
            dict(type='VIPeR', data_root=str(viper), num_test_pids=4, split_ids=range(3)),
            dict(type='iLIDS', data_root=str(ilids), num_test_pids=3, split_ids=range(3)),
        ])
    cfg.test_evaluator = dict(type='ReIDMetric', topk=(1, ), unseen_targets=['viper', 'ilids'])
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()

    dataset = runner.test_dataloader.dataset
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    # one item, hence one extraction, per image: 3 VIPeR splits of 8 images share images
    assert len(paths) == len(set(paths))
    viper_items = [p for p in paths if '/VIPeR/' in p]
    assert len(viper_items) < 3 * 8
    for name in ('viper', 'ilids'):
        assert metrics[f'{name}/num_splits'] == 3
        assert 0.0 <= metrics[f'{name}/mAP'] <= 100.0 and metrics[f'{name}/mAP_std'] >= 0.0
    assert metrics['dg/mAP'] == (metrics['viper/mAP'] + metrics['ilids/mAP']) / 2
    assert metrics['dg/rank1'] == (metrics['viper/rank1'] + metrics['ilids/rank1']) / 2
    assert 'tiny/mAP' in metrics and 'tiny/mAP_std' not in metrics
    # the split files were written beside the (writable) data and are what the run read
    split_file = Path(dataset.datasets[1].metainfo['split_file'])
    assert split_file.parent == viper and len(json.loads(split_file.read_text())['splits']) == 20
