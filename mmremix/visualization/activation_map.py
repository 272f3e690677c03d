"""Activation maps of a Re-ID encoder: Grad-CAM on the backbone's last feature map, and overlays.

Source: ReMix (Mamedov et al., WACV 2025), Fig. 5 (activation maps of the encoder over query
images); the Grad-CAM target is a design choice of mmremix (see :func:`grad_cam`).
"""
import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ['grad_cam', 'overlay_heatmap']


def _last_map(output) -> torch.Tensor:
    """The last feature map of a backbone output (a tensor, or a tuple / list of them)."""
    feat = output[-1] if isinstance(output, (tuple, list)) else output
    if not torch.is_tensor(feat) or feat.dim() != 4:
        raise TypeError('grad_cam needs encoder.backbone to return a (B, C, h, w) tensor or a '
                        f'tuple of them, got {type(feat).__name__} '
                        f'{tuple(feat.shape) if torch.is_tensor(feat) else ""}')
    return feat


#: Grad-CAM targets: the index of the feature in the encoder's ``(pre-BNNeck, post-BNNeck)`` output.
TARGETS = {'pooled': 0, 'embedding': 1}


def grad_cam(encoder: nn.Module, inputs: torch.Tensor, target: str = 'pooled') -> torch.Tensor:
    """Grad-CAM maps (Selvaraju et al., ICCV 2017) of a Re-ID encoder over a batch of images.

    A forward hook on ``encoder.backbone`` replaces the backbone's last feature map A (B, C, h, w)
    with a detached copy that requires grad, so only the gradients with respect to A are computed:
    parameters' ``.grad`` are left untouched and frozen encoders (the momentum encoder) work too.
    The hook is removed before returning and the encoder's train / eval mode is restored; the
    encoder runs in eval mode (BatchNorm with running statistics, so images do not interact).

    Target (design choice of mmremix): a Re-ID embedding has no class score, so the score of image
    b is the projection of a feature f_b onto its own direction,
    ``s_b = f_b . sg(f_b / ||f_b||) = ||f_b||`` (sg: no gradient), with f_b

    - ``'pooled'`` (default): the pooled feature before the BNNeck (GeM / GAP of the last map,
      non-negative), so every channel weight is >= 0 and the map shows where the features that
      make up the embedding come from;
    - ``'embedding'``: the post-BNNeck retrieval embedding. The BNNeck centres it on its running
      mean, so every channel below its mean gets a negative weight; on trained models the weighted
      sum is then mostly negative and ReLU leaves an all-zero map or a small residue that the
      normalisation blows up (measured on the quick-start model after 1 epoch: 96 of 96 query maps
      all zero; the earlier README picture's "hot spot on the right-hand strip" was such a residue).

    The channel weights are the spatial means of ds_b / dA, the map is
    ``ReLU(sum_c w_c A_c)``, bilinearly upsampled to the input size and divided by its maximum
    (an all-zero map stays zero). All images are handled in one forward and one backward pass.

    Args:
        encoder (nn.Module): A module with a ``backbone`` sub-module whose output is a (B, C, h, w)
            tensor or a tuple / list ending with one, and whose forward returns
            ``(pre-BNNeck, post-BNNeck)`` features (B, D), as
            :class:`~mmremix.models.reid.ReIDEncoder` does.
        inputs (torch.Tensor): (B, 3, H, W) float images, normalised as the model's data
            preprocessor does.
        target (str): ``'pooled'`` or ``'embedding'``, see above.

    Returns:
        torch.Tensor: (B, H, W) float32 maps in [0, 1], on the inputs' device; each map's maximum is
        1 unless the map is all zero.

    Raises:
        ValueError: If ``inputs`` is not a 4-d tensor or ``target`` is unknown.
        AttributeError: If ``encoder`` has no ``backbone``.
        TypeError: If the backbone's output does not end with a 4-d tensor.

    Example:
        >>> import torch
        >>> from mmremix.models.reid import ReIDEncoder
        >>> from mmremix.utils import register_all_modules
        >>> register_all_modules()
        >>> encoder = ReIDEncoder(backbone=dict(type='ResNet', depth=18, base_channels=8,
        ...                                     stem_channels=8, out_indices=(3, )))
        >>> grad_cam(encoder, torch.randn(2, 3, 64, 32)).shape
        torch.Size([2, 64, 32])
    """
    if not torch.is_tensor(inputs) or inputs.dim() != 4:
        raise ValueError('grad_cam needs inputs of shape (B, 3, H, W), got '
                         f'{tuple(inputs.shape) if torch.is_tensor(inputs) else type(inputs)}')
    if target not in TARGETS:
        raise ValueError(f'grad_cam target must be one of {sorted(TARGETS)}, got {target!r}')
    backbone = getattr(encoder, 'backbone', None)
    if not isinstance(backbone, nn.Module):
        raise AttributeError(f'grad_cam needs an encoder with a `backbone` module; '
                             f'{type(encoder).__name__} has none')
    captured = {}

    def keep_last_map(module, args, output):
        leaf = _last_map(output).detach().requires_grad_(True)
        captured['map'] = leaf
        if isinstance(output, (tuple, list)):
            return type(output)([*output[:-1], leaf])
        return leaf

    handle = backbone.register_forward_hook(keep_last_map)
    was_training = encoder.training
    encoder.eval()
    try:
        with torch.enable_grad():
            feats = encoder(inputs)[TARGETS[target]].float()
            score = (feats * F.normalize(feats, dim=1).detach()).sum()
            grads, = torch.autograd.grad(score, captured['map'])
    finally:
        handle.remove()
        encoder.train(was_training)
    acts = captured['map'].detach().float()
    weights = grads.float().mean(dim=(2, 3), keepdim=True)
    cams = F.relu((weights * acts).sum(dim=1, keepdim=True))
    cams = F.interpolate(cams, size=inputs.shape[2:], mode='bilinear', align_corners=False)[:, 0]
    peak = cams.flatten(1).amax(dim=1).clamp_min(torch.finfo(torch.float32).tiny)
    return (cams / peak[:, None, None]).clamp_(0, 1)


def overlay_heatmap(image_bgr: np.ndarray,
                    cam: np.ndarray,
                    alpha: float = 0.5,
                    colormap: int = cv2.COLORMAP_JET) -> np.ndarray:
    """Blend a colour-mapped activation map over an image.

    Args:
        image_bgr (np.ndarray): (H, W, 3) uint8 BGR image.
        cam (np.ndarray | torch.Tensor): (h, w) float map in [0, 1] (values outside are clipped);
            resized bilinearly to (H, W) when its size differs.
        alpha (float): Weight of the heat map in the blend, in [0, 1]. Defaults to 0.5 (design
            choice of mmremix).
        colormap (int): OpenCV colour map. Defaults to ``cv2.COLORMAP_JET`` (red = high).

    Returns:
        np.ndarray: (H, W, 3) uint8 BGR image ``(1 - alpha) * image + alpha * colour(cam)``.

    Raises:
        ValueError: If ``image_bgr`` is not (H, W, 3) uint8, ``cam`` is not 2-d or ``alpha`` is
            outside [0, 1].
    """
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
        raise ValueError(f'overlay_heatmap needs an (H, W, 3) uint8 image, got {image_bgr.shape} '
                         f'{image_bgr.dtype}')
    cam = cam.detach().cpu().numpy() if torch.is_tensor(cam) else np.asarray(cam)
    if cam.ndim != 2:
        raise ValueError(f'overlay_heatmap needs a 2-d map, got shape {cam.shape}')
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f'alpha must lie in [0, 1], got {alpha}')
    height, width = image_bgr.shape[:2]
    cam = cv2.resize(cam.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    heat = cv2.applyColorMap(np.round(np.clip(cam, 0, 1) * 255).astype(np.uint8), colormap)
    return cv2.addWeighted(image_bgr, 1.0 - alpha, heat, alpha, 0.0)
