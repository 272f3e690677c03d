"""Train a Re-ID model from an MMEngine config.

Examples:
    python tools/train.py configs/remix/remix_r18-narrow_1xb64-6e_synthetic_64x32.py
    python tools/train.py CONFIG --resume              # resume from the work dir's last checkpoint
    python tools/train.py CONFIG --cfg-options train_cfg.max_epochs=2   # the schedule follows
    bash tools/dist_train.sh CONFIG 4 --auto-scale-lr  # 4 processes (GPUs, or gloo on the CPU)
"""
import argparse
import os
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmremix.datasets.worker_init import add_exit_with_parent
from mmremix.registry import RUNNERS
from mmremix.utils import close_distributed, register_all_modules, setup_cpu_distributed
from mmremix.utils.cli import run_tool
from mmremix.utils.denormal import set_flush_denormal
from mmremix.utils.dist import use_gloo_without_cuda
from mmremix.utils.log_noise import OptimizerLogSummary, quiet_known_warnings
from mmremix.utils.schedule import fit_schedule_to_max_epochs
from mmremix.utils.work_dir import check_work_dir, resolve_work_dir


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a Re-ID model (mmremix)')
    parser.add_argument('config', help='training config file')
    parser.add_argument('--work-dir', help='folder for logs and checkpoints '
                        '(default: work_dirs/<config name>, whatever the launcher)')
    parser.add_argument('--resume', nargs='?', const='auto', default=None,
                        help='resume from CHECKPOINT, or from the last checkpoint of the work dir '
                        'when no path is given (an error when there is none)')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by (processes x batch size) / '
                        'auto_scale_lr.base_batch_size of the config (linear scaling rule)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip evaluation during training')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_cfg.max_epochs=2 (the '
                        'learning-rate schedule follows) model.backbone.widen_factor=0.5')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config and check the run they describe.

    Raises:
        ValueError: ``train_cfg.max_epochs`` was changed to a length the config's schedule cannot
            follow (see :func:`mmremix.utils.schedule.fit_schedule_to_max_epochs`), or
            ``--auto-scale-lr`` with a config without ``auto_scale_lr.base_batch_size``.
        FileNotFoundError: ``--resume`` and nothing to resume from.
        FileExistsError: A new run in a work dir that holds another config's checkpoints.
    """
    config_max_epochs = (cfg.get('train_cfg') or {}).get('max_epochs')
    cfg.launcher = args.launcher
    resolve_work_dir(cfg, args.config, args.work_dir)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    for change in fit_schedule_to_max_epochs(cfg, config_max_epochs):
        print_log(f'train_cfg.max_epochs={cfg.train_cfg.max_epochs}: {change}', logger='current')
    if args.auto_scale_lr:
        if 'base_batch_size' not in (cfg.get('auto_scale_lr') or {}):
            raise ValueError(f'--auto-scale-lr: {args.config} has no auto_scale_lr.base_batch_size '
                             '(the total batch size its learning rate is set for)')
        cfg.auto_scale_lr.enable = True
    resume_from = check_work_dir(cfg.work_dir, args.resume, args.config)
    if resume_from is not None:
        cfg.resume, cfg.load_from = True, resume_from
    use_gloo_without_cuda(cfg)
    add_exit_with_parent(cfg)
    return cfg


def main() -> None:
    args = parse_args()
    register_all_modules()
    quiet_known_warnings()
    cfg = merge_args(Config.fromfile(args.config), args)
    setup_cpu_distributed(cfg, args.launcher)
    set_flush_denormal(cfg)  # env_cfg.flush_denormal, before the model is built
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    OptimizerLogSummary(runner.logger)
    runner.train()
    close_distributed()


if __name__ == '__main__':
    run_tool(main, 'train.py')
