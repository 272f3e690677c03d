"""ReMix: joint training on labeled multi-camera and pseudo-labeled single-camera data."""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import get_rank, get_world_size
from mmengine.model import ExponentialMovingAverage
from mmpretrain.structures import DataSample
from torch.nn.modules.batchnorm import _BatchNorm

from mmremix.registry import MODELS
from ..utils import CentroidMemory, average_float_buffers, gather, gather_with_grad
from .base_reid import BaseReID, pids_of


@contextmanager
def _running_statistics(module: nn.Module, update: bool) -> Iterator[None]:
    """Within the block, BatchNorm layers in training mode keep (``update=True``) or leave alone
    (``update=False``) their running statistics; they normalise with the batch statistics either
    way. Uses ``track_running_stats=False`` for the block, which also leaves ``num_batches_tracked``
    alone; layers in eval mode are not touched.
    """
    layers = [] if update else [
        m for m in module.modules() if isinstance(m, _BatchNorm) and m.training and
        m.track_running_stats
    ]
    for layer in layers:
        layer.track_running_stats = False
    try:
        yield
    finally:
        for layer in layers:
            layer.track_running_stats = True


@MODELS.register_module()
class ReMix(BaseReID):
    """ReMix (Mamedov et al., "ReMix: Training Generalized Person Re-identification on a Mixture of
    Data", WACV 2025).

    An encoder E (backbone + pooling + BNNeck) and a momentum encoder M (an exponential moving
    average of E, never trained by gradients) are trained on batches that mix labeled multi-camera
    images and pseudo-labeled single-camera images, with four losses: Instance (both data),
    Augmentation (both data), Centroids (both data) and Camera Centroids (multi-camera data). The
    identity-centroid memory (multi-camera identities then pseudo-identities) and the
    camera-centroid memory (multi-camera data) are rebuilt at every epoch start by
    :class:`~mmremix.engine.hooks.ReMixRefreshHook` and updated with momentum after each optimiser
    step (:meth:`momentum_update`) from momentum-encoder features gathered over all ranks.

    Training inputs are two views per image (a standard view x and a strongly augmented view x^,
    mmpretrain's ``MultiView`` in the pipeline). The label of each image is its pid for multi-camera
    items and its pseudo-identity for single-camera items, looked up by ``sample_idx`` in the
    ``sample_labels`` buffer that the refresh sets.

    Args:
        backbone (dict): Backbone config (any mmpretrain backbone by name).
        in_channels (int): Embedding size D.
        neck (dict): Pooling config; GeM by default (design choice of mmremix).
        bnneck (dict, optional): BNNeck config; defaults to ``BNNeck(in_channels)``.
        momentum (float): m of ``theta_M <- m * theta_M + (1 - m) * theta_E`` after every optimiser
            step (MMEngine's EMA ``momentum`` is ``1 - m``). Default 0.999 (design choice of
            mmremix).
        centroid_momentum (float): mu of the centroid updates. Default 0.9 (design choice of
            mmremix).
        cross_rank_batch (bool): Under DDP, the Instance and Augmentation losses of each rank's
            images contrast them with the images of every rank's batch (features gathered, with
            gradients), so that N processes of B images train as one process of N * B images
            (up to BatchNorm statistics, which stay per rank). False: each rank's batch alone,
            as fast-reid and ClusterContrast do. Default True (design choice of mmremix).
        step_features (str): The features of the standard views that serve, at every step, as
            the Augmentation Loss targets and the centroid updates: ``'momentum'`` g = M(x), a
            forward pass of the momentum encoder per step (the spec's default), or
            ``'encoder'``, the encoder's own sg(f) of the same step (no extra forward: 16 % less
            time per iteration on the CPU, ``docs/benchmarks.md``). The momentum encoder still
            follows the encoder and serves the refresh and the test. Default ``'momentum'``
            (design choice of mmremix).
        momentum_buffers (str): What the momentum encoder's buffers (BatchNorm running mean and
            variance) follow at each update. ``'ema'``: the same exponential moving average as
            the weights (integer buffers such as ``num_batches_tracked`` are copied), so that M
            normalises its averaged weights with statistics of the same time span, as timm's
            ``ModelEmaV2`` does. ``'copy'``: the encoder's buffers are copied (MMEngine's
            ``update_buffers=False``, this class's behaviour before issue 10), i.e. M
            normalises weights lagging about 1 / (1 - m) steps with the statistics of the
            encoder's last batches. Under DDP either way the ranks' buffers of M are averaged
            before every refresh and every validation or test (:meth:`sync_momentum_buffers`).
            Default ``'ema'`` (design choice of mmremix).
        strong_view_bn (bool): Whether the forward pass of the strongly augmented views x^
            updates the encoder's BatchNorm running statistics (and so, through the momentum
            update, M's). Either way x^ is normalised with its own batch statistics in training;
            False only keeps its statistics out of the running averages that M uses at the
            refresh and the test, whose images are never strongly augmented. Measured
            (``benchmarks/strong_view_bn.py``, ``configs/remix/README.md``): BatchNorm statistics
            of the ImageNet MobileNetV2 re-estimated on 16 real ReMix batches from the standard
            views or from both views gave the same pseudo-labels on the CUHK03 videos within the
            spread of two draws (ARI 0.764 / 0.771 vs 0.765 / 0.775, purity 0.829 / 0.834 vs
            0.827 / 0.831), so the default keeps the training as it was. Default True (design
            choice of mmremix).
        loss_instance (dict): InstanceLoss config (t_ins = 0.1, weight 1.0 by default).
        loss_augmentation (dict): AugmentationLoss config (t_aug = 0.1).
        loss_centroids (dict): CentroidsLoss config (t_c = 0.05).
        loss_camera_centroids (dict): CameraCentroidsLoss config (t_cc = 0.07, h = 50).
        data_preprocessor (dict, optional): See :class:`BaseReID`.
        train_cfg (dict, optional): See :class:`BaseReID`: by default a NaN or infinite loss stops
            training before the optimiser step, the momentum update and the memory update.
        test_cfg (dict, optional): ``feature``: ``'momentum'`` (default) or ``'encoder'``, which
            network's embedding is used for retrieval; ``flip``: flip averaging (default False).
            Both design choices of mmremix.
        init_cfg (dict, optional): MMEngine initialisation config.

    Raises:
        ValueError: On an unknown ``test_cfg`` key or value (see :class:`BaseReID`) or
            ``step_features`` or ``momentum_buffers``.
    """

    #: ``test_cfg`` keys: BaseReID's and ``feature``, the retrieval network (default momentum).
    TEST_CFG_CHOICES = dict(BaseReID.TEST_CFG_CHOICES, feature=('momentum', 'encoder'))

    def __init__(self,
                 backbone: dict,
                 in_channels: int,
                 neck: dict = dict(type='GeneralizedMeanPooling'),
                 bnneck: Optional[dict] = None,
                 momentum: float = 0.999,
                 centroid_momentum: float = 0.9,
                 cross_rank_batch: bool = True,
                 step_features: str = 'momentum',
                 momentum_buffers: str = 'ema',
                 strong_view_bn: bool = True,
                 loss_instance: dict = dict(type='InstanceLoss', temperature=0.1),
                 loss_augmentation: dict = dict(type='AugmentationLoss', temperature=0.1),
                 loss_centroids: dict = dict(type='CentroidsLoss', temperature=0.05),
                 loss_camera_centroids: dict = dict(
                     type='CameraCentroidsLoss', temperature=0.07, num_hard_negatives=50),
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if bnneck is None:
            bnneck = dict(type='BNNeck', in_channels=in_channels)
        super().__init__(backbone=backbone, neck=neck, bnneck=bnneck,
                         data_preprocessor=data_preprocessor, train_cfg=train_cfg,
                         test_cfg=test_cfg, init_cfg=init_cfg)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f'ReMix momentum must lie in [0, 1], got {momentum}')
        if step_features not in ('momentum', 'encoder'):
            raise ValueError('ReMix step_features must be "momentum" or "encoder", got '
                             f'{step_features!r}')
        if momentum_buffers not in ('ema', 'copy'):
            raise ValueError('ReMix momentum_buffers must be "ema" or "copy", got '
                             f'{momentum_buffers!r}')
        self.cross_rank_batch = cross_rank_batch
        self.momentum_buffers = momentum_buffers
        self.strong_view_bn = strong_view_bn
        self.step_features = step_features
        self.momentum_encoder = ExponentialMovingAverage(self.encoder, momentum=1.0 - momentum)
        self.momentum_encoder.requires_grad_(False)
        self.memory = CentroidMemory(in_channels, centroid_momentum)
        self.camera_memory = CentroidMemory(in_channels, centroid_momentum)
        self.register_buffer('sample_labels', torch.zeros(0, dtype=torch.long))
        self.register_buffer('centroid_videos', torch.zeros(0, dtype=torch.long))
        self.register_buffer('num_cams', torch.zeros((), dtype=torch.long))
        self.loss_instance = MODELS.build(loss_instance)
        self.loss_augmentation = MODELS.build(loss_augmentation)
        self.loss_centroids = MODELS.build(loss_centroids)
        self.loss_camera_centroids = MODELS.build(loss_camera_centroids)
        # (momentum features, labels, camera keys) of the batches since the last optimiser step,
        # gathered over all ranks
        self._pending_memory_updates: List[tuple] = []

    @property
    def test_encoder(self) -> nn.Module:
        """The momentum encoder's network or the encoder, as ``test_cfg['feature']`` says."""
        if self.test_cfg['feature'] == 'momentum':
            return self.momentum_encoder.module
        return self.encoder

    def init_weights(self) -> None:
        """Initialise the encoder, then start the momentum encoder as its copy (M = E at start)."""
        super().init_weights()
        self.momentum_encoder.module.load_state_dict(self.encoder.state_dict())

    @torch.no_grad()
    def momentum_update(self) -> None:
        """The updates after an optimiser step (called by ``MomentumEncoderHook``).

        First theta_M <- m * theta_M + (1 - m) * theta_E (:meth:`_update_momentum_encoder`),
        then the centroid memories with the momentum features of the batches since the last
        call. The memories are updated here, after the backward pass, so that they can be written
        in place (the losses saved them for backward).
        """
        self._update_momentum_encoder()
        for feats, labels, camera_keys in self._pending_memory_updates:
            self.memory.update(feats, labels)
            self.camera_memory.update(feats, self.camera_memory.rows_of(camera_keys))
        self._pending_memory_updates.clear()

    @torch.no_grad()
    def _update_momentum_encoder(self) -> None:
        """theta_M <- m * theta_M + (1 - m) * theta_E, buffers as ``momentum_buffers`` says.

        The first update copies the encoder (as MMEngine's EMA does). The tensors are looked up by
        name at every call, so the update still reaches M after a ``model.to(...)`` or ``.cuda()``
        that replaced the buffer tensors (MMEngine's ``update_buffers=True`` keeps the tensors of
        its construction and would then average stale copies).
        """
        ema = self.momentum_encoder
        first = int(ema.steps) == 0
        weight = ema.momentum  # 1 - m
        sources = dict(self.encoder.named_parameters())
        for name, param in ema.module.named_parameters():
            if first:
                param.copy_(sources[name])
            else:
                param.lerp_(sources[name], weight)
        sources = dict(self.encoder.named_buffers())
        for name, buffer in ema.module.named_buffers():
            if first or self.momentum_buffers == 'copy' or not buffer.is_floating_point():
                buffer.copy_(sources[name])
            else:
                buffer.lerp_(sources[name].to(buffer.dtype), weight)
        ema.steps += 1

    @torch.no_grad()
    def sync_momentum_buffers(self) -> int:
        """Average the momentum encoder's floating-point buffers over all ranks, in place.

        BatchNorm statistics are per rank (no SyncBN), so without it each rank's M normalises
        with its own statistics, and the ranks extract their shares of one video (refresh) or of
        the test set differently. Called by ``ReMixRefreshHook`` before each refresh and by
        ``MomentumEncoderHook`` before each validation and test; every rank must call it. The
        weights of M are already identical (DDP keeps the encoders identical); integer buffers
        (``num_batches_tracked``) and the model's own buffers (``sample_labels``, the memories)
        are not touched. Source: design choice of mmremix (issue 10).

        Returns:
            int: Number of buffers averaged (0 when not distributed).
        """
        return average_float_buffers(self.momentum_encoder.module)

    def parse_losses(self, losses: Dict[str, torch.Tensor]):
        """:meth:`BaseReID.parse_losses`; a refused step also drops its pending memory update.

        Raises:
            FloatingPointError: If the total loss is NaN or infinite (see :class:`BaseReID`).
        """
        try:
            return super().parse_losses(losses)
        except FloatingPointError:
            # the memories never see a refused step, even if the caller catches the error
            self._pending_memory_updates.clear()
            raise

    @torch.no_grad()
    def momentum_features(self, inputs: torch.Tensor) -> torch.Tensor:
        """L2-normalised momentum-encoder embeddings g = M(x), (B, D) float32, eval mode."""
        encoder = self.momentum_encoder.module
        was_training = encoder.training
        encoder.eval()
        feats = F.normalize(encoder(inputs)[1].float(), dim=1)
        encoder.train(was_training)
        return feats

    @torch.no_grad()
    def set_memory(self, centroids: torch.Tensor, camera_centroids: torch.Tensor,
                   camera_keys: torch.Tensor, camera_labels: torch.Tensor,
                   sample_labels: torch.Tensor, num_cams: int,
                   centroid_videos: Optional[torch.Tensor] = None) -> None:
        """Install the memories and labels of an epoch (called by the refresh hook).

        Args:
            centroids (torch.Tensor): (C, D) identity centroids: multi-camera identities 0..P-1,
                then pseudo-identities P..C-1.
            camera_centroids (torch.Tensor): (M, D) camera centroids of multi-camera data.
            camera_keys (torch.Tensor): (M,) int64 ``pid * num_cams + camid``, increasing.
            camera_labels (torch.Tensor): (M,) int64 pid of each camera centroid.
            sample_labels (torch.Tensor): (N,) int64 row of ``centroids`` of every training item
                (its pid, its pseudo-identity, or -1 for single-camera items left out this epoch).
            num_cams (int): Number of multi-camera cameras (for the camera keys).
            centroid_videos (torch.Tensor, optional): (C,) int64 video of each centroid row, -1
                for multi-camera identities (for ``CentroidsLoss(negatives='own_video')``); None
                stores none.
        """
        self.memory.reset(centroids)
        self.centroid_videos = (torch.zeros(0, dtype=torch.long) if centroid_videos is None else
                                centroid_videos.long()).to(self.sample_labels.device)
        self.camera_memory.reset(camera_centroids, camera_keys, camera_labels)
        self.sample_labels = sample_labels.long().to(self.sample_labels.device)
        self.num_cams.fill_(int(num_cams))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in ('sample_labels', 'centroid_videos'):
            key = prefix + name
            if key in state_dict:
                setattr(self, name, getattr(self, name).new_empty(state_dict[key].shape))
            elif name == 'centroid_videos' and prefix + 'sample_labels' in state_dict:
                # a checkpoint of a version before centroid_videos: it stores none
                state_dict[key] = self.centroid_videos.new_zeros(0)
                self.centroid_videos = self.centroid_videos.new_zeros(0)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _labels(self, data_samples: Sequence[DataSample], device: torch.device):
        """Identity row, camera key and pid of every image of the batch ((B,) int64 each)."""
        if len(self.memory) == 0:
            raise RuntimeError('ReMix has no centroid memory: add ReMixRefreshHook (and '
                               'MomentumEncoderHook) to custom_hooks, as configs/remix/ do.')
        sample_idx = torch.tensor([s.sample_idx for s in data_samples], device=device)
        if int(sample_idx.max()) >= self.sample_labels.numel():
            raise RuntimeError(f'sample_idx {int(sample_idx.max())} is outside the '
                               f'{self.sample_labels.numel()} items of the last refresh')
        pids = pids_of(data_samples, device)
        camids = torch.tensor([s.camid for s in data_samples], device=device)
        labels = self.sample_labels[sample_idx]
        cam_keys = torch.where(pids >= 0, pids * self.num_cams + camids, torch.full_like(pids, -1))
        return labels, cam_keys, pids

    def loss(self, inputs: List[torch.Tensor],
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """The four ReMix losses of a batch; its momentum features wait for the memory update.

        Args:
            inputs (list[torch.Tensor]): Two (B, 3, H, W) float batches: the standard views x and
                the strongly augmented views x^ of the same images.
            data_samples (list[DataSample]): ``sample_idx``, ``pid`` and ``camid`` of each image.

        Returns:
            dict[str, torch.Tensor]: ``loss_instance``, ``loss_augmentation``, ``loss_centroids``,
            ``loss_camera_centroids`` (weighted scalars).

        Raises:
            ValueError: If ``inputs`` is not two views.
            RuntimeError: If no refresh has set the memories.
        """
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError('ReMix trains on two views per image (standard, strongly augmented): '
                             'use MultiView with two pipelines in the training pipeline.')
        x, x_aug = inputs
        labels, cam_keys, pids = self._labels(data_samples, x.device)
        feats = F.normalize(self.encoder(x)[1], dim=1)
        with _running_statistics(self.encoder, update=self.strong_view_bn):
            aug_feats = F.normalize(self.encoder(x_aug)[1], dim=1)
        momentum_feats = (self.momentum_features(x) if self.step_features == 'momentum' else
                          feats.detach().float())
        all_momentum, all_labels = gather(momentum_feats), gather(labels)

        keep = labels >= 0  # single-camera items left out of this epoch never reach a loss
        labels_k = labels[keep]
        mc_labels = torch.where(pids[keep] >= 0, labels_k, torch.full_like(labels_k, -1))
        instance_keys, augmentation_keys = {}, {}
        if self.cross_rank_batch and get_world_size() > 1:
            all_keep = all_labels >= 0
            self_index = (torch.cumsum(all_keep, 0) - 1)[get_rank() * len(labels) +
                                                         torch.nonzero(keep).squeeze(1)]
            candidates = dict(key_labels=all_labels[all_keep], self_index=self_index)
            instance_keys = dict(keys=gather_with_grad(feats)[all_keep], **candidates)
            augmentation_keys = dict(keys=all_momentum[all_keep], **candidates)
        losses = dict(
            loss_instance=self.loss_instance(feats[keep], labels_k, **instance_keys),
            loss_augmentation=self.loss_augmentation(aug_feats[keep], momentum_feats[keep],
                                                     labels_k, **augmentation_keys),
            loss_centroids=self.loss_centroids(
                feats[keep], labels_k, self.memory.centroids,
                self.centroid_videos if self.centroid_videos.numel() else None),
            loss_camera_centroids=self.loss_camera_centroids(
                feats[keep], mc_labels, self.camera_memory.centroids, self.camera_memory.labels))

        self._pending_memory_updates.append((all_momentum, all_labels, gather(cam_keys)))
        return losses
