"""Flush-to-zero of denormal floats on the CPU, from ``env_cfg.flush_denormal``."""
import warnings

import torch


def set_flush_denormal(cfg) -> bool:
    """Apply the config's ``env_cfg.flush_denormal`` to this process (before the model is built).

    A float32 value below ``torch.finfo(torch.float32).tiny`` (1.18e-38) is denormal; x86 cores
    compute with such values in a slow microcode path. Channels that never activate (a ReLU6 that
    stays at zero) get no loss gradient, and Adam with L2 weight decay takes their weights down to
    denormal magnitudes: in the 6-epoch MobileNetV2 runs about 4,400 encoder weights after epoch 5
    against about 160 after epoch 4; with those weights the encoder's step took 2.0 times as long
    and a training iteration of epoch 6 1.7 times (``benchmarks/bench_denormals.py``,
    ``docs/benchmarks.md``). Flushing sets the CPU's flush-to-zero and denormals-are-zero flags
    (``torch.set_flush_denormal``): such values count as 0, which changes results only below
    1.18e-38. GPUs are not affected by the flags.

    The flags belong to a thread; with torch 2.14 (OpenMP) setting them in the main thread also
    flushes in the intra-op worker threads, even ones started before (``tests/test_utils/
    test_denormal.py`` checks it over 2 threads). The tools call this before building the model.

    Args:
        cfg (mmengine.Config | dict): Config; reads ``cfg['env_cfg']['flush_denormal']`` (bool,
            absent = leave the process's setting alone).

    Returns:
        bool: Whether denormals are flushed now (False when the option is False or absent, or when
        the CPU lacks the flags; the latter warns).

    Raises:
        TypeError: ``env_cfg.flush_denormal`` is not a bool.

    Source: design choice of mmremix (measured in ``docs/benchmarks.md``).
    """
    env_cfg = cfg.get('env_cfg') or {}
    if 'flush_denormal' not in env_cfg:
        return False
    flush = env_cfg['flush_denormal']
    if not isinstance(flush, bool):
        raise TypeError(f'env_cfg.flush_denormal must be True or False, got {flush!r}')
    supported = torch.set_flush_denormal(flush)
    if flush and not supported:
        warnings.warn('env_cfg.flush_denormal=True: this CPU has no flush-to-zero / '
                      'denormals-are-zero flags (torch.set_flush_denormal returned False); '
                      'denormal floats are computed in full')
    return flush and supported
