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


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'pytorch2onnx', REPO / 'tools' / 'deployment' / 'pytorch2onnx.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_default_size_is_the_test_pipelines_and_real_images_match(tmp_path, monkeypatch, capsys):
    # A 32 x 16 model: the export must take its size from the test pipeline (not 256 x 128), and
    # its embeddings of real images must be the PyTorch FeatureExtractor's.
    from helpers import make_tiny_data
    from mmremix.apis import FeatureExtractor
    data = make_tiny_data(tmp_path / 'syn')
    pipeline = [dict(type='LoadImageFromFile'),
                dict(type='Resize', scale=(16, 32), keep_ratio=False),
                dict(type='PackReIDInputs')]
    cfg_file, ckpt = write_checkpoint(tmp_path)
    Config(dict(model=TINY_MODEL, test_dataloader=dict(dataset=dict(pipeline=pipeline)))).dump(
        str(cfg_file))
    out = tmp_path / 'new' / 'folder' / 'reid.onnx'  # the folders are created
    monkeypatch.setattr(sys, 'argv', ['pytorch2onnx.py', str(cfg_file), str(ckpt), '--out',
                                      str(out), '--images', str(data / 'query')])
    load_tool().main()
    printed = capsys.readouterr().out
    assert 'input (B, 3, 32, 16)' in printed
    match = re.search(r'(\S+) on (\d+) real images \(lowest cosine similarity (\S+);', printed)
    assert match, printed
    assert float(match.group(1)) < 1e-4 and float(match.group(3)) > 0.9999
    assert [d.dim_value for d in onnx.load(str(out)).graph.input[0].type.tensor_type.shape.dim] \
        == [1, 3, 32, 16]

    extractor = FeatureExtractor(init_model(str(cfg_file), str(ckpt)))
    images = sorted(str(p) for p in (data / 'query').iterdir())[:3]
    session = ort.InferenceSession(str(out), providers=['CPUExecutionProvider'])
    inputs = extractor.preprocess(images).numpy()
    actual = np.concatenate([session.run(None, {'inputs': x[None]})[0] for x in inputs])
    np.testing.assert_allclose(actual, extractor(images), atol=1e-4, rtol=0)


def test_other_shape_warns_and_no_size_is_an_error(tmp_path, monkeypatch):
    tool = load_tool()
    cfg_file, ckpt = write_checkpoint(tmp_path)  # a config without a test pipeline
    monkeypatch.setattr(sys, 'argv', ['pytorch2onnx.py', str(cfg_file), str(ckpt), '--out',
                                      str(tmp_path / 'm.onnx')])
    with pytest.raises(ValueError, match='give the input size with --shape H W'):
        tool.main()
    model = init_model(str(cfg_file))
    model.cfg.test_pipeline = [dict(type='Resize', scale=(16, 32), keep_ratio=False)]
    with pytest.warns(UserWarning, match=r'--shape 64 32 differs from the test input size of '
                      r'the config \(32 x 16\)'):
        assert tool.export_size(model, [64, 32]) == (64, 32)
    assert tool.export_size(model, None) == (32, 16)
