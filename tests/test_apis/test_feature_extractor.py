import subprocess
import sys
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmremix.apis import FeatureExtractor, collect_image_paths, init_model

REPO_ROOT = Path(__file__).resolve().parents[2]
IMG_H, IMG_W = 32, 16  # model input size (the test pipeline's Resize)


def tiny_config() -> Config:
    """A tiny untrained ReIDBaseline (D = 64) with a 32 x 16 test pipeline."""
    return Config(dict(
        model=dict(
            type='ReIDBaseline',
            backbone=dict(type='ResNet', depth=18, base_channels=8, stem_channels=8,
                          out_indices=(3, )),
            neck=dict(type='GeneralizedMeanPooling'),
            in_channels=64,
            num_classes=4),
        test_dataloader=dict(dataset=dict(pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(IMG_W, IMG_H), keep_ratio=False),
            dict(type='PackReIDInputs'),
        ]))))


@pytest.fixture(scope='module')
def extractor():
    torch.manual_seed(0)
    return FeatureExtractor(tiny_config(), batch_size=2)


@pytest.fixture
def images(tmp_path):
    """Four 40 x 20 random JPEGs (named so that sorting gives a, b, c, d) and their paths."""
    rng = np.random.default_rng(0)
    paths = []
    for name, ext in zip('abcd', ('.jpg', '.png', '.jpeg', '.jpg')):
        path = tmp_path / 'imgs' / f'{name}{ext}'
        path.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(path), rng.integers(0, 256, (40, 20, 3), dtype=np.uint8))
        paths.append(str(path))
    (tmp_path / 'imgs' / 'notes.txt').write_text('not an image')
    return paths


def test_paths_give_unit_features_in_input_order(extractor, images):
    feats = extractor(images[:3])
    assert feats.shape == (3, 64) and feats.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(feats, axis=1), np.ones(3), atol=1e-5)
    np.testing.assert_allclose(extractor([images[1], images[0]]), feats[[1, 0]], atol=1e-6)
    # random images give different features
    assert np.abs(feats[0] - feats[1]).max() > 1e-3
    # batching does not change the result: 3 images in batches of 2 vs one batch
    one_batch = FeatureExtractor(extractor.model, batch_size=64)
    np.testing.assert_allclose(one_batch(images[:3]), feats, atol=1e-5)


def test_folder_input_lists_sorted_images(extractor, images):
    folder = str(Path(images[0]).parent)
    assert collect_image_paths(folder) == images  # notes.txt is skipped
    np.testing.assert_allclose(extractor(folder), extractor(images), atol=1e-6)


def test_arrays_and_tensors_match_paths(extractor, images):
    arrays = [cv2.imread(path) for path in images[:2]]
    by_path = extractor(images[:2])
    np.testing.assert_allclose(extractor(arrays[0]), by_path[:1], atol=1e-6)
    np.testing.assert_allclose(extractor(arrays), by_path, atol=1e-6)
    np.testing.assert_allclose(extractor([arrays[0], images[1]]), by_path, atol=1e-6)
    # a tensor is taken as resized BGR images: what LoadImageFromFile + Resize give
    resized = [cv2.resize(a, (IMG_W, IMG_H), interpolation=cv2.INTER_LINEAR) for a in arrays]
    batch = torch.from_numpy(np.stack(resized).transpose(0, 3, 1, 2).copy())
    assert batch.shape == (2, 3, IMG_H, IMG_W)
    np.testing.assert_allclose(extractor(batch), by_path, atol=1e-5)
    np.testing.assert_allclose(extractor(batch[1].float()), by_path[1:], atol=1e-5)


def test_input_errors(extractor, images, tmp_path):
    missing = str(tmp_path / 'missing.jpg')
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        extractor([images[0], missing])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='holds no image'):
        extractor(str(tmp_path / 'empty'))
    with pytest.raises(ValueError, match='empty list'):
        extractor([])
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8.*\(40, 20\)'):
        extractor(np.zeros((40, 20), np.uint8))
    with pytest.raises(ValueError, match=r'input 1: .*dtype float32'):
        extractor([np.zeros((40, 20, 3), np.uint8), np.zeros((40, 20, 3), np.float32)])
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\), got \(2, 4, 32, 16\)'):
        extractor(torch.zeros(2, 4, IMG_H, IMG_W))
    with pytest.raises(TypeError, match='got int'):
        extractor([3])
    with pytest.raises(ValueError, match='test pipeline'):
        FeatureExtractor(init_model(tiny_config()).encoder)
    with pytest.raises(ValueError, match='batch_size must be >= 1'):
        FeatureExtractor(extractor.model, batch_size=0)


def test_init_model_loads_checkpoint_and_options(tmp_path, images):
    torch.manual_seed(1)
    trained = init_model(tiny_config())
    assert not trained.training and trained.cfg.model.type == 'ReIDBaseline'
    config_file, ckpt = tmp_path / 'tiny.py', tmp_path / 'tiny.pth'
    tiny_config().dump(str(config_file))
    torch.save({'state_dict': trained.state_dict(), 'meta': {}}, ckpt)

    torch.manual_seed(2)
    loaded = init_model(config_file, str(ckpt), cfg_options={'model.test_cfg': dict(flip=True)})
    assert loaded.test_cfg['flip'] is True and not loaded.training
    for key, value in trained.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    # the same weights without flip averaging give the same features as the source model
    from_files = FeatureExtractor(str(config_file), str(ckpt))
    np.testing.assert_allclose(from_files(images), FeatureExtractor(trained)(images), atol=1e-6)
    with pytest.raises(TypeError, match='config must be'):
        init_model(dict(model=dict()))


def test_progress_bar_only_for_many_batches(extractor, images, capsys):
    FeatureExtractor(extractor.model, batch_size=1)(images[:3])  # 3 batches: no bar
    assert 'extracting features' not in capsys.readouterr().err
    FeatureExtractor(extractor.model, batch_size=1)(images)  # 4 batches
    assert '4/4' in capsys.readouterr().err


def test_extract_features_cli_matches_api(tmp_path, images):
    torch.manual_seed(3)
    model = init_model(tiny_config())
    config_file, ckpt = tmp_path / 'tiny.py', tmp_path / 'tiny.pth'
    tiny_config().dump(str(config_file))
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    folder, out_dir = str(Path(images[0]).parent), tmp_path / 'out'
    proc = subprocess.run(
        [sys.executable, 'tools/extract_features.py', str(config_file), str(ckpt), folder,
         '--out-dir', str(out_dir), '--batch-size', '3'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    feats = np.load(out_dir / 'features.npy')
    assert feats.shape == (4, 64) and feats.dtype == np.float32
    np.testing.assert_allclose(feats, FeatureExtractor(model)(images), atol=1e-6)
    assert (out_dir / 'index.txt').read_text().splitlines() == ['a.jpg', 'b.png', 'c.jpeg', 'd.jpg']


@pytest.mark.parametrize('content, problem', [
    (b'', 'empty file'),
    (b'\xff\xd8\xff\xe0 this is no jpeg', 'cannot be decoded as an image'),
])
def test_unreadable_image_names_the_file(extractor, images, tmp_path, content, problem):
    from mmremix.datasets import UnreadableImageError
    bad = tmp_path / 'imgs' / 'bad.jpg'
    bad.write_bytes(content)
    with pytest.raises(UnreadableImageError, match=f'Cannot read the image {bad}: {problem}'):
        extractor([images[0], str(bad)])


def test_sub_folders_are_named_or_searched(images, tmp_path):
    sub = tmp_path / 'imgs' / 'more'
    sub.mkdir()
    cv2.imwrite(str(sub / 'e.jpg'), np.zeros((40, 20, 3), np.uint8))
    with pytest.warns(UserWarning, match=r"4 image\(s\) taken; its 1 sub-folder\(s\) \(more\) "
                      r'are not searched'):
        assert collect_image_paths(str(tmp_path / 'imgs')) == sorted(images)
    assert collect_image_paths(str(tmp_path / 'imgs'), recursive=True) == \
        sorted(images) + [str(sub / 'e.jpg')]
    with pytest.raises(ValueError, match=r'holds no image.*sub-folder\(s\) \(imgs\) are not '
                       r'searched without --recursive'):
        collect_image_paths(str(tmp_path))


def test_tiny_and_odd_shaped_images_warn(extractor, tmp_path):
    # the input is 32 x 16 (h x w): 10 x 6 is upscaled > 2x, 32 x 32 has aspect 1 instead of 2
    arrays = [np.zeros((10, 6, 3), np.uint8), np.zeros((32, 32, 3), np.uint8),
              np.zeros((30, 15, 3), np.uint8)]
    with pytest.warns(UserWarning, match=r'2 image\(s\) much smaller than the 32 x 16 .*an array '
                      r'of 10 x 6 \(10 x 6\), an array of 32 x 32 \(32 x 32\)$'):
        extractor(arrays)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        extractor(arrays[2:])
