import numpy as np
import pytest
import torch
import torch.nn as nn

from mmremix.models.reid.reid_encoder import ReIDEncoder
from mmremix.visualization.activation_map import grad_cam, overlay_heatmap


def tiny_encoder() -> ReIDEncoder:
    torch.manual_seed(0)
    return ReIDEncoder(
        backbone=dict(type='ResNet', depth=18, base_channels=8, stem_channels=8,
                      strides=(1, 2, 2, 1), out_indices=(3, )),
        neck=dict(type='GeneralizedMeanPooling'),
        bnneck=dict(type='BNNeck', in_channels=64))


class BoxBackbone(nn.Module):
    """Feature map channel c = the 3x3 box sum of input channel c (c = 0, 1), zero padded."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 3, padding=1, bias=False)
        with torch.no_grad():
            self.conv.weight.zero_()
            self.conv.weight[0, 0] = 1.0
            self.conv.weight[1, 1] = 1.0

    def forward(self, x):
        return (self.conv(x), )


class ChannelZeroEncoder(nn.Module):
    """Mean pooling; the embedding is 2 x the pooled channel 0 only (channel 1 is ignored)."""

    def __init__(self):
        super().__init__()
        self.backbone = BoxBackbone()

    def forward(self, x):
        pooled = self.backbone(x)[-1].mean(dim=(2, 3))
        return pooled, 2 * pooled[:, :1]


def test_grad_cam_follows_the_gradient_weighted_channel():
    # patch A (channel 0, used by the embedding) at rows/cols 2..4; patch B (channel 1, brighter
    # but unused) at rows 8..10, cols 6..8
    inputs = torch.zeros(1, 3, 12, 10)
    inputs[0, 0, 2:5, 2:5] = 1.0
    inputs[0, 1, 8:11, 6:9] = 5.0
    cam = grad_cam(ChannelZeroEncoder(), inputs, target='embedding')[0]
    assert cam.shape == (12, 10) and cam.dtype == torch.float32
    # weights: w0 = 2 / (12 * 10) > 0, w1 = 0, so cam = box3(patch A) / 9
    assert divmod(int(cam.argmax()), 10) == (3, 3)
    assert cam[3, 3] == pytest.approx(1.0)
    assert cam[2, 2] == pytest.approx(4 / 9)  # patch corner: 2 x 2 of its 3 x 3 window
    assert cam[1, 1] == pytest.approx(1 / 9)  # diagonal neighbour of the corner
    assert cam[1, 3] == pytest.approx(3 / 9)
    assert cam[0, 0] == 0 and cam[7:12, 5:10].abs().max() == 0  # nothing at patch B


def test_pooled_target_weighs_every_channel_it_pools():
    # the pooled feature holds both channels (mean over 12 x 10): patch B (5 x brighter) peaks
    inputs = torch.zeros(1, 3, 12, 10)
    inputs[0, 0, 2:5, 2:5] = 1.0
    inputs[0, 1, 8:11, 6:9] = 5.0
    cam = grad_cam(ChannelZeroEncoder(), inputs)[0]
    assert divmod(int(cam.argmax()), 10) == (9, 7)
    assert cam[3, 3] == pytest.approx(1 / 25)  # w ~ pooled value: 9/120 vs 45/120, box sums 9, 45
    with pytest.raises(ValueError, match="target must be one of \\['embedding', 'pooled'\\]"):
        grad_cam(ChannelZeroEncoder(), inputs, target='norm')


def test_embedding_target_is_zeroed_by_a_centring_bnneck():
    # Issue 13: a BNNeck whose running mean lies above the pooled features (as after training)
    # gives every channel a negative Grad-CAM weight on the embedding: all-zero maps. The pooled
    # target is not affected.
    encoder = tiny_encoder().eval()
    inputs = torch.randn(4, 3, 64, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        pooled = encoder(inputs)[0]
        encoder.bnneck.bn.running_mean.copy_(pooled.max(dim=0).values + 1.0)
    assert grad_cam(encoder, inputs, target='embedding').abs().max() == 0
    cams = grad_cam(encoder, inputs)
    assert (cams.flatten(1).amax(dim=1) == 1).all()


def test_grad_cam_on_tiny_resnet_shapes_range_and_batch_independence():
    encoder = tiny_encoder()
    inputs = torch.randn(3, 3, 64, 32)
    cams = grad_cam(encoder, inputs)
    assert cams.shape == (3, 64, 32) and cams.dtype == torch.float32
    assert cams.min() >= 0 and cams.max() <= 1
    peaks = cams.flatten(1).amax(dim=1)
    assert torch.all((peaks == 1) | (peaks == 0)) and peaks.max() == 1
    # eval mode: an image's map does not depend on the rest of the batch
    assert torch.allclose(grad_cam(encoder, inputs[1:2])[0], cams[1], atol=1e-5)


def test_grad_cam_leaves_the_encoder_as_it_was():
    encoder = tiny_encoder().train()
    inputs = torch.randn(2, 3, 64, 32)
    encoder(inputs)[1].sum().backward()
    grads = {name: p.grad.clone() for name, p in encoder.named_parameters() if p.grad is not None}
    assert grads  # the backward above filled them
    running_mean = encoder.backbone.bn1.running_mean.clone()
    num_hooks = len(encoder.backbone._forward_hooks)

    grad_cam(encoder, inputs)

    assert encoder.training and encoder.backbone.training
    assert len(encoder.backbone._forward_hooks) == num_hooks
    assert torch.equal(encoder.backbone.bn1.running_mean, running_mean)  # ran in eval mode
    for name, param in encoder.named_parameters():
        assert torch.equal(param.grad, grads[name]) if name in grads else param.grad is None


def test_grad_cam_of_a_frozen_encoder_matches_the_trainable_one():
    inputs = torch.randn(2, 3, 64, 32)
    expected = grad_cam(tiny_encoder(), inputs)
    frozen = tiny_encoder().requires_grad_(False)  # as ReMix's momentum encoder
    assert torch.allclose(grad_cam(frozen, inputs), expected, atol=1e-6)


def test_grad_cam_errors():
    with pytest.raises(ValueError, match='B, 3, H, W'):
        grad_cam(tiny_encoder(), torch.randn(3, 64, 32))
    with pytest.raises(AttributeError, match='backbone'):
        grad_cam(nn.Linear(2, 2), torch.randn(1, 3, 8, 8))


def test_overlay_heatmap_blends_the_colour_map():
    image = np.full((20, 10, 3), 200, dtype=np.uint8)
    cam = np.zeros((5, 4), dtype=np.float32)
    cam[0, 0] = 1.0
    out = overlay_heatmap(image, cam)
    assert out.shape == (20, 10, 3) and out.dtype == np.uint8
    # jet(0) is BGR (128, 0, 0): half of it plus half of 200, far from the hot corner
    assert out[19, 9].tolist() == [164, 100, 100]
    assert np.array_equal(overlay_heatmap(image, cam, alpha=0.0), image)
    # a map of ones is jet(255) = BGR (0, 0, 128) everywhere
    full = overlay_heatmap(image, torch.ones(20, 10), alpha=1.0)
    assert np.array_equal(full, np.broadcast_to(np.array([0, 0, 128], np.uint8), (20, 10, 3)))


def test_overlay_heatmap_errors():
    with pytest.raises(ValueError, match='uint8'):
        overlay_heatmap(np.zeros((4, 4), np.uint8), np.zeros((4, 4)))
    with pytest.raises(ValueError, match='2-d'):
        overlay_heatmap(np.zeros((4, 4, 3), np.uint8), np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match='alpha'):
        overlay_heatmap(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4)), alpha=1.5)
