"""Datasets over the embedded synthetic data, generated on first use."""
from pathlib import Path
from typing import Optional

from mmremix.registry import DATASETS
from .market1501 import Market1501
from .single_camera_videos import SingleCameraVideos
from .synthetic import ensure_synthetic_reid


@DATASETS.register_module()
class SyntheticReID(Market1501):
    """The labeled part of the synthetic data: a Market-1501 layout written on first use.

    Args:
        data_root (str): Folder of the generated data. Defaults to ``'data/synthetic_reid'``.
        seed (int): Generator seed. Defaults to 0.
        generator_cfg (dict, optional): Other arguments of
            :func:`mmremix.datasets.synthetic.generate_synthetic_reid` (counts, image size).
        dataset_name (str): Defaults to ``'synthetic'``.
        **kwargs: :class:`Market1501` arguments (``split``, ``pipeline``, ...).

    Raises:
        ValueError: If ``data_root`` holds data generated with other parameters.

    Source: design choice of mmremix (the embedded default data).
    """

    def __init__(self,
                 data_root: str = 'data/synthetic_reid',
                 seed: int = 0,
                 generator_cfg: Optional[dict] = None,
                 dataset_name: str = 'synthetic',
                 **kwargs) -> None:
        ensure_synthetic_reid(data_root, seed=seed, **(generator_cfg or {}))
        super().__init__(data_root=data_root, dataset_name=dataset_name, **kwargs)


@DATASETS.register_module()
class SyntheticVideos(SingleCameraVideos):
    """The single-camera videos of the synthetic data (``<data_root>/videos``), written on first
    use.

    The ground truth of the video identities, for the pseudo-label quality log only, is
    ``<data_root>/videos_gt.txt``.

    Args:
        data_root (str): Folder of the generated data. Defaults to ``'data/synthetic_reid'``.
        seed (int): Generator seed. Defaults to 0.
        generator_cfg (dict, optional): As in :class:`SyntheticReID` (use the same values).
        dataset_name (str): Defaults to ``'synthetic_videos'``.
        **kwargs: :class:`SingleCameraVideos` arguments.

    Source: design choice of mmremix (the embedded default data).
    """

    def __init__(self,
                 data_root: str = 'data/synthetic_reid',
                 seed: int = 0,
                 generator_cfg: Optional[dict] = None,
                 dataset_name: str = 'synthetic_videos',
                 **kwargs) -> None:
        root = ensure_synthetic_reid(data_root, seed=seed, **(generator_cfg or {}))
        super().__init__(data_root=str(Path(root) / 'videos'), dataset_name=dataset_name, **kwargs)
