"""The optimiser's per-parameter log lines are replaced by one summary line (issue 13, item 12)."""
import logging

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper

from mmremix.utils.log_noise import OptimizerLogSummary


class Records(logging.Handler):

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_optimizer_lines_become_one_summary():
    logger = MMLogger.get_instance('test_log_noise', log_level='INFO')
    records = Records()
    logger.addHandler(records)
    OptimizerLogSummary(logger)
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.Linear(2, 2))
    for param in model[2].parameters():
        param.requires_grad_(False)  # as a momentum encoder's
    build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.1, weight_decay=1e-4),
                                    paramwise_cfg=dict(norm_decay_mult=0.0)))
    logger.info('next line')
    assert not any('is skipped since' in m or m.startswith('paramwise_options') for m in
                   records.messages)
    summary = ('optimizer: 2 parameters with requires_grad=False are not optimised (2: 2); '
               'paramwise_cfg set weight_decay=0.0 on 2 parameters')
    assert records.messages.count(summary) == 1
    assert records.messages.index(summary) < records.messages.index('next line')
