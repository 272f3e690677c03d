import datetime

import torch.distributed as torch_dist
from mmengine.config import Config

from helpers import free_port
from mmremix.utils import close_distributed, setup_cpu_distributed
from mmremix.utils import dist as dist_module


def test_cpu_group_takes_the_config_timeout_and_is_closed(monkeypatch):
    monkeypatch.setattr(dist_module.torch.cuda, 'is_available', lambda: False)
    for key, value in dict(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()), RANK='0',
                           WORLD_SIZE='1', LOCAL_RANK='0').items():
        monkeypatch.setenv(key, value)
    calls = []
    init = torch_dist.init_process_group
    monkeypatch.setattr(dist_module.torch_dist, 'init_process_group',
                        lambda **kwargs: calls.append(kwargs) or init(**kwargs))
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(timeout=123))))
    assert not close_distributed()  # nothing to close yet
    assert setup_cpu_distributed(cfg, 'pytorch')
    try:
        assert calls == [dict(backend='gloo', timeout=datetime.timedelta(seconds=123))]
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'
        assert torch_dist.is_initialized()
    finally:
        closed = close_distributed()
    assert closed and not torch_dist.is_initialized()
    assert not setup_cpu_distributed(cfg, 'none')
