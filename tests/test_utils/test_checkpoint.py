import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

from mmremix.utils import load_local_checkpoint


def test_local_loader_reads_mmengine_objects(tmp_path):
    path = tmp_path / 'ckpt.pth'
    buffer = HistoryBuffer()
    buffer.update(3.0)
    torch.save(dict(meta=dict(seed=np.int64(3)), message_hub=dict(loss=buffer),
                    state_dict=dict(w=torch.ones(2))), path)
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path)  # the torch >= 2.6 default this loader exists for
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['message_hub']['loss'].current() == 3.0
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))


def test_missing_checkpoint_names_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local_checkpoint(str(tmp_path / 'nope.pth'))
