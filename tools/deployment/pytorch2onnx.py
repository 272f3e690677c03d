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

After the export, onnxruntime runs the file on a random batch (seed 0) and the largest absolute
difference to the unchanged PyTorch model's ``extract_feat`` is printed; the tool exits with
status 1 above ``--tolerance``.

Examples:
    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out reid.onnx
    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out reid.onnx --shape 128 64 \
        --opset 17 --dynamic-batch
"""
import argparse
import copy
import os.path as osp
import sys
import warnings

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import DictAction
from mmpretrain.models.necks import GeneralizedMeanPooling

from mmremix.apis import init_model


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
    parser.add_argument('--shape', type=int, nargs=2, default=[256, 128], metavar=('H', 'W'),
                        help='input height and width in pixels (default: 256 128)')
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


def main() -> None:
    args = parse_args()
    if args.batch_size < 1 or min(args.shape) < 1:
        sys.exit(f'pytorch2onnx: --batch-size and --shape must be positive, got '
                 f'{args.batch_size} and {args.shape}')
    model = init_model(args.config, args.checkpoint, device='cpu', cfg_options=args.cfg_options)
    reference = RetrievalEmbedding(model).eval()
    wrapper = RetrievalEmbedding(exportable_copy(model)).eval()
    height, width = args.shape
    generator = torch.Generator().manual_seed(0)
    dummy = torch.randn(args.batch_size, 3, height, width, generator=generator)
    dynamic_axes = dict(inputs={0: 'batch'}, embeddings={0: 'batch'}) if args.dynamic_batch \
        else None
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript exporter: the dynamo one needs onnxscript, which is not a dependency;
        # its deprecation notice would only repeat this.
        warnings.filterwarnings('ignore', category=DeprecationWarning)
        torch.onnx.export(
            wrapper, (dummy, ), args.out, input_names=['inputs'], output_names=['embeddings'],
            opset_version=args.opset, dynamic_axes=dynamic_axes, dynamo=False)
    print(f'exported {osp.abspath(args.out)} (opset {args.opset}, input (B, 3, {height}, '
          f'{width}), batch {"dynamic" if args.dynamic_batch else args.batch_size})')

    check_batch = args.batch_size + 2 if args.dynamic_batch else args.batch_size
    inputs = torch.randn(check_batch, 3, height, width, generator=generator)
    with torch.no_grad():
        expected = reference(inputs).numpy()
    session = ort.InferenceSession(args.out, providers=['CPUExecutionProvider'])
    (actual, ) = session.run(['embeddings'], {'inputs': inputs.numpy()})
    max_diff = float(np.abs(actual - expected).max())
    print(f'max abs difference onnxruntime vs PyTorch: {max_diff:.3e} on a random batch of '
          f'{check_batch} (tolerance {args.tolerance:.0e})')
    if not max_diff <= args.tolerance:
        sys.exit(f'pytorch2onnx: the ONNX model differs from PyTorch by {max_diff:.3e}, above '
                 f'--tolerance {args.tolerance:.0e}')


if __name__ == '__main__':
    main()
