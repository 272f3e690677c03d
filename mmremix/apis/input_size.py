"""The input size of a Re-ID model, read from its config's test pipeline.

Source: design choice of mmremix. The size a model was trained and tested at lives in the
``Resize`` step of the test pipeline (``scale=(w, h)``, as mmcv orders it), not in the model;
exporting or feeding the model at another size silently changes its features.
"""
import copy
from typing import List, Optional, Sequence, Tuple

from mmengine.config import Config

#: Transforms whose ``scale`` is the network input size (width, height).
RESIZE_TYPES = ('Resize', 'mmcv.Resize', 'mmpretrain.Resize', 'mmremix.Resize')


def test_pipeline_of(cfg: Config) -> Optional[List[dict]]:
    """``test_dataloader.dataset.pipeline`` of the config, else ``test_pipeline``, else None."""
    pipeline = (cfg.get('test_dataloader') or {}).get('dataset', {}).get('pipeline')
    return pipeline if pipeline is not None else cfg.get('test_pipeline')


def _resize_steps(pipeline: Sequence[dict]) -> List[int]:
    return [idx for idx, step in enumerate(pipeline)
            if isinstance(step, dict) and step.get('type') in RESIZE_TYPES and 'scale' in step]


def input_size_of(cfg: Config) -> Tuple[int, int]:
    """(height, width) in pixels of the images the model sees at test time.

    Args:
        cfg (Config): A model config with a test pipeline (see :func:`test_pipeline_of`).

    Returns:
        tuple[int, int]: The ``scale`` of the last ``Resize`` step, as (height, width).

    Raises:
        ValueError: The config has no test pipeline, its last ``Resize`` keeps the aspect ratio
            (the size then depends on the image), or no step resizes to a fixed size.
    """
    pipeline = test_pipeline_of(cfg)
    where = f'{cfg.filename or "the config"}: test_dataloader.dataset.pipeline'
    if pipeline is None:
        raise ValueError(f'{where} (or test_pipeline) not found: the input size is unknown')
    return pipeline_input_size(pipeline, where)


def pipeline_input_size(pipeline: Sequence[dict], where: str = 'the test pipeline'
                        ) -> Tuple[int, int]:
    """(height, width) of the last fixed-size ``Resize`` step of a pipeline.

    Args:
        pipeline (Sequence[dict]): Transform configs.
        where (str): How to name the pipeline in errors.

    Returns:
        tuple[int, int]: (height, width) in pixels.

    Raises:
        ValueError: No ``Resize`` with a ``scale``, or the last one keeps the aspect ratio.
    """
    steps = _resize_steps(pipeline)
    if not steps:
        raise ValueError(f'{where} has no Resize step with a `scale`: the input size is unknown')
    step = pipeline[steps[-1]]
    if step.get('keep_ratio', False):
        raise ValueError(f'{where}: its Resize keeps the aspect ratio, so the input size depends '
                         f'on the image; expected keep_ratio=False and scale=(w, h)')
    width, height = step['scale']
    return int(height), int(width)


def pipeline_with_input_size(pipeline: Sequence[dict], size: Tuple[int, int]) -> List[dict]:
    """A copy of a test pipeline whose last ``Resize`` gives (height, width) = ``size``.

    Raises:
        ValueError: The pipeline has no ``Resize`` step with a ``scale``.
    """
    pipeline = copy.deepcopy(list(pipeline))
    steps = _resize_steps(pipeline)
    if not steps:
        raise ValueError('the test pipeline has no Resize step with a `scale` to change')
    pipeline[steps[-1]]['scale'] = (int(size[1]), int(size[0]))
    return pipeline
