"""Fewer log lines a user learns to ignore: MMEngine's per-parameter optimiser lines and mmcv's
warning about its pillow colour backend.

MMEngine's optimiser constructor logs one WARNING per frozen parameter (``... is skipped since its
requires_grad=False``: ReMix's momentum encoder is frozen on purpose, 64 lines for the quick start)
and one INFO line per parameter group setting (``paramwise_options -- ...``: the weight decay of
0 for norm and bias parameters, 41 lines). :class:`OptimizerLogSummary` drops them and logs one
line with their counts instead. Source: design choice of mmremix.
"""
import logging
import re
import warnings

#: mmcv's ``adjust_color`` (ColorJitter's saturation) warns at every worker start that its pillow
#: backend uses only ``alpha``; mmpretrain calls it with ``beta = 1 - alpha``, which is what the
#: pillow backend computes, so the warning says nothing about our runs.
MMCV_PILLOW_ALPHA = "Only use 'alpha' for pillow backend."

_FROZEN = re.compile(r'^(?P<name>\S+) is skipped since its requires_grad=False$')
_PARAMWISE = re.compile(r'^paramwise_options -- (?P<name>[^:]+):(?P<key>\w+)=(?P<value>.*)$')


class OptimizerLogSummary(logging.Filter):
    """A logger filter that replaces MMEngine's per-parameter optimiser lines by one summary line.

    The summary (INFO) is logged before the first other record that follows the dropped lines,
    e.g. ``optimizer: 64 parameters with requires_grad=False are not optimised (encoder: 1,
    momentum_encoder: 63); paramwise_cfg set weight_decay=0.0 on 41 parameters``.

    Args:
        logger (logging.Logger): The logger to filter (the runner's ``MMLogger``); the filter adds
            itself to it.
    """

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__()
        self.logger = logger
        self.frozen = {}
        self.paramwise = {}
        self.pending = False
        logger.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the lines summarised; logs the summary before the next other line."""
        message = record.getMessage()
        frozen, paramwise = _FROZEN.match(message), _PARAMWISE.match(message)
        if frozen is not None:
            top = frozen['name'].split('.')[0]
            self.frozen[top] = self.frozen.get(top, 0) + 1
            self.pending = True
            return False
        if paramwise is not None:
            key = f'{paramwise["key"]}={paramwise["value"]}'
            self.paramwise[key] = self.paramwise.get(key, 0) + 1
            self.pending = True
            return False
        if self.pending:
            self.pending = False
            self.logger.info(self.summary())
        return True

    def summary(self) -> str:
        """One line: the frozen parameters per top-level module and the paramwise settings."""
        parts = []
        if self.frozen:
            where = ', '.join(f'{name}: {count}' for name, count in sorted(self.frozen.items()))
            parts.append(f'{sum(self.frozen.values())} parameters with requires_grad=False are '
                         f'not optimised ({where})')
        if self.paramwise:
            parts.append('paramwise_cfg set ' + ', '.join(
                f'{key} on {count} parameters' for key, count in sorted(self.paramwise.items())))
        return 'optimizer: ' + '; '.join(parts)


def quiet_known_warnings() -> None:
    """Ignore :data:`MMCV_PILLOW_ALPHA` in this process and the DataLoader workers it forks."""
    warnings.filterwarnings('ignore', message=re.escape(MMCV_PILLOW_ALPHA))
