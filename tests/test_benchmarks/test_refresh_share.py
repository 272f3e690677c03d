"""Tests of benchmarks/refresh_share.py: the log parser on a hand-written log."""
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / 'benchmarks' / 'refresh_share.py'
_SPEC = importlib.util.spec_from_file_location('refresh_share', SCRIPT)
refresh_share = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(refresh_share)

# Epoch 1: complete (checkpoint line); epoch 2: refresh, then 20 of 40 iterations so far.
# The first refresh line follows a progress bar on the same line, as in captured stdout.
LOG = (
    'refresh: single-camera features: 100%|##| 3602/3602 [01:40<00:00]11/21 14:00:00 - mmengine - '
    'INFO - ReMix refresh (epoch 1): videos_sampled=76, clusters=85, '
    'seconds_extract_multi_camera=100.000, seconds_extract_single_camera=30.000, '
    'seconds_cluster=10.000, seconds_knn=1.000, seconds_distance=2.000, seconds_dbscan=3.000, '
    'nmi=0.795\n'
    '11/21 14:00:30 - mmengine - INFO - Epoch(train) [1][20/40]  base_lr: 1.0e-04 lr: 1.0e-04  '
    'eta: 0:10:00  time: 1.0000  data_time: 0.5000  loss: 20.0\n'
    '11/21 14:01:00 - mmengine - INFO - Epoch(train) [1][40/40]  base_lr: 1.0e-04 lr: 1.0e-04  '
    'eta: 0:09:00  time: 2.0000  data_time: 0.0500  loss: 19.0\n'
    '11/21 14:01:10 - mmengine - INFO - Saving checkpoint at 1 epochs\n'
    '2026/11/21 14:03:30 - mmengine - INFO - ReMix refresh (epoch 2): clusters=80, '
    'seconds_extract_multi_camera=50.000, seconds_extract_single_camera=20.000, '
    'seconds_cluster=10.000\n'
    '2026/11/21 14:04:00 - mmengine - INFO - Epoch(train)  [2][ 20/40]  time: 4.0000  '
    'data_time: 0.1000\n')


def test_parse_log_per_epoch_values():
    first, second = refresh_share.parse_log(LOG.splitlines())
    assert first.epoch == 1 and second.epoch == 2
    assert first.refresh_seconds == dict(extract_multi_camera=100.0, extract_single_camera=30.0,
                                         cluster=10.0, knn=1.0, distance=2.0, dbscan=3.0)
    # knn / distance / dbscan are parts of cluster: 100 + 30 + 10
    assert first.refresh_total == pytest.approx(140.0)
    assert first.complete and first.iters_per_epoch == 40 and first.iter_times == [1.0, 2.0]
    assert first.train_seconds == pytest.approx(40 * 1.5)  # 60 s
    assert first.share == pytest.approx(140 / 200)
    assert first.wall_seconds == pytest.approx(70.0)  # 14:00:00 -> checkpoint at 14:01:10
    assert not second.complete and (second.last_iter, second.iters_per_epoch) == (20, 40)
    assert second.refresh_total == pytest.approx(80.0)
    assert second.train_seconds == pytest.approx(40 * 4.0)  # projected to the 40 iterations
    assert second.share == pytest.approx(80 / 240)
    assert second.wall_seconds == pytest.approx(30.0)


def test_format_table_rows_and_total():
    table = refresh_share.format_table(refresh_share.parse_log(LOG.splitlines())).splitlines()
    assert len(table) == 5  # header, separator, 2 epochs, total
    assert table[2] == '| 1 | 100.0 | 30.0 | 10.0 | 140.0 | 40 | 1.500 | 60.0 | 70 | 70.0% |'
    assert table[3] == ('| 2 | 50.0 | 20.0 | 10.0 | 80.0 | 40 (partial: 20 logged) | 4.000 | '
                        '160.0 | 30 | 33.3% |')
    # 220 s of refresh against 60 + 160 s of training
    assert table[4] == '| all with training | | | | 220.0 | | | 220.0 | | 50.0% |'


def test_epoch_without_training_has_no_share():
    (record, ) = refresh_share.parse_log(LOG.splitlines()[:1])
    assert record.share is None and record.train_seconds == 0.0 and not record.complete
    table = refresh_share.format_table([record]).splitlines()
    assert table[2] == '| 1 | 100.0 | 30.0 | 10.0 | 140.0 | 0 | - | 0.0 | - | - |'
    assert table[3] == '| all with training | | | | 0.0 | | | 0.0 | | - |'


def test_main_rejects_a_log_without_records(tmp_path):
    log = tmp_path / 'empty.log'
    log.write_text('11/21 14:00:00 - mmengine - INFO - Checkpoints will be saved to x.\n')
    with pytest.raises(ValueError, match='no "ReMix refresh'):
        refresh_share.main([str(log)])
