"""The work dir of a training run: its default, and the checks that keep runs apart.

Source: design choice of mmremix.
"""
import logging
import os.path as osp
from typing import Optional

from mmengine.logging import print_log
from mmengine.runner import find_latest_checkpoint


def default_work_dir(config_file: str) -> str:
    """``work_dirs/<config file name without .py>``, whatever the launcher or the overrides.

    Args:
        config_file (str): The config path given to the tool.

    Returns:
        str: The relative work dir.
    """
    return osp.join('work_dirs', osp.splitext(osp.basename(config_file))[0])


def resolve_work_dir(cfg, config_file: str, work_dir: Optional[str]) -> str:
    """Set ``cfg.work_dir``: the ``--work-dir`` argument, else the config's, else the default.

    Args:
        cfg (Config): The tool's config, changed in place.
        config_file (str): The config path given to the tool.
        work_dir (str, optional): The ``--work-dir`` argument.

    Returns:
        str: The work dir set.
    """
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = default_work_dir(config_file)
    return cfg.work_dir


def check_work_dir(work_dir: str, resume: Optional[str],
                   config_file: Optional[str] = None) -> Optional[str]:
    """Refuse a resume with nothing to resume, and a new run over another config's checkpoints.

    A new run of the same config in its own work dir (the work dir holds MMEngine's dump of a config
    of that file name) is the usual re-run: it is allowed, with a warning that its checkpoints and
    ``last_checkpoint`` replace the earlier run's.

    Args:
        work_dir (str): The run's work dir.
        resume (str, optional): ``'auto'`` (``--resume`` without a path), a checkpoint path, or None
            for a new run.
        config_file (str, optional): The config path given to the tool; None treats every earlier
            run as another config's.

    Returns:
        str | None: The checkpoint the run resumes from (None for a new run).

    Raises:
        FileNotFoundError: ``--resume`` without a path and the work dir holds no
            ``last_checkpoint`` (or the file it names is gone), or ``--resume CKPT`` and CKPT is
            not a file.
        FileExistsError: A new run (no ``--resume``) and the work dir already holds the
            ``last_checkpoint`` of a run of another config, which the new run would re-point.
    """
    last = find_latest_checkpoint(work_dir) if osp.isdir(work_dir) else None
    if resume is None:
        if last is None:
            return None
        if config_file is not None and osp.isfile(osp.join(work_dir, osp.basename(config_file))):
            print_log(f'A new run of {osp.basename(config_file)} in {work_dir}: its checkpoints '
                      f'and last_checkpoint replace the earlier run\'s ({last}); --resume '
                      'continues that run instead.', logger='current', level=logging.WARNING)
            return None
        raise FileExistsError(
            f'The work dir {work_dir} already holds the checkpoints of a run of another config '
            f'(last_checkpoint: {last}); a new run would overwrite them and re-point '
            'last_checkpoint. Continue that run with --resume, or start a new one with '
            '--work-dir NEW_DIR (or remove the folder).')
    if resume == 'auto':
        if last is None or not osp.isfile(last):
            what = ('names the missing file ' + last) if last else 'is missing'
            raise FileNotFoundError(
                f'--resume: nothing to resume in {work_dir} (its last_checkpoint file {what}). '
                'Give the checkpoint (--resume path/to/epoch_N.pth) or the run\'s work dir '
                '(--work-dir), or drop --resume to start a new run.')
        return last
    if not osp.isfile(resume):
        raise FileNotFoundError(f'--resume {resume}: no such checkpoint file')
    return resume
