"""The epoch-start refresh's share of a ReMix epoch, read from a training log.

Reads the log of ``tools/train.py`` (the runner's log file or its captured stdout) and prints, per
epoch, a Markdown table row with:

- the refresh seconds of each step, from the line ``ReMix refresh (epoch N): ...
  seconds_extract_multi_camera=..., seconds_extract_single_camera=..., seconds_cluster=...`` that
  :class:`~mmremix.engine.hooks.ReMixRefreshHook` logs (``seconds_knn``, ``seconds_distance``
  and ``seconds_dbscan`` are parts of ``seconds_cluster`` and are not added again);
- the training seconds, ``iterations x mean iteration time``: the mean of the ``time:`` values of
  MMEngine's ``Epoch(train) [N][i/I]`` lines (each the mean of the ``log_processor`` window, 10
  iterations by default, so the mean samples the epoch) times the epoch's ``I`` iterations; for an
  epoch still running (no later epoch and no ``Saving checkpoint at N epochs`` line yet) the mean
  so far is projected to the ``I`` iterations and the row says ``partial``;
- the wall seconds from the refresh line to the epoch's last line (checkpoint line, else last
  training line), from the log's timestamps (1 s resolution), as a cross-check;
- the refresh's share: ``refresh / (refresh + training)`` (``-`` before the first training line).

Usage::

    python benchmarks/refresh_share.py work_dirs/real_remix.log

Source: design choice of mmremix (benchmark tooling).
"""
import argparse
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, Iterable, List, Optional

REFRESH_STEPS = ('extract_multi_camera', 'extract_single_camera', 'cluster')
_STAMP = r'(?P<stamp>(?:\d{4}/)?\d{2}/\d{2} \d{2}:\d{2}:\d{2})'
_REFRESH = re.compile(_STAMP + r'.*?ReMix refresh \(epoch (?P<epoch>\d+)\): (?P<stats>.*)$')
_TRAIN = re.compile(_STAMP + r'.*?Epoch\(train\)\s*\[(?P<epoch>\d+)\]\[\s*(?P<iter>\d+)/'
                    r'(?P<total>\d+)\].*?\btime: (?P<time>[0-9.]+)')
_SAVE = re.compile(_STAMP + r'.*?Saving checkpoint at (?P<epoch>\d+) epochs')
_SECONDS = re.compile(r'seconds_(\w+)=([0-9.]+)')


@dataclass
class EpochRecord:
    """What a log says about one training epoch.

    Attributes:
        epoch (int): 1-based epoch number, as logged.
        refresh_seconds (dict[str, float]): Seconds of every ``seconds_*`` key of the refresh line
            (empty if the log has no refresh line for this epoch).
        iter_times (list[float]): The ``time:`` values (seconds per iteration) of its training
            lines.
        last_iter (int): Last logged iteration (1-based), 0 if none.
        iters_per_epoch (int): Iterations of a full epoch (``I`` of ``[i/I]``), 0 if no line.
        complete (bool): A later epoch or the epoch's checkpoint line was seen.
        refresh_stamp (datetime, optional): Timestamp of the refresh line.
        last_stamp (datetime, optional): Timestamp of the epoch's last training or checkpoint line.
    """

    epoch: int
    refresh_seconds: Dict[str, float] = field(default_factory=dict)
    iter_times: List[float] = field(default_factory=list)
    last_iter: int = 0
    iters_per_epoch: int = 0
    complete: bool = False
    refresh_stamp: Optional[datetime] = None
    last_stamp: Optional[datetime] = None

    @property
    def refresh_total(self) -> float:
        """Seconds of the refresh: the sum of the logged steps of :data:`REFRESH_STEPS`."""
        return sum(self.refresh_seconds.get(step, 0.0) for step in REFRESH_STEPS)

    @property
    def mean_iter_time(self) -> Optional[float]:
        """Mean logged seconds per iteration, None without training lines."""
        return sum(self.iter_times) / len(self.iter_times) if self.iter_times else None

    @property
    def train_seconds(self) -> float:
        """``iters_per_epoch x mean_iter_time`` in seconds (projected while the epoch runs; 0.0
        without training lines)."""
        return self.iters_per_epoch * (self.mean_iter_time or 0.0)

    @property
    def share(self) -> Optional[float]:
        """The refresh's share of the epoch, ``refresh / (refresh + training)`` in [0, 1]; None
        without training lines."""
        if not self.iter_times:
            return None
        return self.refresh_total / (self.refresh_total + self.train_seconds)

    @property
    def wall_seconds(self) -> Optional[float]:
        """Seconds from the refresh line to the epoch's last line, from the timestamps, if both."""
        if self.refresh_stamp is None or self.last_stamp is None:
            return None
        return (self.last_stamp - self.refresh_stamp).total_seconds()


def _stamp(text: str) -> datetime:
    """A log timestamp, ``YYYY/MM/DD HH:MM:SS`` (log file) or ``MM/DD HH:MM:SS`` (stdout)."""
    if text.count('/') == 1:  # no year on stdout: a leap year keeps 02/29 valid
        text = '2000/' + text
    return datetime.strptime(text, '%Y/%m/%d %H:%M:%S')


def parse_log(lines: Iterable[str]) -> List[EpochRecord]:
    """Collect the refresh and training lines of a ReMix training log, per epoch.

    Lines that match neither (progress bars, warnings, validation) are skipped; a tqdm bar written
    on the same line before a log record does not hide it.

    Args:
        lines (Iterable[str]): The log's lines.

    Returns:
        list[EpochRecord]: One record per epoch that has a refresh or training line, by epoch.
    """
    records: Dict[int, EpochRecord] = {}

    def record(epoch: int) -> EpochRecord:
        for earlier in records.values():  # a later epoch started: the earlier ones are over
            earlier.complete = earlier.complete or earlier.epoch < epoch
        return records.setdefault(epoch, EpochRecord(epoch))

    for line in lines:
        match = _TRAIN.search(line)
        if match:
            rec = record(int(match['epoch']))
            rec.iter_times.append(float(match['time']))
            rec.last_iter = max(rec.last_iter, int(match['iter']))
            rec.iters_per_epoch = int(match['total'])
            rec.last_stamp = _stamp(match['stamp'])
            continue
        match = _REFRESH.search(line)
        if match:
            rec = record(int(match['epoch']))
            rec.refresh_seconds = {k: float(v) for k, v in _SECONDS.findall(match['stats'])}
            rec.refresh_stamp = _stamp(match['stamp'])
            continue
        match = _SAVE.search(line)
        if match and int(match['epoch']) in records:
            rec = records[int(match['epoch'])]
            rec.complete, rec.last_stamp = True, _stamp(match['stamp'])
    return [records[epoch] for epoch in sorted(records)]


def format_table(records: List[EpochRecord]) -> str:
    """The Markdown table of :func:`parse_log`'s records, one row per epoch and a total row.

    Args:
        records (list[EpochRecord]): Epoch records.

    Returns:
        str: Header, separator and rows; seconds with 1 decimal, the share in percent (``-``
        without training lines).
    """

    def percent(share: Optional[float]) -> str:
        return '-' if share is None else f'{100 * share:.1f}%'

    header = ('| epoch | extract multi-camera s | extract single-camera s | cluster s | '
              'refresh s | iterations | mean s/iter | training s | wall s (timestamps) | '
              'refresh share |')
    rows = [header, '|' + '---|' * (header.count('|') - 1)]
    for rec in records:
        steps = ' | '.join(f'{rec.refresh_seconds[s]:.1f}' if s in rec.refresh_seconds else '-'
                           for s in REFRESH_STEPS)
        iters = str(rec.iters_per_epoch) if rec.iter_times else '0'
        if rec.iter_times and not rec.complete:
            iters += f' (partial: {rec.last_iter} logged)'
        mean = '-' if rec.mean_iter_time is None else f'{rec.mean_iter_time:.3f}'
        wall = '-' if rec.wall_seconds is None else f'{rec.wall_seconds:.0f}'
        rows.append(f'| {rec.epoch} | {steps} | {rec.refresh_total:.1f} | {iters} | {mean} | '
                    f'{rec.train_seconds:.1f} | {wall} | {percent(rec.share)} |')
    trained = [rec for rec in records if rec.iter_times]
    refresh = sum(rec.refresh_total for rec in trained)
    train = sum(rec.train_seconds for rec in trained)
    share = refresh / (refresh + train) if trained else None
    rows.append(f'| all with training | | | | {refresh:.1f} | | | {train:.1f} | | '
                f'{percent(share)} |')
    return '\n'.join(rows)


def main(argv: Optional[List[str]] = None) -> None:
    """Parse the log named on the command line and print the table.

    Args:
        argv (list[str], optional): Command-line arguments; defaults to ``sys.argv[1:]``.

    Raises:
        FileNotFoundError: If the log does not exist.
        ValueError: If the log has no refresh or training line.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('log', help='training log (runner log file or captured stdout)')
    args = parser.parse_args(argv)
    with open(args.log, encoding='utf-8', errors='replace') as log:
        records = parse_log(log)
    if not records:
        raise ValueError(f'{args.log} has no "ReMix refresh (epoch N)" or "Epoch(train) [N][i/I]" '
                         'line: is it a ReMix training log?')
    print(f'# refresh_share: {args.log}')
    print(format_table(records))


if __name__ == '__main__':
    main()
