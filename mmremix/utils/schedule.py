"""Learning-rate (and momentum) schedules that follow ``train_cfg.max_epochs``.

A config's ``param_scheduler`` spells its epochs out (``CosineAnnealingLR(begin=1, end=3)``), so
``--cfg-options train_cfg.max_epochs=2`` alone would leave the cosine decay at 3 epochs and the
learning rate would never reach its end value. :func:`fit_schedule_to_max_epochs` moves the
schedule's end with ``max_epochs`` and refuses a change that cuts into another phase (e.g. a
10-epoch warm-up in a 2-epoch run) with a message saying which entries to set.

Source: design choice of mmremix.
"""
import math
from typing import List

from mmengine.config import Config


def fit_schedule_to_max_epochs(cfg: Config, config_max_epochs: int) -> List[str]:
    """Make the epoch-based schedulers that ended at the config's last epoch end at the new one.

    Every epoch-based entry of ``cfg.param_scheduler`` (``by_epoch`` True, the default) whose
    ``end`` was the config file's ``max_epochs`` is moved to ``cfg.train_cfg.max_epochs`` (and its
    ``T_max``, when it equals ``end - begin``, with it); such an entry that would begin after the
    new last epoch (the cosine after a warm-up, in a run as short as the warm-up) is dropped.
    Entries the user set to end earlier are kept. Iteration-based entries are not changed. (MMEngine's loop evaluates the last epoch
    whatever ``val_interval`` says.)

    Args:
        cfg (Config): The run's config after the command-line overrides; changed in place.
        config_max_epochs (int): ``train_cfg.max_epochs`` of the config file, before overrides.

    Returns:
        list[str]: One line per change, e.g. ``'param_scheduler[1] (CosineAnnealingLR): end 3 -> 2'``.

    Raises:
        ValueError: If an epoch-based scheduler that did not end with the run (a warm-up) ends
            after the new last epoch; the message names the entry and the override to add, e.g.
            ``param_scheduler.0.end=1``.
    """
    max_epochs = (cfg.get('train_cfg') or {}).get('max_epochs')
    if max_epochs is None or config_max_epochs is None or max_epochs == config_max_epochs:
        return []
    schedulers = cfg.get('param_scheduler')
    if not schedulers:
        return []
    single = isinstance(schedulers, dict)
    kept, changes = [], []
    for idx, scheduler in enumerate([schedulers] if single else list(schedulers)):
        if not isinstance(scheduler, dict) or not scheduler.get('by_epoch', True):
            kept.append(scheduler)
            continue
        name = f'param_scheduler[{idx}] ({scheduler.get("type")})'
        begin, end = scheduler.get('begin', 0), scheduler.get('end', math.inf)
        if end == config_max_epochs and begin >= max_epochs:
            changes.append(f'{name} dropped: it begins at epoch {begin}, after the run\'s last')
            continue
        if end == config_max_epochs:
            scheduler['end'] = max_epochs
            if scheduler.get('T_max') == end - begin:
                scheduler['T_max'] = max_epochs - begin
            changes.append(f'{name}: end {end} -> {max_epochs}')
        elif end != math.inf and end > max_epochs:
            raise ValueError(
                f'train_cfg.max_epochs={max_epochs}, but {name} runs from epoch {begin} to {end}: '
                f'the schedule of the config ({config_max_epochs} epochs) does not fit. Set its '
                f'epochs too, e.g. --cfg-options param_scheduler.{idx}.end=... (and the begin of '
                f'the entries after it), or keep max_epochs >= {end}.')
        kept.append(scheduler)
    cfg.param_scheduler = kept[0] if single and kept else kept
    return changes
