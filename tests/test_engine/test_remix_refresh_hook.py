import numpy as np
import pytest
import torch
from mmengine.runner import Runner

from helpers import make_tiny_data, tiny_runner_cfg


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return make_tiny_data(tmp_path_factory.mktemp('data') / 'syn')


@pytest.mark.parametrize('num_workers', [0, 2])
def test_refresh_sets_consistent_memories_and_labels(tiny_data, tmp_path, num_workers):
    runner = Runner.from_cfg(tiny_runner_cfg(tiny_data, tmp_path, num_workers=num_workers))
    runner.train()
    model, dataset = runner.model, runner.train_dataloader.dataset
    sampler = runner.train_dataloader.sampler
    num_mc, num_pids = dataset.num_multi_camera, dataset.num_pids
    labels = model.sample_labels.numpy()
    # multi-camera items keep their pid; clustered single-camera items follow the pids
    assert np.array_equal(labels[:num_mc], dataset.get_pids()[:num_mc])
    sc = labels[num_mc:]
    assert sc.size == dataset.num_single_camera and sc.min() >= -1
    num_clusters = len(model.memory) - num_pids
    assert set(sc[sc >= 0] - num_pids) == set(range(num_clusters))
    # a pseudo-identity never spans two videos
    videos = dataset.get_video_ids()[num_mc:]
    for label in np.unique(sc[sc >= 0]):
        assert np.unique(videos[sc == label]).size == 1
    # the sampler got the same pseudo-labels as the model (persistent workers or not)
    batches = sampler.sample_batches()
    sc_part = batches[:, sampler.batch_size - 8:]
    assert (labels[sc_part] >= num_pids).all() or num_clusters == 0
    # the video of every centroid row: -1 for identities, the cluster's video for pseudo-ids
    centroid_videos = model.centroid_videos.numpy()
    assert centroid_videos.shape == (len(model.memory), )
    assert (centroid_videos[:num_pids] == -1).all()
    for label in np.unique(sc[sc >= 0]):
        assert centroid_videos[label] == videos[sc == label][0]
    # camera memory: one row per (pid, camera) of the multi-camera data
    pairs = {(p, c) for p, c in zip(dataset.get_pids()[:num_mc], dataset.get_camids()[:num_mc])}
    assert len(model.camera_memory) == len(pairs)
    assert torch.equal(model.camera_memory.labels, model.camera_memory.keys // dataset.num_cams)
    assert torch.allclose(model.memory.centroids.norm(dim=1), torch.ones(len(model.memory)))
    stats = runner.message_hub.get_info('remix_refresh')
    assert stats['images_sampled'] == dataset.num_single_camera  # ratio 1.0 > videos available
    assert stats['clusters'] == num_clusters
    assert 0.0 <= stats['purity'] <= 1.0 and 'nmi' in stats and 'seconds_cluster' in stats


def test_refresh_rejects_a_model_without_memory(tiny_data, tmp_path):
    cfg = tiny_runner_cfg(tiny_data, tmp_path, model='ReIDBaseline')
    cfg.custom_hooks = [
        dict(type='ReMixRefreshHook', pipeline=cfg.test_dataloader.dataset.pipeline)
    ]
    runner = Runner.from_cfg(cfg)
    with pytest.raises(TypeError, match='ReMix model'):
        runner.train()


def test_refresh_syncs_the_momentum_encoder_before_extracting(tiny_data, tmp_path, monkeypatch):
    from mmremix.engine.hooks import ReMixRefreshHook
    from mmremix.models import ReMix
    calls = []
    sync, extract = ReMix.sync_momentum_buffers, ReMixRefreshHook._extract
    monkeypatch.setattr(ReMix, 'sync_momentum_buffers',
                        lambda self: calls.append('sync') or sync(self))
    monkeypatch.setattr(ReMixRefreshHook, '_extract',
                        lambda self, *args: calls.append('extract') or extract(self, *args))
    runner = Runner.from_cfg(tiny_runner_cfg(tiny_data, tmp_path, max_epochs=1))
    runner.train()
    assert calls[:3] == ['sync', 'extract', 'extract']


def test_refresh_extraction_workers_end_with_the_process(tiny_data, tmp_path, monkeypatch):
    from mmremix.datasets.worker_init import exit_with_parent_worker_init
    from mmremix.engine.hooks import remix_refresh_hook
    loaders = []

    class RecordingLoader(remix_refresh_hook.DataLoader):

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            loaders.append(self)

    monkeypatch.setattr(remix_refresh_hook, 'DataLoader', RecordingLoader)
    runner = Runner.from_cfg(tiny_runner_cfg(tiny_data, tmp_path, max_epochs=1, num_workers=1))
    runner.train()
    assert len(loaders) == 2  # multi-camera and single-camera extraction
    assert all(loader.worker_init_fn is exit_with_parent_worker_init for loader in loaders)
