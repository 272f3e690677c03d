"""Tests of the ReMix losses and the baseline triplet loss (mmremix.models.losses).

Expected values are either written out by hand or come from the ``ref_*`` functions below,
which follow the formulas of docs/remix_method.md Sec. 6 literally with per-sample Python loops.
"""
import math

import pytest
import torch
import torch.nn.functional as F

from mmremix.models.losses import (AugmentationLoss, CameraCentroidsLoss, CentroidsLoss,
                                   InstanceLoss, TripletLoss)
from mmremix.registry import MODELS


def ref_triplet(feats, labels, margin):
    """Batch-hard triplet loss, one anchor at a time."""
    terms = []
    for i in range(len(labels)):
        pos = [math.dist(feats[i], feats[j]) for j in range(len(labels))
               if j != i and labels[j] == labels[i]]
        neg = [math.dist(feats[i], feats[j]) for j in range(len(labels)) if labels[j] != labels[i]]
        if pos and neg:
            gap = max(pos) - min(neg)
            terms.append(math.log1p(math.exp(gap)) if margin is None else max(0., gap + margin))
    return sum(terms) / len(terms) if terms else 0.


def ref_instance(feats, labels, t):
    """Instance Loss, one anchor at a time; anchors without a positive are skipped."""
    terms = []
    for i in range(len(labels)):
        sim = [float(feats[i] @ feats[j]) for j in range(len(labels))]
        pos = [sim[j] for j in range(len(labels)) if j != i and labels[j] == labels[i]]
        if not pos:
            continue
        num = math.exp(min(pos) / t)
        neg = sum(math.exp(sim[n] / t) for n in range(len(labels)) if labels[n] != labels[i])
        terms.append(-math.log(num / (num + neg)))
    return sum(terms) / len(terms) if terms else 0.


def ref_augmentation(aug_feats, momentum_feats, labels, t):
    """Augmentation Loss, one image at a time."""
    terms = []
    for i in range(len(labels)):
        sim = [float(aug_feats[i] @ momentum_feats[j]) / t for j in range(len(labels))]
        den = sum(math.exp(sim[j]) for j in range(len(labels)) if j == i or labels[j] != labels[i])
        terms.append(-math.log(math.exp(sim[i]) / den))
    return sum(terms) / len(terms)


def ref_centroids(feats, labels, centroids, t):
    """Centroids Loss, one image at a time; negative labels are skipped."""
    terms = []
    for i in range(len(labels)):
        if labels[i] < 0:
            continue
        sim = [float(feats[i] @ c) / t for c in centroids]
        terms.append(-math.log(math.exp(sim[labels[i]]) / sum(math.exp(s) for s in sim)))
    return sum(terms) / len(terms) if terms else 0.


def ref_camera(feats, labels, cam_centroids, cam_labels, t, h):
    """Camera Centroids Loss, one image and one positive at a time."""
    terms = []
    for i in range(len(labels)):
        sim = [float(feats[i] @ c) / t for c in cam_centroids]
        pos = [sim[m] for m in range(len(cam_labels)) if cam_labels[m] == labels[i]]
        if labels[i] < 0 or not pos:
            continue
        hard = sorted((sim[m] for m in range(len(cam_labels)) if cam_labels[m] != labels[i]),
                      reverse=True)[:h]
        neg = sum(math.exp(s) for s in hard)
        terms.append(sum(-math.log(math.exp(s) / (math.exp(s) + neg)) for s in pos) / len(pos))
    return sum(terms) / len(terms) if terms else 0.


def unit(*angles_deg):
    """Unit vectors in the plane at the given angles (degrees), float32 (N, 2)."""
    rad = torch.tensor(angles_deg, dtype=torch.float64).deg2rad()
    return torch.stack([rad.cos(), rad.sin()], dim=1).float()


def coupled_feats(eps, label_dirs):
    """Features whose gradients reveal which pairs of items a loss couples.

    Item m is ``normalise(label_dirs[m] + eps[m] * e_m)`` where ``e_m`` is a private axis of
    item m and ``label_dirs`` lie in extra axes. Any gradient is a combination of the other
    features, and only feature m has a component along ``e_m``, so ``grad_k . e_m != 0`` exactly
    when the loss couples items k and m.

    Returns:
        tuple: leaf features (N, N + L) with requires_grad, and the private axes (N, N + L).
    """
    num, num_extra = len(eps), label_dirs.shape[1]
    axes = torch.eye(num, num + num_extra)
    base = torch.cat([torch.zeros(num, num), label_dirs], dim=1)
    feats = F.normalize(base + torch.tensor(eps).unsqueeze(1) * axes, dim=1)
    return feats.requires_grad_(), axes


def coupling(loss, feats, axes):
    """(N, N) bool matrix: entry (k, m) is True when the gradient of item k points along e_m."""
    feats.grad = None
    loss.backward()
    return (feats.grad @ axes.t()).abs() > 1e-7


# Labels [0, 0, 0, 1, 1, 1], private offsets growing with the index: within a label, the item
# with the largest offset is the least similar (hardest) positive of the two others.
COUPLING_LABELS = torch.tensor([0, 0, 0, 1, 1, 1])
COUPLING_EPS = [0.1, 0.2, 0.3, 0.15, 0.25, 0.35]
COUPLING_DIRS = torch.tensor([[1., 0.]] * 3 + [[0.3, 1.]] * 3)


@pytest.mark.parametrize('cfg', [
    dict(type='TripletLoss', margin=None, loss_weight=0.5),
    dict(type='InstanceLoss', temperature=0.2, loss_weight=0.5),
    dict(type='AugmentationLoss', temperature=0.2, loss_weight=0.5),
    dict(type='CentroidsLoss', temperature=0.2, loss_weight=0.5),
    dict(type='CameraCentroidsLoss', temperature=0.2, num_hard_negatives=3, loss_weight=0.5),
])
def test_registry_builds_with_args(cfg):
    loss = MODELS.build(cfg)
    assert type(loss).__name__ == cfg['type']
    for key, value in cfg.items():
        if key != 'type':
            assert getattr(loss, key) == value


@pytest.mark.parametrize('cls,kwargs,field', [
    (TripletLoss, dict(margin=-0.1), 'margin'),
    (TripletLoss, dict(loss_weight=-1.), 'loss_weight'),
    (InstanceLoss, dict(temperature=0.), 'temperature'),
    (InstanceLoss, dict(loss_weight=-1.), 'loss_weight'),
    (AugmentationLoss, dict(temperature=-0.1), 'temperature'),
    (CentroidsLoss, dict(temperature=0.), 'temperature'),
    (CameraCentroidsLoss, dict(temperature=0.), 'temperature'),
    (CameraCentroidsLoss, dict(num_hard_negatives=0), 'num_hard_negatives'),
    (CameraCentroidsLoss, dict(loss_weight=-0.5), 'loss_weight'),
])
def test_invalid_constructor_args(cls, kwargs, field):
    with pytest.raises(ValueError, match=field):
        cls(**kwargs)


def test_invalid_inputs():
    feats = F.normalize(torch.randn(4, 3), dim=1)
    labels = torch.tensor([0, 0, 1, 1])
    with pytest.raises(ValueError, match=r'`labels` must have shape \(4,\)'):
        InstanceLoss()(feats, labels[:3])
    with pytest.raises(ValueError, match=r'`feats` must have shape \(B, D\)'):
        TripletLoss()(feats[0], labels)
    with pytest.raises(TypeError, match='`labels` must be an integer tensor'):
        InstanceLoss()(feats, labels.float())
    with pytest.raises(TypeError, match='`aug_feats` must be a floating point tensor'):
        AugmentationLoss()(labels.view(4, 1), feats, labels)
    with pytest.raises(ValueError, match='`momentum_feats` must have the shape of `aug_feats`'):
        AugmentationLoss()(feats, feats[:, :2], labels)
    with pytest.raises(ValueError, match=r'`centroids` must have shape \(C, 3\)'):
        CentroidsLoss()(feats, labels, torch.eye(2))
    with pytest.raises(ValueError, match='label 1 >= number of centroids 1'):
        CentroidsLoss()(feats, labels, feats[:1])
    with pytest.raises(ValueError, match=r'shape \(2,\) to match `cam_centroids`'):
        CameraCentroidsLoss()(feats, labels, feats[:2], labels)


# ----------------------------------------------------------------------------- TripletLoss


def test_triplet_hand_value():
    # Points on a line: 0, 1 (id 0) and 3, 5 (id 1). Per anchor (d_ap, d_an):
    # (1, 3), (1, 2), (2, 2), (2, 4).
    feats = torch.tensor([[0.], [1.], [3.], [5.]])
    labels = torch.tensor([0, 0, 1, 1])
    hinge = TripletLoss(margin=0.3)(feats, labels)
    assert hinge.item() == pytest.approx(0.3 / 4, abs=1e-6)
    soft = TripletLoss(margin=None)(feats, labels)
    expected = (2 * math.log1p(math.exp(-2)) + math.log1p(math.exp(-1)) + math.log(2)) / 4
    assert soft.item() == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize('margin', [0.3, None])
def test_triplet_matches_reference_loop(margin):
    torch.manual_seed(0)
    feats = torch.randn(9, 4)  # unnormalised on purpose
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 3])
    value = TripletLoss(margin=margin, loss_weight=2.)(feats, labels)
    assert value.item() == pytest.approx(2 * ref_triplet(feats.tolist(), labels, margin), abs=1e-5)


def test_triplet_same_label_is_no_negative_and_optimum_is_zero():
    # Same-label items coincide (distance 0): as negatives they would give 0.3 per anchor.
    feats = torch.tensor([[0., 0.], [0., 0.], [3., 4.], [3., 4.]], requires_grad=True)
    value = TripletLoss(margin=0.3)(feats, torch.tensor([0, 0, 1, 1]))
    assert value.item() == 0.
    value.backward()
    assert torch.isfinite(feats.grad).all()


def test_triplet_single_image_identity_is_skipped():
    labels = torch.tensor([0, 0, 1, 1, 2])
    # Item 4 is alone in identity 2 and far from everyone, so it changes no hardest negative.
    feats = torch.tensor([[0.], [1.], [3.], [5.], [100.]])
    assert TripletLoss(margin=0.3)(feats, labels).item() == pytest.approx(0.3 / 4, abs=1e-6)
    singles = torch.randn(3, 2, requires_grad=True)
    value = TripletLoss()(singles, torch.tensor([0, 1, 2]))
    value.backward()
    assert value.item() == 0. and torch.equal(singles.grad, torch.zeros(3, 2))
    # One identity only: nobody has a negative.
    assert TripletLoss()(torch.randn(3, 2), torch.tensor([4, 4, 4])).item() == 0.


def test_triplet_couples_only_hardest_pairs():
    feats, axes = coupled_feats(COUPLING_EPS, COUPLING_DIRS)
    coupled = coupling(TripletLoss(margin=None)(feats, COUPLING_LABELS), feats, axes)
    # Hardest positives: 0 -> 2, 1 -> 2, 2 -> 1 (largest offsets); 0 and 1 are never paired.
    assert coupled[0, 2] and coupled[1, 2] and coupled[2, 1]
    assert not coupled[0, 1] and not coupled[1, 0]
    assert not coupled[3, 4] and not coupled[4, 3]


def test_triplet_sgd_step_pulls_positive_closer():
    param = torch.tensor([[0., 0.], [2., 0.], [1., 1.], [1., 2.]], requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1])
    loss = TripletLoss(margin=0.3)
    before = loss(param, labels)
    before.backward()
    with torch.no_grad():
        stepped = param - 0.1 * param.grad
    assert loss(stepped, labels).item() < before.item()
    assert (stepped[0] - stepped[1]).norm() < (param[0] - param[1]).norm()


# ---------------------------------------------------------------------------- InstanceLoss


def test_instance_hand_value_and_single_image_identity():
    # f0 at 0 deg and f1 at 60 deg share id 0; f2 at 90 deg is alone in id 1 (no positive, so
    # excluded from the mean, still a negative of the others).
    feats = unit(0, 60, 90)
    labels = torch.tensor([0, 0, 1])
    cos60, sin60 = 0.5, math.sqrt(3) / 2
    anchor0 = math.log1p(math.exp((0. - cos60) / 0.1))
    anchor1 = math.log1p(math.exp((sin60 - cos60) / 0.1))
    value = InstanceLoss(temperature=0.1)(feats, labels)
    assert value.item() == pytest.approx((anchor0 + anchor1) / 2, rel=1e-5)


def test_instance_uses_hardest_positive_and_no_same_label_negative():
    # f0 = f1 (similarity 1) and f2 at 60 deg share id 0; f3 at 180 deg is id 1. Hand values:
    # anchors 0 and 1: p* = 2 (s = 0.5), one negative (s = -1); anchor 2: s_p* = 0.5, negative
    # s = -0.5; anchor 3 has no positive. A same-label negative (s = 1) would add exp(2).
    feats = unit(0, 0, 60, 180)
    labels = torch.tensor([0, 0, 0, 1])
    t = 0.5
    expected = (2 * math.log1p(math.exp((-1. - 0.5) / t)) + math.log1p(math.exp(-1. / t))) / 3
    assert InstanceLoss(temperature=t)(feats, labels).item() == pytest.approx(expected, rel=1e-5)


def test_instance_matches_reference_loop():
    torch.manual_seed(1)
    feats = F.normalize(torch.randn(8, 5), dim=1)
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 2, 3])
    value = InstanceLoss(temperature=0.1)(feats, labels)
    assert value.item() == pytest.approx(ref_instance(feats, labels, 0.1), rel=1e-5)


def test_instance_couples_only_hardest_positive_and_negatives():
    feats, axes = coupled_feats(COUPLING_EPS, COUPLING_DIRS)
    coupled = coupling(InstanceLoss()(feats, COUPLING_LABELS), feats, axes)
    expected = torch.tensor([[0, 0, 1, 1, 1, 1],
                             [0, 0, 1, 1, 1, 1],
                             [1, 1, 0, 1, 1, 1],
                             [1, 1, 1, 0, 0, 1],
                             [1, 1, 1, 0, 0, 1],
                             [1, 1, 1, 1, 1, 0]], dtype=torch.bool)
    assert torch.equal(coupled, expected)


def test_instance_optimum_and_no_positive():
    feats = torch.eye(2).repeat_interleave(2, dim=0)  # two identities, identical within
    value = InstanceLoss(temperature=0.1)(feats, torch.tensor([0, 0, 1, 1]))
    # float32 resolves a loss this close to its minimum 0 to about 1e-6
    assert value.item() == pytest.approx(math.log1p(2 * math.exp(-10.)), abs=1e-6)
    singles = F.normalize(torch.randn(3, 4), dim=1).requires_grad_()
    empty = InstanceLoss()(singles, torch.tensor([0, 1, 2]))
    empty.backward()
    assert empty.item() == 0. and torch.equal(singles.grad, torch.zeros(3, 4))
    # One identity: every anchor has a positive but no negative, -log(1) = 0.
    assert InstanceLoss()(unit(0, 30, 50), torch.tensor([5, 5, 5])).item() == 0.


def test_instance_sgd_step_pulls_positive_closer():
    param = unit(0, 70, 90, 160).requires_grad_()
    labels = torch.tensor([0, 0, 1, 1])
    loss = InstanceLoss(temperature=0.1)
    before = loss(F.normalize(param, dim=1), labels)
    before.backward()
    with torch.no_grad():
        stepped = F.normalize(param - 0.01 * param.grad, dim=1)
    assert loss(stepped, labels).item() < before.item()
    assert stepped[0] @ stepped[1] > param[0] @ param[1]


# ------------------------------------------------------------------------ AugmentationLoss


def test_augmentation_hand_value():
    # aug views at 0 and 60 deg (ids 0, 1); momentum targets at 30 and 90 deg.
    aug = unit(0, 60)
    mom = unit(30, 90)
    t = 0.1
    cos30 = math.sqrt(3) / 2
    term0 = math.log1p(math.exp((0. - cos30) / t))  # negative: f^_0 . g_1 = cos 90
    term1 = math.log1p(math.exp((cos30 - cos30) / t))  # f^_1 . g_1 = cos 30, f^_1 . g_0 = cos 30
    value = AugmentationLoss(temperature=t)(aug, mom, torch.tensor([0, 1]))
    assert value.item() == pytest.approx((term0 + term1) / 2, rel=1e-5)


def test_augmentation_matches_reference_loop_with_single_image_identity():
    torch.manual_seed(2)
    aug = F.normalize(torch.randn(7, 5), dim=1)
    mom = F.normalize(torch.randn(7, 5), dim=1)
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 3])
    value = AugmentationLoss(temperature=0.1)(aug, mom, labels)
    assert value.item() == pytest.approx(ref_augmentation(aug, mom, labels, 0.1), rel=1e-5)


def test_augmentation_same_label_targets_are_no_negatives():
    # Orthonormal targets: d L / d f^_i is a combination of the targets in i's denominator,
    # so its component along g_k is zero exactly when k is left out.
    labels = torch.tensor([0, 0, 1, 1, 1])
    mom = torch.eye(5)
    aug = F.normalize(torch.rand(5, 5) + 0.1, dim=1).requires_grad_()
    AugmentationLoss()(aug, mom, labels).backward()
    coupled = (aug.grad @ mom.t()).abs() > 1e-7
    assert torch.equal(coupled, (labels.unsqueeze(0) != labels.unsqueeze(1)) | torch.eye(5).bool())


def test_augmentation_no_gradient_to_momentum_and_sgd_step():
    aug = unit(10, 80).requires_grad_()
    mom = unit(0, 90).requires_grad_()
    labels = torch.tensor([0, 1])
    loss = AugmentationLoss(temperature=0.1)
    before = loss(aug, mom, labels)
    before.backward()
    assert mom.grad is None
    with torch.no_grad():
        stepped = F.normalize(aug - 0.01 * aug.grad, dim=1)
    assert loss(stepped, mom, labels).item() < before.item()
    assert stepped[0] @ mom[0] > aug[0] @ mom[0]


def test_augmentation_optimum():
    feats = torch.eye(3)
    value = AugmentationLoss(temperature=0.1)(feats, feats, torch.tensor([0, 1, 2]))
    assert value.item() == pytest.approx(math.log1p(2 * math.exp(-10.)), abs=1e-6)


# --------------------------------------------------------------------------- CentroidsLoss


def test_centroids_hand_value_and_ignored_labels():
    centroids = unit(0, 90, 180)
    feats = unit(30, 45).requires_grad_()
    t = 0.2
    cos30, sin30 = math.sqrt(3) / 2, 0.5
    expected = -math.log(math.exp(cos30 / t)
                         / (math.exp(cos30 / t) + math.exp(sin30 / t) + math.exp(-cos30 / t)))
    value = CentroidsLoss(temperature=t)(feats, torch.tensor([0, -1]), centroids)
    assert value.item() == pytest.approx(expected, rel=1e-5)
    value.backward()
    assert torch.equal(feats.grad[1], torch.zeros(2))


def test_centroids_matches_reference_loop():
    torch.manual_seed(3)
    feats = F.normalize(torch.randn(6, 4), dim=1)
    centroids = F.normalize(torch.randn(5, 4), dim=1)
    labels = torch.tensor([4, 0, -1, 2, 2, 1])
    value = CentroidsLoss(temperature=0.05)(feats, labels, centroids)
    assert value.item() == pytest.approx(ref_centroids(feats, labels, centroids, 0.05), rel=1e-5)


def test_centroids_optimum_all_ignored_and_sgd_step():
    centroids = torch.eye(3)
    value = CentroidsLoss(temperature=0.05)(centroids, torch.tensor([0, 1, 2]), centroids)
    assert value.item() == pytest.approx(math.log1p(2 * math.exp(-20.)), abs=1e-7)
    feats = unit(0, 90).requires_grad_()
    ignored = CentroidsLoss()(feats, torch.tensor([-1, -1]), torch.eye(2))
    ignored.backward()
    assert ignored.item() == 0. and torch.equal(feats.grad, torch.zeros(2, 2))

    param = unit(40).requires_grad_()
    centroids = unit(0, 90)
    loss = CentroidsLoss(temperature=0.05)
    before = loss(F.normalize(param, dim=1), torch.tensor([0]), centroids)
    before.backward()
    with torch.no_grad():
        stepped = F.normalize(param - 0.01 * param.grad, dim=1)
    assert loss(stepped, torch.tensor([0]), centroids).item() < before.item()
    assert stepped[0] @ centroids[0] > param[0] @ centroids[0]


def test_centroids_own_video_negatives_match_reference_on_the_subset():
    torch.manual_seed(5)
    feats = F.normalize(torch.randn(5, 4), dim=1)
    centroids = F.normalize(torch.randn(6, 4), dim=1)
    # rows 0-1: multi-camera identities; 2-3: video 7; 4-5: video 9
    videos = torch.tensor([-1, -1, 7, 7, 9, 9])
    labels = torch.tensor([0, 2, 5, -1, 1])
    t = 0.1
    value = CentroidsLoss(temperature=t, negatives='own_video')(feats, labels, centroids, videos)
    keep = {0: [0, 1, 2, 3, 4, 5], 1: [0, 1, 2, 3], 2: [0, 1, 4, 5], 4: [0, 1, 2, 3, 4, 5]}
    terms = []
    for i, rows in keep.items():
        sims = [float(feats[i] @ centroids[r]) / t for r in rows]
        own = rows.index(int(labels[i]))
        terms.append(-sims[own] + math.log(sum(math.exp(x) for x in sims)))
    assert value.item() == pytest.approx(sum(terms) / len(terms), rel=1e-5)
    # the default contrasts every centroid, so it differs here
    default = CentroidsLoss(temperature=t)(feats, labels, centroids, videos)
    assert default.item() == pytest.approx(ref_centroids(feats, labels, centroids, t), rel=1e-5)
    assert default.item() > value.item()


def test_centroids_own_video_needs_centroid_videos():
    loss = CentroidsLoss(negatives='own_video')
    with pytest.raises(ValueError, match='centroid_videos'):
        loss(unit(0), torch.tensor([0]), unit(0, 90))
    with pytest.raises(ValueError, match=r'shape \(2,\)'):
        loss(unit(0), torch.tensor([0]), unit(0, 90), torch.tensor([-1]))
    with pytest.raises(ValueError, match='negatives'):
        CentroidsLoss(negatives='video')


# --------------------------------------------------------------------- CameraCentroidsLoss


def test_camera_centroids_hand_value():
    # Identity 0 has camera centroids at 0 and 20 deg, identity 1 at 90 deg, identity 2 at
    # 180 deg; h = 1 keeps only the most similar other-identity centroid (90 deg) for f at 10 deg.
    cam_centroids = unit(0, 20, 90, 180)
    cam_labels = torch.tensor([0, 0, 1, 2])
    feats = unit(10)
    t = 0.5
    s_pos, s_neg = math.cos(math.radians(10)), math.cos(math.radians(80))
    expected = math.log1p(math.exp((s_neg - s_pos) / t))  # both positives have s_pos
    loss = CameraCentroidsLoss(temperature=t, num_hard_negatives=1)
    value = loss(feats, torch.tensor([0]), cam_centroids, cam_labels)
    assert value.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize('h', [1, 3, 50])
def test_camera_centroids_matches_reference_loop(h):
    torch.manual_seed(4)
    feats = F.normalize(torch.randn(6, 4), dim=1)
    cam_centroids = F.normalize(torch.randn(9, 4), dim=1)
    cam_labels = torch.tensor([0, 0, 0, 1, 1, 2, 3, 3, 3])
    # -1: single-camera item; 7: an identity without camera centroids (no positive).
    labels = torch.tensor([0, 1, -1, 3, 7, 2])
    value = CameraCentroidsLoss(temperature=0.07, num_hard_negatives=h)(
        feats, labels, cam_centroids, cam_labels)
    expected = ref_camera(feats, labels, cam_centroids, cam_labels, 0.07, h)
    assert value.item() == pytest.approx(expected, rel=1e-5)


def test_camera_centroids_h_larger_than_candidates_uses_all():
    cam_centroids = unit(0, 20, 90, 180)
    cam_labels = torch.tensor([0, 0, 1, 2])
    feats = unit(10)
    t = 0.5
    s = [math.cos(math.radians(a)) / t for a in (10, 10, 80, 170)]
    expected = math.log1p(math.exp(s[2] - s[0]) + math.exp(s[3] - s[0]))
    value = CameraCentroidsLoss(temperature=t, num_hard_negatives=50)(
        feats, torch.tensor([0]), cam_centroids, cam_labels)
    assert value.item() == pytest.approx(expected, rel=1e-5)


def test_camera_centroids_no_negatives_no_nan():
    # The memory holds one identity only: no negative for anybody, loss -log(1) = 0.
    feats = unit(10, 30).requires_grad_()
    value = CameraCentroidsLoss()(feats, torch.tensor([0, 0]), unit(0, 20), torch.tensor([0, 0]))
    value.backward()
    assert value.item() == 0.
    assert torch.equal(feats.grad, torch.zeros(2, 2))


def test_camera_centroids_all_ignored_and_optimum():
    feats = unit(0, 90).requires_grad_()
    ignored = CameraCentroidsLoss()(feats, torch.tensor([-1, -1]), unit(0, 90),
                                    torch.tensor([0, 1]))
    ignored.backward()
    assert ignored.item() == 0. and torch.equal(feats.grad, torch.zeros(2, 2))
    # Images on their (single) camera centroid, orthonormal identities.
    cam_centroids = torch.eye(3)
    value = CameraCentroidsLoss(temperature=0.07)(cam_centroids, torch.tensor([0, 1, 2]),
                                                  cam_centroids, torch.tensor([0, 1, 2]))
    assert value.item() == pytest.approx(math.log1p(2 * math.exp(-1 / 0.07)), abs=1e-6)


def test_camera_centroids_sgd_step_pulls_toward_own_centroids():
    cam_centroids = unit(0, 30, 100, 140)
    cam_labels = torch.tensor([0, 0, 1, 1])
    param = unit(70).requires_grad_()
    loss = CameraCentroidsLoss(temperature=0.07, num_hard_negatives=1)
    before = loss(F.normalize(param, dim=1), torch.tensor([0]), cam_centroids, cam_labels)
    before.backward()
    with torch.no_grad():
        stepped = F.normalize(param - 0.01 * param.grad, dim=1)
    assert loss(stepped, torch.tensor([0]), cam_centroids, cam_labels).item() < before.item()
    assert stepped[0] @ cam_centroids[1] > param[0] @ cam_centroids[1]


# ---------------------------------------------------------------------------- loss_weight


def _call(loss, feats, labels):
    """Call any of the five losses on ``feats`` (B <= 4, 2) with labels in {0, 1}.

    Fixed extras: momentum targets at 0, 10, 90, 100 deg (first B), identity centroids at 0 and
    90 deg, camera centroids at 0, 10 (identity 0) and 90, 100 deg (identity 1).
    """
    if isinstance(loss, AugmentationLoss):
        return loss(feats, unit(0, 10, 90, 100)[:len(labels)], labels)
    if isinstance(loss, CentroidsLoss):
        return loss(feats, labels, unit(0, 90))
    if isinstance(loss, CameraCentroidsLoss):
        return loss(feats, labels, unit(0, 10, 90, 100), torch.tensor([0, 0, 1, 1]))
    return loss(feats, labels)


@pytest.mark.parametrize('cls', [TripletLoss, InstanceLoss, AugmentationLoss, CentroidsLoss,
                                 CameraCentroidsLoss])
def test_loss_weight_scales_and_zero_turns_off(cls):
    feats = unit(5, 40, 60, 120).requires_grad_()
    labels = torch.tensor([0, 0, 1, 1])
    base = _call(cls(), feats, labels)
    assert base.item() > 0
    scaled = _call(cls(loss_weight=2.5), feats, labels)
    assert scaled.item() == pytest.approx(2.5 * base.item(), rel=1e-6)
    off = _call(cls(loss_weight=0.), feats, labels)
    assert off.shape == () and off.item() == 0. and off.device == feats.device
    off.backward()  # graph-connected zero: backward works and gives zero gradients
    assert torch.equal(feats.grad, torch.zeros(4, 2))


@pytest.mark.parametrize('cls', [TripletLoss, InstanceLoss, AugmentationLoss, CentroidsLoss,
                                 CameraCentroidsLoss])
def test_empty_batch_gives_zero(cls):
    # ReMix drops single-camera items left out of the epoch, which can empty a batch.
    feats = torch.zeros(0, 2, requires_grad=True)
    value = _call(cls(), feats, torch.zeros(0, dtype=torch.long))
    value.backward()
    assert value.shape == () and value.item() == 0.


@pytest.mark.parametrize('loss_type', ['InstanceLoss', 'AugmentationLoss'])
def test_batch_losses_with_a_candidate_set_from_other_ranks(loss_type):
    """Anchors against keys (as gathered under DDP): the total batch's loss is the mean of
    the losses of its halves, each against all keys with its own rows marked by self_index."""
    torch.manual_seed(0)
    feats = F.normalize(torch.randn(8, 16), dim=1)
    targets = F.normalize(torch.randn(8, 16), dim=1)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    loss = MODELS.build(dict(type=loss_type, temperature=0.5))
    args = (feats, labels) if loss_type == 'InstanceLoss' else (feats, targets, labels)
    keys = feats if loss_type == 'InstanceLoss' else targets
    whole = loss(*args)
    halves = []
    for rows in (torch.arange(4), torch.arange(4, 8)):
        part = [a[rows] for a in args]
        halves.append(loss(*part, keys=keys, key_labels=labels, self_index=rows))
    torch.testing.assert_close((halves[0] + halves[1]) / 2, whole)
    # a half alone (its own batch) is another loss
    assert not torch.allclose(loss(*[a[:4] for a in args]), halves[0])
    with pytest.raises(ValueError, match='self_index` must lie in'):
        loss(*args, keys=keys, key_labels=labels, self_index=torch.arange(8) + 1)
