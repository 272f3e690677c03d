"""Test a Re-ID checkpoint on the config's test set(s): mAP, CMC rank-1/5/10 and mINP per target.

Examples:
    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --out results.json
    python tools/test.py CONFIG CHECKPOINT --rerank   # k-reciprocal re-ranking (Zhong et al.)
    bash tools/dist_test.sh CONFIG CHECKPOINT 2
"""
import argparse
import json
import os
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmremix.datasets.worker_init import add_exit_with_parent
from mmremix.registry import RUNNERS
from mmremix.utils import close_distributed, register_all_modules, setup_cpu_distributed
from mmremix.utils.atomic_file import atomic_output
from mmremix.utils.cli import run_tool
from mmremix.utils.denormal import set_flush_denormal
from mmremix.utils.dist import use_gloo_without_cuda
from mmremix.utils.log_noise import quiet_known_warnings
from mmremix.utils.work_dir import resolve_work_dir

#: Prefix of the metric keys of a re-ranked test: ``rerank/market1501_split/mAP``.
RERANK_PREFIX = 'rerank'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a Re-ID model (mmremix)')
    parser.add_argument('config', help='test config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='folder for the test log '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--out', help='write the metrics to this JSON file (folders are created)')
    parser.add_argument('--rerank', action='store_true',
                        help='k-reciprocal re-ranking in every ReIDMetric of test_evaluator '
                        '(its rerank_cfg, e.g. --cfg-options test_evaluator.rerank_cfg.k1=10); '
                        f'the metric keys start with "{RERANK_PREFIX}/"')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision inference')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. model.test_cfg.flip=True')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_rerank(cfg: Config) -> int:
    """Set ``rerank=True`` on every ReIDMetric of ``cfg.test_evaluator``.

    ``test_evaluator`` may be one metric config, a list of them, or an evaluator config with a
    ``metrics`` entry (one metric or a list). A metric without a ``prefix`` gets
    :data:`RERANK_PREFIX`, so re-ranked results (log, ``--out`` file) never carry the keys of plain
    ones (``rerank/market1501_split/mAP``). Source: design choice of mmremix.

    Args:
        cfg (Config): The test config, changed in place.

    Returns:
        int: The number of metrics switched to re-ranking.

    Raises:
        ValueError: If ``test_evaluator`` holds no ReIDMetric.
    """
    evaluator = cfg.get('test_evaluator')
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        evaluator = evaluator['metrics']
    metrics = evaluator if isinstance(evaluator, (list, tuple)) else [evaluator]
    reid_metrics = [
        metric for metric in metrics if isinstance(metric, dict)
        and str(getattr(metric.get('type'), '__name__', metric.get('type'))).split('.')[-1] ==
        'ReIDMetric'
    ]
    if not reid_metrics:
        raise ValueError('--rerank: `test_evaluator` of the config has no ReIDMetric, got '
                         f'{evaluator!r}')
    for metric in reid_metrics:
        metric['rerank'] = True
        if not metric.get('prefix'):
            metric['prefix'] = RERANK_PREFIX
    return len(reid_metrics)


def build_config(args: argparse.Namespace) -> Config:
    """The test config: the checkpoint, the command-line options and the worker settings."""
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    resolve_work_dir(cfg, args.config, args.work_dir)
    cfg.load_from = args.checkpoint
    if args.amp:
        cfg.test_cfg = dict(cfg.get('test_cfg') or {}, fp16=True)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.rerank:
        enable_rerank(cfg)
    use_gloo_without_cuda(cfg)
    add_exit_with_parent(cfg)
    return cfg


def main() -> None:
    args = parse_args()
    if '://' not in args.checkpoint and not os.path.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: {args.checkpoint}')
    register_all_modules()
    quiet_known_warnings()
    cfg = build_config(args)
    setup_cpu_distributed(cfg, args.launcher)
    set_flush_denormal(cfg)  # env_cfg.flush_denormal, before the model is built
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    metrics = runner.test()
    if args.out and runner.rank == 0:
        with atomic_output(args.out) as tmp, open(tmp, 'w') as f:
            json.dump(metrics, f, indent=2)
        print(f'metrics written to {os.path.abspath(args.out)}')
    close_distributed()


if __name__ == '__main__':
    run_tool(main, 'test.py')
