"""tools/deployment/pytorch2onnx.py as a user runs it: export, parity check, dynamic batch."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import onnxruntime as ort
import torch
from mmengine.config import Config

from mmremix.apis import init_model

REPO = Path(__file__).resolve().parents[2]

TINY_MODEL = dict(
    type='ReIDBaseline',
    backbone=dict(type='ResNet', depth=18, base_channels=8, stem_channels=8,
                  strides=(1, 2, 2, 1), out_indices=(3, )),
    neck=dict(type='GeneralizedMeanPooling'),
    in_channels=64,
    num_classes=4)


def write_checkpoint(tmp_path):
    """The tiny config and an untrained checkpoint with non-trivial BNNeck statistics."""
    cfg_file, ckpt = tmp_path / 'tiny_baseline.py', tmp_path / 'tiny.pth'
    Config(dict(model=TINY_MODEL)).dump(str(cfg_file))
    model = init_model(str(cfg_file))
    # non-trivial BNNeck statistics, so that the exported graph must carry them
    model.encoder.bnneck.bn.running_mean.uniform_(-0.5, 0.5)
    model.encoder.bnneck.bn.running_var.uniform_(0.5, 2.0)
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    return cfg_file, ckpt


def test_export_dynamic_batch_matches_extract_feat(tmp_path):
    cfg_file, ckpt = write_checkpoint(tmp_path)
    out = tmp_path / 'reid.onnx'
    proc = subprocess.run(
        [sys.executable, 'tools/deployment/pytorch2onnx.py', str(cfg_file), str(ckpt), '--out',
         str(out), '--shape', '64', '32', '--dynamic-batch'],
        cwd=REPO, env=dict(os.environ, OMP_NUM_THREADS='1'), capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert out.is_file()
    onnx.checker.check_model(str(out))
    match = re.search(r'max abs difference onnxruntime vs PyTorch: (\S+) on a random batch of 3',
                      proc.stdout)
    assert match, proc.stdout
    assert float(match.group(1)) < 1e-4

    model = init_model(str(cfg_file), str(ckpt))
    inputs = torch.randn(3, 3, 64, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model.extract_feat(inputs).numpy()
    session = ort.InferenceSession(str(out), providers=['CPUExecutionProvider'])
    (actual, ) = session.run(None, {'inputs': inputs.numpy()})
    assert actual.shape == (3, 64) and actual.dtype == np.float32
    np.testing.assert_allclose(actual, expected, atol=1e-4, rtol=0)
    np.testing.assert_allclose(np.linalg.norm(actual, axis=1), 1.0, atol=1e-5)


def test_static_batch_and_failed_check(tmp_path, monkeypatch, capsys):
    # In-process (the subprocess path is covered above): a static batch of 2 (no
    # --dynamic-batch), and a tolerance no export can meet, so the check fails.
    cfg_file, ckpt = write_checkpoint(tmp_path)
    out = tmp_path / 'static.onnx'
    spec = importlib.util.spec_from_file_location(
        'pytorch2onnx', REPO / 'tools' / 'deployment' / 'pytorch2onnx.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(sys, 'argv', [
        'pytorch2onnx.py', str(cfg_file), str(ckpt), '--out', str(out), '--shape', '32', '16',
        '--batch-size', '2', '--opset', '13', '--tolerance', '-1'])
    with pytest.raises(SystemExit, match='above --tolerance'):
        tool.main()
    assert 'on a random batch of 2' in capsys.readouterr().out
    model = onnx.load(str(out))
    assert model.opset_import[0].version == 13
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [2, 3, 32, 16]
