"""Run ``benchmarks/bench_train_overhead.py`` on CUDA (step 4 of ``tools/gpu_check.sh``).

The benchmark builds its models and inputs with torch's defaults and times with
``time.perf_counter``. Here, before its ``main`` runs:

- ``torch.set_default_device('cuda')``: the bare loops' backbones, classifiers and random inputs
  are created on the GPU; the ReMix models are moved there after they are built (``.cuda()``: their
  memories and labels are buffers), and their data preprocessor moves each batch there, as in
  training;
- its clock synchronises CUDA first, so every time it reads (the iteration and each ReMix stage)
  covers the GPU work launched before it, not only the launches;
- ``resnet50`` (last stride 1, 2048-d, ``remix_r50.py``'s encoder) joins its backbones.

All arguments are the benchmark's, e.g.
``python tools/gpu_check/bench_train_overhead_cuda.py --backbones resnet50 --height 256 --width 128``.
Float32 throughout (the benchmark has no AMP).

Source: design choice of mmremix (benchmark tooling).
"""
import os.path as osp
import sys
import time
import types

import torch

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                            'benchmarks'))
import bench_train_overhead as bench  # noqa: E402


def synchronised_clock() -> float:
    """``time.perf_counter`` after the GPU finished the work queued so far."""
    torch.cuda.synchronize()
    return time.perf_counter()


def build_remix_on_cuda(*args, **kwargs):
    """``bench.build_remix``, the model then moved to the GPU."""
    model, optim_wrapper = _build_remix(*args, **kwargs)
    return model.cuda(), optim_wrapper


_build_remix = bench.build_remix


def main() -> None:
    if not torch.cuda.is_available():
        sys.exit('bench_train_overhead_cuda: no CUDA device (torch.cuda.is_available() is False)')
    torch.set_default_device('cuda')
    bench.time = types.SimpleNamespace(perf_counter=synchronised_clock)
    bench.build_remix = build_remix_on_cuda
    bench.BACKBONES['resnet50'] = (dict(type='ResNet', depth=50, strides=(1, 2, 2, 1),
                                        out_indices=(3, )), 2048)
    print(f'# on {torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA '
          f'{torch.version.cuda}, float32 (TF32 matmul: '
          f'{torch.backends.cuda.matmul.allow_tf32})')
    bench.main()


if __name__ == '__main__':
    main()
