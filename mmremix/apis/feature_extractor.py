"""Inference API: build a Re-ID model from a config and extract retrieval features from images."""
import copy
import math
import os
import os.path as osp
import warnings
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.runner import load_checkpoint
from tqdm import tqdm

from mmremix.datasets.base_reid_dataset import IMG_EXTENSIONS, list_images
from mmremix.datasets.unreadable_images import UnreadableImageError, image_problem
from mmremix.registry import MODELS, TRANSFORMS
from mmremix.utils import register_all_modules
from .input_size import pipeline_input_size

ImageInput = Union[str, Path, np.ndarray]
Inputs = Union[str, Path, np.ndarray, torch.Tensor, Sequence[ImageInput]]


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a Re-ID model from an MMEngine config, load its weights and put it in eval mode.

    Registers mmremix's modules first (:func:`mmremix.utils.register_all_modules`), which also makes
    local checkpoints of torch >= 2.6 loadable.

    Args:
        config (str | Path | Config): Config file path or config object (not modified).
        checkpoint (str, optional): Checkpoint file (an MMEngine checkpoint or a plain state dict)
            loaded with :func:`mmengine.runner.load_checkpoint`; None keeps the initial weights.
        device (str | torch.device): Device of the model. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Config overrides, as ``--cfg-options`` of the tools, e.g.
            ``{'model.test_cfg.flip': True}``.

    Returns:
        nn.Module: The model (a :class:`~mmremix.models.BaseReID`), in eval mode on ``device``, with
        the config as ``model.cfg``.

    Raises:
        TypeError: ``config`` is neither a path nor a ``Config``.
        FileNotFoundError: The config or the checkpoint file does not exist.

    Source: design choice of mmremix (after ``mmpretrain.apis.init_model``).

    Example:
        >>> from mmremix.apis import init_model
        >>> model = init_model('configs/baseline/baseline_r18-narrow_1xb64-10e_synthetic_64x32.py',
        ...                    'work_dirs/quick_baseline/epoch_10.pth')  # doctest: +SKIP
    """
    if isinstance(config, (str, Path)):
        cfg = Config.fromfile(str(config))
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError(f'config must be a config file path or an mmengine Config, got '
                        f'{type(config).__name__}')
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    register_all_modules()
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu')
    model.cfg = cfg
    return model.to(device).eval()


def _sub_folders(folder: str) -> List[str]:
    return sorted(entry.name for entry in os.scandir(folder) if entry.is_dir())


def _images_below(folder: str) -> List[str]:
    """The images of a folder and all its sub-folders, sorted by relative path."""
    paths = [osp.join(root, name) for root, _, names in os.walk(osp.abspath(folder))
             for name in names if name.lower().endswith(IMG_EXTENSIONS)]
    if not paths:
        raise ValueError(f'{osp.abspath(folder)} and its sub-folders hold no image '
                         f'({"/".join(IMG_EXTENSIONS)} files)')
    return sorted(paths)


def collect_image_paths(inputs: Union[str, Path, Sequence[Union[str, Path]]],
                        recursive: bool = False) -> List[str]:
    """Resolve folders and image paths to a flat list of image paths.

    Args:
        inputs (str | Path | Sequence[str | Path]): A folder or an image file, or a list of them.
            A folder stands for its ``.jpg`` / ``.jpeg`` / ``.png`` files, sorted by name.
        recursive (bool): Whether a folder also stands for the images of its sub-folders (sorted
            by relative path). Without it, a folder with sub-folders gets a warning naming them,
            since their images are left out. Defaults to False.

    Returns:
        list[str]: The image paths, in input order (a folder's are absolute).

    Raises:
        FileNotFoundError: A path does not exist (the message names it).
        ValueError: A folder holds no image (with ``recursive``: nor do its sub-folders; without
            it the message names the sub-folders), or the list is empty.

    Source: design choice of mmremix.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    if len(inputs) == 0:
        raise ValueError('No input image: got an empty list of paths')
    paths = []
    for path in map(str, inputs):
        if osp.isdir(path) and recursive:
            paths.extend(_images_below(path))
        elif osp.isdir(path):
            subs = _sub_folders(path)
            shown = ', '.join(subs[:5]) + (', ...' if len(subs) > 5 else '')
            try:
                images = list_images(path)
            except ValueError as err:
                if subs:
                    raise ValueError(f'{err}; its {len(subs)} sub-folder(s) ({shown}) are not '
                                     'searched without --recursive (recursive=True)') from err
                raise
            if subs:
                warnings.warn(f'{osp.abspath(path)}: {len(images)} image(s) taken; its '
                              f'{len(subs)} sub-folder(s) ({shown}) are not searched (use '
                              '--recursive, recursive=True, to include them)')
            paths.extend(images)
        elif osp.isfile(path):
            paths.append(path)
        else:
            raise FileNotFoundError(f'Image file or folder not found: {path}')
    return paths


class FeatureExtractor:
    """Retrieval features of images: paths, a folder, BGR arrays or image tensors.

    Images given as paths or arrays go through the test pipeline (by default the config's
    ``test_dataloader.dataset.pipeline``; ``LoadImageFromFile`` is skipped for arrays), then the
    model's data preprocessor and :meth:`BaseReID.extract_feat`, ``batch_size`` images at a time.
    A progress bar is shown when there are more than :attr:`PROGRESS_MIN_BATCHES` batches.

    Args:
        model (nn.Module | str | Path | Config): A Re-ID model (e.g. from :func:`init_model`) or a
            config to build one from.
        checkpoint (str, optional): Checkpoint loaded into the model; None keeps its weights.
        device (str | torch.device): Device the model is moved to. Defaults to ``'cpu'``.
        batch_size (int): Images per forward pass. Defaults to 64.
        pipeline (Sequence[dict], optional): Test pipeline (transform configs, ending with
            ``PackReIDInputs``); None takes the one of ``model.cfg``.

    Raises:
        ValueError: ``batch_size`` < 1, or no pipeline is given and the model has no ``cfg`` with
            ``test_dataloader.dataset.pipeline``.

    Source: design choice of mmremix (after torchreid's ``FeatureExtractor``).

    Example:
        >>> from mmremix.apis import FeatureExtractor
        >>> extractor = FeatureExtractor(
        ...     'configs/remix/remix_r18-narrow_1xb64-6e_synthetic_64x32.py',
        ...     'work_dirs/quick_remix/epoch_6.pth')  # doctest: +SKIP
        >>> feats = extractor('data/synthetic_reid/query')  # doctest: +SKIP
        >>> feats.shape, feats.dtype  # doctest: +SKIP
        ((300, 256), dtype('float32'))
    """

    #: A progress bar is shown for inputs of more batches than this.
    PROGRESS_MIN_BATCHES = 3
    #: Images upscaled by more than this factor in height or width to the input size get a
    #: warning (design choice of mmremix): their features carry little detail.
    MAX_UPSCALE = 2.0
    #: Images whose aspect ratio (height / width) differs from the input's by more than this
    #: factor get a warning (design choice of mmremix): the resize stretches them.
    MAX_ASPECT_CHANGE = 1.5

    def __init__(self,
                 model: Union[nn.Module, str, Path, Config],
                 checkpoint: Optional[str] = None,
                 device: Union[str, torch.device] = 'cpu',
                 batch_size: int = 64,
                 pipeline: Optional[Sequence[dict]] = None) -> None:
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        if isinstance(model, nn.Module):
            if checkpoint is not None:
                load_checkpoint(model, checkpoint, map_location='cpu')
            model = model.to(device).eval()
        else:
            model = init_model(model, checkpoint, device)
        self.model = model
        self.batch_size = batch_size
        if pipeline is None:
            cfg = getattr(model, 'cfg', None)
            if cfg is None or 'pipeline' not in cfg.get('test_dataloader', {}).get('dataset', {}):
                raise ValueError('FeatureExtractor needs a test pipeline: pass `pipeline`, or a '
                                 'model with a config '
                                 '(model.cfg.test_dataloader.dataset.pipeline), '
                                 'e.g. from mmremix.apis.init_model')
            pipeline = cfg.test_dataloader.dataset.pipeline
        register_all_modules()
        transforms = [TRANSFORMS.build(copy.deepcopy(t)) if isinstance(t, dict) else t
                      for t in pipeline]
        self.file_pipeline = Compose(transforms)
        self.array_pipeline = Compose(
            [t for t in transforms if type(t).__name__ != 'LoadImageFromFile'])
        try:
            self.input_size: Optional[Tuple[int, int]] = pipeline_input_size(
                [t for t in pipeline if isinstance(t, dict)])
        except ValueError:  # no fixed-size Resize: sizes are not checked
            self.input_size = None

    def __call__(self, inputs: Inputs) -> np.ndarray:
        """Extract the retrieval features of images.

        Args:
            inputs: One of

                - a folder path (its ``.jpg`` / ``.jpeg`` / ``.png`` images, sorted by name),
                  an image path, or a list of them;
                - an (H, W, 3) uint8 BGR array (as ``cv2.imread`` returns), or a list of them
                  (paths and arrays may be mixed);
                - a (3, H, W) or (N, 3, H, W) tensor of BGR images in [0, 255] (uint8 or float),
                  already at the model's input size: the pipeline is not applied, only the
                  model's data preprocessor (BGR -> RGB, normalisation).

        Returns:
            np.ndarray: (N, D) float32, L2-normalised features, one row per image in input order.

        Raises:
            FileNotFoundError: A path does not exist.
            ValueError: An empty folder or list, an array that is not (H, W, 3) uint8, or a tensor
                that is not (3, H, W) / (N, 3, H, W).
            TypeError: An input of another type.
        """
        if isinstance(inputs, torch.Tensor):
            batch = self._check_tensor(inputs)
            chunks = [batch[i:i + self.batch_size] for i in range(0, len(batch), self.batch_size)]
            return self._forward_chunks(chunks, len(chunks))
        items = self._as_items(inputs)
        num_batches = math.ceil(len(items) / self.batch_size)
        chunks = (self._pack(items[i:i + self.batch_size])
                  for i in range(0, len(items), self.batch_size))
        return self._forward_chunks(chunks, num_batches)

    def pack(self, inputs: Inputs) -> List[torch.Tensor]:
        """The test pipeline's output of images, before the data preprocessor.

        Args:
            inputs: As for :meth:`__call__`, except tensors.

        Returns:
            list[torch.Tensor]: One (3, H, W) uint8 BGR tensor per image, resized as the model
            sees it (e.g. to draw it).

        Raises:
            UnreadableImageError: A path is missing, empty, truncated or not an image.
        """
        return self._pack(self._as_items(inputs))

    @torch.no_grad()
    def preprocess(self, inputs: Inputs) -> torch.Tensor:
        """The normalised network input of images: the test pipeline, then the preprocessor.

        Args:
            inputs: As for :meth:`__call__`, except tensors.

        Returns:
            torch.Tensor: (N, 3, H, W) float32 on the model's device, what
            :meth:`BaseReID.extract_feat` receives (e.g. to check an exported model).
        """
        items = self._as_items(inputs)
        return torch.cat([
            self.model.data_preprocessor(
                dict(inputs=self._pack(items[i:i + self.batch_size])), False)['inputs']
            for i in range(0, len(items), self.batch_size)
        ])

    def _as_items(self, inputs: Inputs) -> list:
        """Normalise the non-tensor inputs to a list of paths and checked arrays."""
        if isinstance(inputs, np.ndarray):
            return [self._check_array(inputs, 'the input array')]
        if isinstance(inputs, (str, Path)):
            return collect_image_paths(inputs)
        if not isinstance(inputs, Sequence):
            raise TypeError(f'Expected image path(s), a folder, BGR array(s) or a tensor, got '
                            f'{type(inputs).__name__}')
        if len(inputs) == 0:
            raise ValueError('No input image: got an empty list')
        items = []
        for idx, item in enumerate(inputs):
            if isinstance(item, np.ndarray):
                items.append(self._check_array(item, f'input {idx}'))
            elif isinstance(item, (str, Path)):
                items.extend(collect_image_paths(item))
            else:
                raise TypeError(f'Input {idx}: expected an image path or an (H, W, 3) uint8 BGR '
                                f'array, got {type(item).__name__}')
        return items

    @staticmethod
    def _check_array(img: np.ndarray, name: str) -> np.ndarray:
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f'{name}: expected an (H, W, 3) uint8 BGR image array, got shape '
                             f'{tuple(img.shape)} and dtype {img.dtype}')
        return img

    @staticmethod
    def _check_tensor(inputs: torch.Tensor) -> torch.Tensor:
        batch = inputs[None] if inputs.dim() == 3 else inputs
        if batch.dim() != 4 or batch.size(1) != 3:
            raise ValueError(f'Expected an image tensor of shape (3, H, W) or (N, 3, H, W), got '
                             f'{tuple(inputs.shape)}')
        if batch.size(0) == 0:
            raise ValueError('No input image: got a tensor of 0 images')
        return batch

    def _pack(self, items: list) -> List[torch.Tensor]:
        """Run the pipeline on paths / arrays: a list of (3, h, w) uint8 tensors.

        Raises:
            UnreadableImageError: A path is missing, empty, truncated or not an image.
        """
        packed, odd = [], []
        for item in items:
            if isinstance(item, np.ndarray):
                shape = item.shape[:2]
                results = self.array_pipeline(dict(img=item, img_shape=shape, ori_shape=shape))
                name = f'an array of {shape[0]} x {shape[1]}'
            else:
                try:
                    results = self.file_pipeline(dict(img_path=item))
                except Exception as err:
                    problem = image_problem(item)
                    if problem is None:
                        raise
                    raise UnreadableImageError(
                        f'Cannot read the image {item}: {problem}. Replace the file or leave it '
                        'out of the inputs') from err
                shape, name = results.get('ori_shape'), item
            packed.append(results['inputs'])
            if shape is not None and self._odd_size(shape):
                odd.append(f'{name} ({shape[0]} x {shape[1]})')
        if odd:
            height, width = self.input_size
            warnings.warn(
                f'{len(odd)} image(s) much smaller than the {height} x {width} (height x width) '
                f'input (upscaled more than {self.MAX_UPSCALE:g}x) or of another shape (aspect '
                f'ratio off by more than {self.MAX_ASPECT_CHANGE:g}x) are resized to it, and '
                f'their features may be poor: {", ".join(odd[:3])}' +
                (', ...' if len(odd) > 3 else ''))
        return packed

    def _odd_size(self, shape: Tuple[int, int]) -> bool:
        """Whether an image of (height, width) ``shape`` is much smaller or of another shape."""
        if self.input_size is None:
            return False
        (img_h, img_w), (height, width) = shape[:2], self.input_size
        upscale = max(height / max(img_h, 1), width / max(img_w, 1))
        aspect_change = (img_h / max(img_w, 1)) / (height / width)
        return upscale > self.MAX_UPSCALE or not (
            1 / self.MAX_ASPECT_CHANGE <= aspect_change <= self.MAX_ASPECT_CHANGE)

    @torch.no_grad()
    def _forward_chunks(self, chunks, num_batches: int) -> np.ndarray:
        feats = []
        progress = tqdm(chunks, total=num_batches, desc='extracting features', unit='batch',
                        disable=num_batches <= self.PROGRESS_MIN_BATCHES)
        for chunk in progress:
            inputs = self.model.data_preprocessor(dict(inputs=chunk), False)['inputs']
            feats.append(self.model.extract_feat(inputs).float().cpu())
        return torch.cat(feats).numpy()
