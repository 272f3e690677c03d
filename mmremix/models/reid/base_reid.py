"""Common base of the Re-ID models: the encoder, retrieval features and ``forward`` modes."""
import math
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_rank, get_world_size
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmpretrain.structures import DataSample

from mmremix.registry import MODELS

from .reid_encoder import ReIDEncoder


class BaseReID(BaseModel):
    """Base of mmremix's Re-ID models.

    Args:
        backbone (dict): Backbone config (any mmpretrain backbone by name).
        neck (dict): Pooling config (GeM or GAP).
        bnneck (dict, optional): BNNeck config; None for none.
        data_preprocessor (dict, optional): Defaults to ``ReIDDataPreprocessor`` with ImageNet
            statistics.
        train_cfg (dict, optional): ``check_finite_loss`` (bool): stop training with a
            ``FloatingPointError`` when the total loss is NaN or infinite, before the optimiser
            step (see :meth:`parse_losses`; design choice of mmremix, default True).
        test_cfg (dict, optional): ``flip`` (bool): average the features of the image and its
            horizontal flip at test time (design choice of mmremix, default False). Only the keys
            of :attr:`TEST_CFG_CHOICES` are accepted, each with one of its values.
        init_cfg (dict, optional): MMEngine initialisation config.

    Raises:
        ValueError: If ``test_cfg`` has a key outside :attr:`TEST_CFG_CHOICES` (e.g. a misspelt
            ``fllip`` from ``--cfg-options``) or a value that is not one of the key's choices
            (e.g. the string ``'Ture'`` for a bool).
    """

    #: The keys of ``test_cfg`` and their valid values, the default first. Subclasses extend it
    #: (ReMix adds ``feature``). A value must equal a choice and have its type, so ``1`` or
    #: ``'True'`` is no bool. Design choice of mmremix.
    TEST_CFG_CHOICES: Dict[str, Tuple[Any, ...]] = {'flip': (False, True)}

    def __init__(self,
                 backbone: dict,
                 neck: dict = dict(type='GeneralizedMeanPooling'),
                 bnneck: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ReIDDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = ReIDEncoder(backbone=backbone, neck=neck, bnneck=bnneck)
        self.train_cfg = dict(check_finite_loss=True)
        self.train_cfg.update(train_cfg or {})
        self.test_cfg = self.check_test_cfg(test_cfg)

    @classmethod
    def check_test_cfg(cls, test_cfg: Optional[dict]) -> Dict[str, Any]:
        """``test_cfg`` completed with the defaults of :attr:`TEST_CFG_CHOICES`, after checking it.

        Args:
            test_cfg (dict, optional): The model's ``test_cfg``; None for the defaults.

        Returns:
            dict: Every key of :attr:`TEST_CFG_CHOICES`, with the given or the default value.

        Raises:
            ValueError: On an unknown key or a value that is not one of the key's choices; the
                message names the model class, the key and the valid keys or values.
        """
        test_cfg = dict(test_cfg or {})
        unknown = sorted(set(test_cfg) - set(cls.TEST_CFG_CHOICES))
        if unknown:
            raise ValueError(f'{cls.__name__}: model.test_cfg has unknown key(s) {unknown}; valid '
                             f'keys: {sorted(cls.TEST_CFG_CHOICES)}')
        for key, value in test_cfg.items():
            choices = cls.TEST_CFG_CHOICES[key]
            if not any(type(value) is type(choice) and value == choice for choice in choices):
                raise ValueError(f'{cls.__name__}: model.test_cfg.{key} must be one of '
                                 f'{list(choices)}, got {value!r} ({type(value).__name__})')
        return {key: test_cfg.get(key, choices[0])
                for key, choices in cls.TEST_CFG_CHOICES.items()}

    @property
    def test_encoder(self) -> torch.nn.Module:
        """The network whose features are used for retrieval."""
        return self.encoder

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Retrieval features.

        Args:
            inputs (torch.Tensor): (B, 3, H, W) float images, normalised.

        Returns:
            torch.Tensor: (B, D) float32, L2-normalised, the BNNeck output of :attr:`test_encoder`
            (averaged with the flipped image's when ``test_cfg['flip']``).
        """
        feats = self.test_encoder(inputs)[1]
        if self.test_cfg['flip']:
            feats = feats + self.test_encoder(inputs.flip(3))[1]
        return F.normalize(feats.float(), dim=1)

    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """MMEngine's entry point.

        Args:
            inputs: (B, 3, H, W) images, or a list of such batches, one per view (training of
            ReMix).
            data_samples (list[DataSample], optional): Per-image metainfo (pid, camid, ...).
            mode (str): ``'tensor'`` returns :meth:`extract_feat`; ``'loss'`` a dict of losses;
                ``'predict'`` the data samples with the field ``feature`` set.

        Raises:
            ValueError: On an unknown mode.
        """
        if mode == 'tensor':
            return self.extract_feat(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f'Invalid mode "{mode}": expected "tensor", "loss" or "predict".')

    @abstractmethod
    def loss(self, inputs, data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """Training losses, by name."""

    def parse_losses(
            self, losses: Dict[str, torch.Tensor]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """MMEngine's sum of the losses, refused when it is NaN or infinite.

        Every MMEngine ``train_step`` (the model's own, and ``MMDistributedDataParallel``'s, which
        :class:`~mmremix.engine.ReIDDistributedDataParallel` runs under DDP) calls this between the
        forward pass and ``optim_wrapper.update_params``. Raising here stops the run before the
        backward pass, so a non-finite loss never reaches the weights, the optimiser state, the
        momentum encoder or the centroid memories, and no checkpoint is written for the iteration:
        the last one in the work_dir stays the last good state. (BatchNorm running statistics are
        updated by the forward pass itself and are not protected; the checkpoint is.) Under DDP a
        flag per rank is all-reduced first, so every rank raises at the same iteration and none is
        left waiting in the gradient all-reduce.

        The check costs one ``isfinite`` on the scalar and one device synchronisation per step
        (plus one all-reduce of ``world_size`` floats under DDP); MMEngine's logging already reads
        every loss with ``.item()`` each iteration. ``train_cfg=dict(check_finite_loss=False)``
        turns it off, e.g. for fp16 runs whose loss scaler is meant to skip overflowing steps.

        Args:
            losses (dict[str, torch.Tensor]): The output of :meth:`loss`.

        Returns:
            tuple[torch.Tensor, dict[str, torch.Tensor]]: The total loss (the sum of the terms whose
            name contains ``'loss'``) and the values to log, as MMEngine's ``parse_losses``.

        Raises:
            FloatingPointError: If the total loss is NaN or infinite on any rank. The message
            names the iteration and epoch (1-based, as in the log and in ``iter_N.pth``), the
            ranks concerned under DDP, every term with its value on this rank and the
            non-finite ones.

        Source: design choice of mmremix.
        """
        loss, log_vars = super().parse_losses(losses)
        if self.train_cfg['check_finite_loss'] and isinstance(loss, torch.Tensor):
            bad_ranks = _non_finite_ranks(loss)
            if bad_ranks:
                raise FloatingPointError(_non_finite_message(log_vars, bad_ranks))
        return loss, log_vars

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        """Retrieval features of a batch, stored as the field ``feature`` ((D,) float32).

        Args:
            inputs (torch.Tensor): (B, 3, H, W) float images, normalised.
            data_samples (list[DataSample], optional): Created empty when None.

        Returns:
            list[DataSample]: One per image, with ``feature`` set.
        """
        feats = self.extract_feat(inputs)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(feats.size(0))]
        for data_sample, feat in zip(data_samples, feats):
            data_sample.set_field(feat, 'feature')
        return data_samples


def _non_finite_ranks(loss: torch.Tensor) -> List[int]:
    """The ranks whose total loss is NaN or infinite (all-reduced when distributed)."""
    world_size = get_world_size()
    if world_size == 1:
        return [] if bool(torch.isfinite(loss.detach())) else [0]
    flags = torch.zeros(world_size, device=loss.device)
    flags[get_rank()] = (~torch.isfinite(loss.detach())).float()
    all_reduce(flags, op='sum')
    return flags.nonzero().flatten().tolist()


def _non_finite_message(log_vars: Dict[str, torch.Tensor], bad_ranks: List[int]) -> str:
    """The error of a non-finite loss: where it happened, every term and what to do."""
    message_hub = MessageHub.get_current_instance()
    it, epoch = message_hub.get_info('iter'), message_hub.get_info('epoch')
    where = ('outside a training loop' if it is None else
             f'at iteration {it + 1} (epoch {(epoch or 0) + 1}; both 1-based, as in the log and '
             'in iter_N.pth)')
    if get_world_size() > 1:
        where += f' on rank(s) {bad_ranks} (this is rank {get_rank()})'
    values = {name: float(value.detach()) for name, value in log_vars.items()}
    terms = ', '.join(f'{name}={value:.4g}' for name, value in values.items())
    bad = [name for name, value in values.items()
           if 'loss' in name and name != 'loss' and not math.isfinite(value)]
    return (f'Non-finite loss {where}: {terms}; non-finite: {", ".join(bad) or "none here"}. '
            'Training stopped before the backward pass: the weights and the optimiser state (and '
            'the momentum encoder and memories of ReMix) were not updated, and the last '
            'checkpoint in the work_dir is unchanged. Lower the learning rate, clip gradients '
            '(optim_wrapper.clip_grad) or check the data, then resume from that checkpoint.')


def pids_of(data_samples: List[DataSample], device: torch.device) -> torch.Tensor:
    """The ``pid`` metainfo of a batch as a (B,) int64 tensor on ``device``."""
    return torch.tensor([sample.pid for sample in data_samples], dtype=torch.long, device=device)
