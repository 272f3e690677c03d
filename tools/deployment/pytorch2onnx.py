"""Export the retrieval encoder of a Re-ID checkpoint to ONNX and check it against PyTorch.

The exported graph maps a normalised float image batch, exactly what the model's data
preprocessor outputs ((B, 3, H, W) float32, RGB when the config says ``to_rgb=True``, minus the
mean and divided by the std of the preprocessor, ImageNet statistics by default), to the
L2-normalised retrieval embedding ((B, D) float32) that ``model.extract_feat`` returns (with the
flip averaging of ``model.test_cfg.flip`` when it is set). Decoding, resizing and normalisation of
the images stay outside the graph: do them as the test pipeline and the preprocessor do.

mmpretrain's ``GeneralizedMeanPooling`` sizes its average pool with ``x.size()``, which the
TorchScript exporter cannot turn into a static kernel; a copy of the model is exported in which
each GeM neck is replaced by :class:`ExportableGeM` (same parameter p, global average pool), the
checkpoint's model itself is left as it is.

The input size is by default the one of the config's test pipeline (its ``Resize``), the size
the model was trained and tested at; ``--shape H W`` exports at another one, with a warning.

After the export, onnxruntime runs the file on a random batch (seed 0) and, with ``--images``, on
real images preprocessed as the test pipeline does at the exported size; the largest absolute
difference to the unchanged PyTorch model's ``extract_feat`` (and, for the images, the lowest
cosine similarity of the two embeddings) is printed; the tool exits with status 1 above
``--tolerance``. The file is written atomically, its folder created if needed.

Examples:
    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out reid.onnx \
        --images data/synthetic_reid/query
    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out reid.onnx --shape 128 64 \
        --opset 17 --dynamic-batch
"""
import argparse
import copy
import os.path as osp
import sys
import warnings
from typing import Optional, Tuple

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import DictAction
from mmpretrain.models.necks import GeneralizedMeanPooling

from mmremix.apis import FeatureExtractor, init_model
from mmremix.apis.input_size import input_size_of, pipeline_with_input_size, test_pipeline_of
from mmremix.utils.atomic_file import atomic_output
from mmremix.utils.cli import run_tool


class RetrievalEmbedding(nn.Module):
    """The exported function: ``model.extract_feat`` on a normalised image batch.

    Source: design choice of mmremix (the retrieval network ``model.test_encoder`` and its
    L2 normalisation, as used by ``model.predict``).

    Args:
        model (nn.Module): A :class:`mmremix.models.BaseReID`, in eval mode.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) float32 normalised images -> (B, D) float32 L2-normalised embeddings."""
        return self.model.extract_feat(inputs)


class ExportableGeM(nn.Module):
    """GeM pooling ``mean_hw(max(x, eps) ^ p) ^ (1 / p)`` written with a global average pool.

    Computes what mmpretrain's ``GeneralizedMeanPooling`` computes (same p, shared, eps and
    clamp) with ``adaptive_avg_pool2d(., 1)``, which exports to ONNX ``GlobalAveragePool`` for
    any input size. Source: design choice of mmremix (export only).

    Args:
        gem (GeneralizedMeanPooling): The neck to replace.
    """

    def __init__(self, gem: GeneralizedMeanPooling) -> None:
        super().__init__()
        self.p, self.eps, self.clamp = gem.p, gem.eps, gem.clamp

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        if self.clamp:
            x = x.clamp(min=self.eps)
        return F.adaptive_avg_pool2d(x.pow(self.p), 1).pow(1. / self.p).flatten(1)

    def forward(self, inputs):
        """(B, C, H, W) float -> (B, C), or a tuple of such tensors -> a tuple."""
        if isinstance(inputs, tuple):
            return tuple(self._pool(x) for x in inputs)
        return self._pool(inputs)


def exportable_copy(model: nn.Module) -> nn.Module:
    """A deep copy of ``model`` with every GeM neck replaced by :class:`ExportableGeM`."""
    model = copy.deepcopy(model)
    gems = [(name, module) for name, module in model.named_modules()
            if isinstance(module, GeneralizedMeanPooling)]
    for name, gem in gems:
        parent_name, _, child = name.rpartition('.')
        setattr(model.get_submodule(parent_name), child, ExportableGeM(gem))
    return model


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a Re-ID retrieval encoder to ONNX (mmremix)')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument('--shape', type=int, nargs=2, default=None, metavar=('H', 'W'),
                        help="input height and width in pixels (default: the config's test "
                        'pipeline Resize, the size the model was trained and tested at)')
    parser.add_argument('--images', nargs='+', metavar='IMG',
                        help='image files or folders: also check parity on these real images, '
                        'preprocessed as the test pipeline does at the exported size')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset version (default: 17)')
    parser.add_argument('--batch-size', type=int, default=1,
                        help='batch size of the export (the fixed batch size without '
                        '--dynamic-batch; default: 1)')
    parser.add_argument('--dynamic-batch', action='store_true',
                        help='make the batch dimension dynamic; the check then runs with '
                        'batch size + 2')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest accepted absolute difference between onnxruntime and '
                        'PyTorch (default: 1e-4)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. model.test_cfg.flip=True')
    return parser.parse_args()


def export_size(model: nn.Module, shape: Optional[list]) -> Tuple[int, int]:
    """(H, W) of the export: ``--shape``, else the config's test input size.

    Raises:
        ValueError: No ``--shape`` and the config has no test pipeline with a fixed Resize.
    """
    try:
        config_size = input_size_of(model.cfg)
    except ValueError as exc:
        if shape is None:
            raise ValueError(f'{exc}; give the input size with --shape H W') from exc
        return tuple(shape)
    if shape is not None and tuple(shape) != config_size:
        warnings.warn(f'--shape {shape[0]} {shape[1]} differs from the test input size of the '
                      f'config ({config_size[0]} x {config_size[1]}): the exported model will '
                      'see images at a size it was not trained at, and its features differ from '
                      "the PyTorch model's at the config's size")
        return tuple(shape)
    return config_size


def run_onnx(session: ort.InferenceSession, inputs: np.ndarray, batch: Optional[int]) -> np.ndarray:
    """Embeddings of ``inputs`` (N, 3, H, W); a fixed ``batch`` is filled by repeating the first."""
    if batch is None:
        return session.run(['embeddings'], {'inputs': inputs})[0]
    outputs = []
    for start in range(0, len(inputs), batch):
        chunk = inputs[start:start + batch]
        padded = np.concatenate([chunk, np.repeat(chunk[:1], batch - len(chunk), axis=0)])
        outputs.append(session.run(['embeddings'], {'inputs': padded})[0][:len(chunk)])
    return np.concatenate(outputs)


def main() -> None:
    args = parse_args()
    if args.batch_size < 1 or (args.shape is not None and min(args.shape) < 1):
        sys.exit(f'pytorch2onnx: --batch-size and --shape must be positive, got '
                 f'{args.batch_size} and {args.shape}')
    model = init_model(args.config, args.checkpoint, device='cpu', cfg_options=args.cfg_options)
    height, width = export_size(model, args.shape)
    real_inputs = None
    if args.images:
        pipeline = test_pipeline_of(model.cfg)
        if pipeline is None:
            raise ValueError(f'--images: {args.config} has no test pipeline to preprocess them')
        extractor = FeatureExtractor(
            model, pipeline=pipeline_with_input_size(pipeline, (height, width)))
        real_inputs = extractor.preprocess(args.images)
    reference = RetrievalEmbedding(model).eval()
    wrapper = RetrievalEmbedding(exportable_copy(model)).eval()
    generator = torch.Generator().manual_seed(0)
    dummy = torch.randn(args.batch_size, 3, height, width, generator=generator)
    dynamic_axes = dict(inputs={0: 'batch'}, embeddings={0: 'batch'}) if args.dynamic_batch \
        else None
    with atomic_output(args.out) as tmp_file:
        with torch.no_grad(), warnings.catch_warnings():
            # The TorchScript exporter: the dynamo one needs onnxscript, which is not a
            # dependency; its deprecation notice would only repeat this.
            warnings.filterwarnings('ignore', category=DeprecationWarning)
            torch.onnx.export(
                wrapper, (dummy, ), tmp_file, input_names=['inputs'],
                output_names=['embeddings'], opset_version=args.opset, dynamic_axes=dynamic_axes,
                dynamo=False)
    print(f'exported {osp.abspath(args.out)} (opset {args.opset}, input (B, 3, {height}, '
          f'{width}), batch {"dynamic" if args.dynamic_batch else args.batch_size})')

    session = ort.InferenceSession(args.out, providers=['CPUExecutionProvider'])
    fixed_batch = None if args.dynamic_batch else args.batch_size
    check_batch = args.batch_size + 2 if args.dynamic_batch else args.batch_size
    checks = [(f'a random batch of {check_batch}',
               torch.randn(check_batch, 3, height, width, generator=generator))]
    if real_inputs is not None:
        checks.append((f'{len(real_inputs)} real images', real_inputs))
    worst = 0.0
    for name, inputs in checks:
        with torch.no_grad():
            expected = reference(inputs).numpy()
        actual = run_onnx(session, inputs.numpy(), fixed_batch)
        max_diff = float(np.abs(actual - expected).max())
        cosine = float((actual * expected).sum(axis=1).min())
        worst = max(worst, max_diff)
        print(f'max abs difference onnxruntime vs PyTorch: {max_diff:.3e} on {name} '
              f'(lowest cosine similarity {cosine:.6f}; tolerance {args.tolerance:.0e})')
    if not worst <= args.tolerance:
        sys.exit(f'pytorch2onnx: the ONNX model differs from PyTorch by {worst:.3e}, above '
                 f'--tolerance {args.tolerance:.0e}')


if __name__ == '__main__':
    run_tool(main, 'pytorch2onnx.py')
