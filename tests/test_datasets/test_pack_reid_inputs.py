import numpy as np
import pytest
import torch

from mmremix.datasets.transforms import PackReIDInputs


def test_pack_single_view_ids_and_defaults():
    img = np.arange(4 * 2 * 3, dtype=np.uint8).reshape(4, 2, 3)
    out = PackReIDInputs()(dict(img=img, pid=7, camid=2, dataset_name='market', sample_idx=5,
                                img_path='a.jpg'))
    assert out['inputs'].shape == (3, 4, 2) and out['inputs'].dtype == torch.uint8
    assert torch.equal(out['inputs'][1], torch.from_numpy(img[..., 1]))
    sample = out['data_samples']
    assert (sample.pid, sample.camid, sample.video_id, sample.is_query) == (7, 2, -1, False)
    assert (sample.sample_idx, sample.img_path, sample.dataset_name) == (5, 'a.jpg', 'market')


def test_pack_views_and_video_item():
    views = [np.zeros((4, 2, 3), np.uint8), np.ones((4, 2, 3), np.uint8)]
    out = PackReIDInputs(meta_keys=('video_name', ))(
        dict(img=views, video_id=3, video_name='v03'))
    assert isinstance(out['inputs'], list) and len(out['inputs']) == 2
    assert int(out['inputs'][1].sum()) == 4 * 2 * 3
    assert out['data_samples'].pid == -1 and out['data_samples'].video_id == 3
    assert out['data_samples'].video_name == 'v03'


def test_pack_gray_image_and_missing_img():
    out = PackReIDInputs()(dict(img=np.zeros((4, 2), np.uint8)))
    assert out['inputs'].shape == (1, 4, 2)
    with pytest.raises(KeyError, match='LoadImageFromFile'):
        PackReIDInputs()(dict(pid=1))
