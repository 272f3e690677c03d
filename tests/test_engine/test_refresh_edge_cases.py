"""Edge cases of ReMix's training data in one tiny run: an identity with a single image, and an
epoch where every single-camera image is noise."""
import logging
import math

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpretrain.utils import get_ori_model

from helpers import make_tiny_data, tiny_runner_cfg


class Recorder(Hook):
    """Records the memories right after the refresh, the momentum features of some items at that
    moment, the batches and the losses (registered below the refresh hook's priority)."""

    def __init__(self, probe, pipeline):
        self.probe, self.pipeline = probe, Compose(pipeline)
        self.batches, self.losses = [], []

    def before_train_epoch(self, runner):
        model, dataset = get_ori_model(runner.model), runner.train_dataloader.dataset
        self.memory = {f'{name}_{key}': getattr(memory, key).clone()
                       for name, memory in (('id', model.memory), ('cam', model.camera_memory))
                       for key in ('centroids', 'keys', 'labels')}
        batch = pseudo_collate([dataset.prepare_data(idx, self.pipeline) for idx in self.probe])
        self.probe_feats = model.momentum_features(model.data_preprocessor(batch, False)['inputs'])

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.batches.append([sample.sample_idx for sample in data_batch['data_samples']])
        self.losses.append({key: float(torch.as_tensor(value).detach())
                            for key, value in outputs.items()})


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """One epoch of ReMix on tiny data where pid 0 keeps a single training image and DBSCAN's
    min_samples (100) exceeds every video's size (12 images), so every single-camera image is
    noise."""
    root = make_tiny_data(tmp_path_factory.mktemp('data') / 'syn')
    train = sorted((root / 'bounding_box_train').glob('0001_*.jpg'))
    assert len(train) == 4
    for path in train[1:]:
        path.unlink()
    cfg = tiny_runner_cfg(root, tmp_path_factory.mktemp('work'), max_epochs=1)
    cfg.train_cfg.val_interval = 2  # no validation
    cfg.custom_hooks[1].min_samples = 100
    runner = Runner.from_cfg(cfg)
    dataset = runner.train_dataloader.dataset
    single = int(np.flatnonzero(dataset.get_pids() == 0)[0])
    recorder = Recorder([single], cfg.custom_hooks[1].pipeline)
    runner.register_hook(recorder, priority='LOW')
    warnings = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = warnings.append
    runner.logger.addHandler(handler)
    try:
        runner.train()
    finally:
        runner.logger.removeHandler(handler)
    return runner, recorder, single, [record.getMessage() for record in warnings]


def test_epoch_of_noise_trains_on_multi_camera_data(run):
    runner, recorder, _, warnings = run
    dataset, sampler = runner.train_dataloader.dataset, runner.train_dataloader.sampler
    num_mc = dataset.num_multi_camera
    stats = runner.message_hub.get_info('remix_refresh')
    assert stats['noise_ratio'] == 1.0 and stats['clusters'] == 0
    assert stats['images_sampled'] == dataset.num_single_camera == 36
    model = get_ori_model(runner.model)
    assert (model.sample_labels[num_mc:] == -1).all()
    assert len(model.memory) == dataset.num_pids  # no pseudo-identity centroid
    assert ('ReMixSampler, epoch 0: the pseudo-labels hold 0 pseudo-identities, fewer than the 2 '
            'a batch needs; the single-camera part of every batch is filled with multi-camera '
            'identities') in warnings
    # Training went on: every batch of the epoch, multi-camera items only, 4 identities x 4.
    assert runner.epoch == 1 and runner.iter == len(recorder.batches) == len(sampler) // 16 == 3
    batches = np.array(recorder.batches)
    assert (batches < num_mc).all()
    group_pids = dataset.get_pids()[batches].reshape(-1, 4)
    assert (group_pids == group_pids[:, :1]).all()
    assert all(len(set(row)) == 4 for row in group_pids[:, 0].reshape(3, 4).tolist())
    assert all(math.isfinite(value) for losses in recorder.losses for value in losses.values())


def test_identity_with_a_single_image(run):
    runner, recorder, single, _ = run
    dataset, sampler = runner.train_dataloader.dataset, runner.train_dataloader.sampler
    assert dataset.num_pids == 8 and (dataset.get_pids() == 0).sum() == 1
    # The refresh: pid 0's centroid and its one camera centroid are that image's feature.
    feat = recorder.probe_feats[0]
    torch.testing.assert_close(recorder.memory['id_centroids'][0], feat)
    key = 0 * dataset.num_cams + int(dataset.get_camids()[single])
    assert (recorder.memory['cam_labels'] == 0).sum() == 1  # one camera row for pid 0
    row = int(torch.searchsorted(recorder.memory['cam_keys'], torch.tensor(key)))
    assert recorder.memory['cam_keys'][row] == key and recorder.memory['cam_labels'][row] == 0
    torch.testing.assert_close(recorder.memory['cam_centroids'][row], feat)
    # The sampler draws its image K times (with replacement) whenever it draws pid 0.
    groups = []
    for epoch in range(4):
        sampler.set_epoch(epoch)
        batches = sampler.sample_batches().reshape(-1, 4)
        groups += [group for group in batches if dataset.get_pids()[group[0]] == 0]
    assert groups and all(group.tolist() == [single] * 4 for group in groups)
