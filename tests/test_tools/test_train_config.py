"""tools/train.py's config handling (issue 13): the schedule follows max_epochs, resume and work dirs."""
import importlib.util
import math
import os.path as osp
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS

from mmremix.datasets.worker_init import WORKER_INIT_NAME

REPO = Path(__file__).resolve().parents[2]
QUICK_START = 'configs/remix/remix_r18-narrow_1xb64-6e_synthetic_64x32.py'
R50 = 'configs/remix/remix_r50.py'


def load_train_tool():
    spec = importlib.util.spec_from_file_location('train_tool', REPO / 'tools' / 'train.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train_tool = load_train_tool()


def config(config_file, *argv):
    """The config of ``tools/train.py config_file *argv``, as the tool builds it."""
    args = train_tool.parse_args([str(REPO / config_file), *argv])
    return train_tool.merge_args(Config.fromfile(str(REPO / config_file)), args)


def learning_rates(cfg, epoch_length=4):
    """The learning rate of every iteration of ``cfg``'s schedule (built as MMEngine does), and the
    rate after the last one."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=cfg.optim_wrapper.optimizer.lr)
    schedulers = []
    for sched in cfg.param_scheduler:
        sched = dict(sched)
        cls = PARAM_SCHEDULERS.get(sched.pop('type'))
        sched.pop('convert_to_iter_based')
        schedulers.append(cls.build_iter_from_epoch(optimizer, epoch_length=epoch_length,
                                                    **sched))
    rates = []
    for _ in range(cfg.train_cfg.max_epochs * epoch_length):
        rates.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return rates + [optimizer.param_groups[0]['lr']]


def test_schedule_follows_max_epochs_override(tmp_path):
    full = config(QUICK_START, '--work-dir', str(tmp_path / 'a'))
    short = config(QUICK_START, '--work-dir', str(tmp_path / 'b'), '--cfg-options',
                   'train_cfg.max_epochs=2')
    assert [s['end'] for s in full.param_scheduler] == [1, 6]
    assert [s['end'] for s in short.param_scheduler] == [1, 2]
    full_rates, short_rates = learning_rates(full), learning_rates(short)
    assert len(short_rates) == 2 * 4 + 1
    # the same warm-up, then a cosine over the second epoch (4 iterations; MMEngine's last step
    # is 3/4 of the way to eta_min = 1e-6), instead of the first 4 of the config's 20
    assert short_rates[:5] == pytest.approx(full_rates[:5])
    lr, eta_min = 1e-3, 1e-6
    assert short_rates[-1] == pytest.approx(eta_min + (lr - eta_min) *
                                            (1 + math.cos(3 * math.pi / 4)) / 2)
    assert full_rates[8] > 0.9 * full.optim_wrapper.optimizer.lr  # where the short run ends


def test_schedule_set_by_the_user_is_kept(tmp_path):
    cfg = config(QUICK_START, '--work-dir', str(tmp_path), '--cfg-options',
                 'train_cfg.max_epochs=8', 'param_scheduler.1.end=5')
    assert [s['end'] for s in cfg.param_scheduler] == [1, 5]


def test_max_epochs_inside_the_warm_up_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r'param_scheduler\[0\] \(LinearLR\) runs from epoch 0 '
                       r'to 10.*param_scheduler\.0\.end='):
        config(R50, '--work-dir', str(tmp_path), '--cfg-options', 'train_cfg.max_epochs=2')


def test_resume_without_a_checkpoint_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing to resume in'):
        config(QUICK_START, '--work-dir', str(tmp_path / 'empty'), '--resume')
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='nothing to resume in'):
        config(QUICK_START, '--work-dir', str(tmp_path / 'empty'), '--resume')
    with pytest.raises(FileNotFoundError, match='no such checkpoint file'):
        config(QUICK_START, '--work-dir', str(tmp_path), '--resume', str(tmp_path / 'x.pth'))


def test_resume_finds_the_last_checkpoint(tmp_path):
    (tmp_path / 'epoch_2.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    cfg = config(QUICK_START, '--work-dir', str(tmp_path), '--resume')
    assert cfg.resume is True and cfg.load_from == str(tmp_path / 'epoch_2.pth')


def test_new_run_never_repoints_another_runs_last_checkpoint(tmp_path):
    (tmp_path / 'epoch_6.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_6.pth'))
    with pytest.raises(FileExistsError, match='already holds the checkpoints of a run of another'):
        config(QUICK_START, '--work-dir', str(tmp_path))
    with pytest.raises(FileExistsError):
        config(R50, '--work-dir', str(tmp_path), '--launcher', 'pytorch')
    # a re-run of the config whose dump the work dir holds is the usual re-run: allowed, warned
    (tmp_path / osp.basename(QUICK_START)).write_text('')
    cfg = config(QUICK_START, '--work-dir', str(tmp_path))
    assert not cfg.get('resume') and cfg.work_dir == str(tmp_path)
    with pytest.raises(FileExistsError):
        config(R50, '--work-dir', str(tmp_path))


def test_default_work_dir_is_per_config_and_launcher_independent(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no work_dirs/ of earlier runs here
    single = config(QUICK_START)
    dist = config(QUICK_START, '--launcher', 'pytorch')
    other = config(R50, '--launcher', 'pytorch')
    assert single.work_dir == dist.work_dir == 'work_dirs/remix_r18-narrow_1xb64-6e_synthetic_64x32'
    assert other.work_dir == 'work_dirs/remix_r50'


def test_every_dataloader_gets_the_exit_with_parent_worker_init(tmp_path):
    cfg = config(QUICK_START, '--work-dir', str(tmp_path))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].worker_init_fn == dict(type=WORKER_INIT_NAME, seed=0,
                                               diff_rank_seed=False,
                                               disable_subprocess_warning=False)


def test_a_run_as_short_as_the_warm_up_drops_the_cosine(tmp_path):
    cfg = config(QUICK_START, '--work-dir', str(tmp_path), '--cfg-options',
                 'train_cfg.max_epochs=1')
    assert [(s['type'], s['end']) for s in cfg.param_scheduler] == [('LinearLR', 1)]
