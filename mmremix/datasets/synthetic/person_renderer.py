"""Procedural drawing of one person image for the synthetic Re-ID data.

An identity is a :class:`PersonAppearance` (clothing colours and patterns, hair, shoes, carried bag,
body proportions), a camera is a :class:`CameraParams` (lighting, colour cast, blur, resolution,
noise, usual viewpoints and figure scale, a textured background) and one detection is a
:class:`Pose` (viewpoint, position, scale, stride). :func:`render_person` draws the figure as a
part-label map with OpenCV polygons, colours it through a look-up table, shades it, composites it
over the camera background and applies the camera's photometric changes, all with whole-image numpy
operations.

The whole module is a design choice of mmremix: a stand-in for real Re-ID data (ReMix, Mamedov et
al., WACV 2025, Sec. 4 uses Market-1501, MSMT17, CUHK03 and LUPerson) that a small CPU model learns
in minutes.
"""
import math
from dataclasses import dataclass, replace
from typing import Tuple

import cv2
import numpy as np

# Part labels of the label map; a label + FAR is the same part on the far side of the body (drawn
# darker).
BG, SKIN, HAIR, UPPER, UPPER2, LOWER, SHOES, BAG, HAT, SHADOW = range(10)
FAR = 16
FAR_DARKEN = 0.78

# Viewpoints: FRONT faces the camera, BACK faces away, RIGHT / LEFT walk towards the image's right /
# left (LEFT is drawn as RIGHT mirrored).
FRONT, BACK, RIGHT, LEFT = range(4)

# Upper-garment patterns.
SOLID, HSTRIPES, VSTRIPES, CHECKS, TWO_TONE, OPEN_JACKET = range(6)
UPPER_PATTERN_PROBS = (0.4, 0.18, 0.08, 0.1, 0.12, 0.12)

# Lower garments and bags.
TROUSERS, SHORTS, SKIRT = range(3)
LOWER_TYPE_PROBS = (0.65, 0.2, 0.15)
NO_BAG, BACKPACK, SHOULDER_BAG = range(3)
BAG_PROBS = (0.45, 0.3, 0.25)

# Clothing palette, BGR in [0, 1]: few named colours so that many identities share a colour and
# differ by pattern, lower garment, bag or hair instead.
CLOTH_PALETTE = np.array(
    [[0.08, 0.08, 0.08], [0.92, 0.92, 0.92], [0.5, 0.5, 0.5], [0.28, 0.28, 0.3], [0.15, 0.15, 0.75],
     [0.12, 0.1, 0.42], [0.7, 0.35, 0.12], [0.35, 0.15, 0.05], [0.85, 0.7, 0.45], [0.2, 0.55, 0.15],
     [0.35, 0.55, 0.55], [0.15, 0.8, 0.9], [0.1, 0.5, 0.95], [0.7, 0.55, 0.95], [0.5, 0.15, 0.45],
     [0.15, 0.3, 0.45], [0.6, 0.75, 0.82]],
    dtype=np.float32)
LOWER_PALETTE = CLOTH_PALETTE[[0, 3, 2, 7, 6, 15, 16, 1, 10]]
LOWER_PALETTE_PROBS = np.array([0.22, 0.16, 0.1, 0.16, 0.1, 0.08, 0.08, 0.05, 0.05])
SKIN_TONES = np.array([[0.62, 0.72, 0.88], [0.5, 0.6, 0.8], [0.35, 0.45, 0.62], [0.22, 0.3, 0.42]],
                      dtype=np.float32)
HAIR_COLOURS = np.array(
    [[0.05, 0.05, 0.06], [0.08, 0.12, 0.2], [0.15, 0.25, 0.38], [0.45, 0.7, 0.8], [0.6, 0.6, 0.62]],
    dtype=np.float32)
HAIR_PROBS = (0.4, 0.25, 0.15, 0.1, 0.1)


@dataclass(frozen=True)
class PersonAppearance:
    """Appearance parameters of one identity (what stays fixed across cameras).

    Colours are float32 arrays of shape (3,), BGR in [0, 1]; lengths are fractions of the figure
    height. Design choice of mmremix.
    """

    skin: np.ndarray
    hair: np.ndarray
    hair_long: bool
    hat: np.ndarray  # shape (3,), or shape (0,) for no hat
    upper: np.ndarray
    upper2: np.ndarray
    upper_pattern: int
    stripe_period: float
    short_sleeves: bool
    lower: np.ndarray
    lower_type: int
    shoes: np.ndarray
    bag_type: int
    bag: np.ndarray
    bag_on_right: bool
    width: float
    hip: float
    head: float


@dataclass(frozen=True)
class CameraParams:
    """Parameters of one camera (or of one video's camera).

    Design choice of mmremix.

    Attributes:
        gain (float): Multiplier of the linear intensity.
        gamma (float): Exponent applied to the intensity in [0, 1].
        cast (np.ndarray): float32 (3,) per-channel (BGR) colour-cast multipliers.
        saturation (float): 1 keeps colours, 0 makes them grey.
        blur_sigma (float): Gaussian blur sigma in output pixels.
        noise_std (float): Standard deviation of additive sensor noise, in [0, 1] intensity units.
        downscale (float): Resolution loss factor (>= 1): the image is shrunk by it and enlarged
            back.
        scale (float): Mean figure height as a fraction of the image height.
        shift_std (float): Standard deviation of the figure's horizontal centre, fraction of the
            width.
        view_probs (np.ndarray): float64 (4,) probabilities of FRONT, BACK, RIGHT, LEFT.
        light (float): Horizontal shading asymmetry on the figure in [-1, 1] (side of the light).
        background (np.ndarray): float32 (Hb, Wb, 3) BGR background texture in [0, 1]; each image
            crops an (H, W) window from it, so Hb >= H and Wb >= W of the rendered images.
    """

    gain: float
    gamma: float
    cast: np.ndarray
    saturation: float
    blur_sigma: float
    noise_std: float
    downscale: float
    scale: float
    shift_std: float
    view_probs: np.ndarray
    light: float
    background: np.ndarray


@dataclass(frozen=True)
class Pose:
    """Per-image placement of the figure. Design choice of mmremix.

    Attributes:
        view (int): FRONT, BACK, RIGHT or LEFT.
        scale (float): Figure height as a fraction of the image height (> 1 crops the figure).
        cx (float): Horizontal centre of the figure, fraction of the image width.
        top (float): Top of the head, fraction of the image height (negative crops the head).
        stride (float): Leg spread in [0, 1].
        swing (float): Arm swing in [-1, 1].
        bg_x (float): Horizontal position of the background crop window in [0, 1].
        bg_y (float): Vertical position of the background crop window in [0, 1].
        gain (float): Per-image multiplier of the camera gain (lighting flicker).
    """

    view: int
    scale: float
    cx: float
    top: float
    stride: float
    swing: float
    bg_x: float
    bg_y: float
    gain: float


def _pick_colour(rng: np.random.Generator,
                 palette: np.ndarray,
                 probs=None,
                 jitter: float = 0.04) -> np.ndarray:
    """Draw one palette colour with a small per-identity jitter; float32 (3,) in [0, 1]."""
    colour = palette[rng.choice(len(palette), p=probs)]
    return np.clip(colour + rng.normal(0.0, jitter, 3), 0.0, 1.0).astype(np.float32)


def sample_appearance(rng: np.random.Generator) -> PersonAppearance:
    """Draw the appearance of one identity.

    Clothing colours come from a small palette, so different identities often share an upper or
    lower colour and differ by pattern, garment type, bag, hair or proportions. Design choice of
    mmremix.

    Args:
        rng (np.random.Generator): Source of randomness (seed it per identity for order-free
            determinism).

    Returns:
        PersonAppearance: The identity's parameters.
    """
    upper = _pick_colour(rng, CLOTH_PALETTE)
    upper2 = _pick_colour(rng, CLOTH_PALETTE)
    # A second colour too close to the first would make the pattern invisible: push it away.
    if np.abs(upper2 - upper).sum() < 0.6:
        upper2 = np.where(upper > 0.5, upper - 0.45, upper + 0.45).astype(np.float32)
    has_hat = rng.random() < 0.12
    return PersonAppearance(
        skin=_pick_colour(rng, SKIN_TONES, jitter=0.03),
        hair=_pick_colour(rng, HAIR_COLOURS, probs=HAIR_PROBS, jitter=0.03),
        hair_long=bool(rng.random() < 0.3),
        hat=_pick_colour(rng, CLOTH_PALETTE) if has_hat else np.zeros(0, np.float32),
        upper=upper,
        upper2=upper2,
        upper_pattern=int(rng.choice(len(UPPER_PATTERN_PROBS), p=UPPER_PATTERN_PROBS)),
        stripe_period=float(rng.uniform(0.035, 0.07)),
        short_sleeves=bool(rng.random() < 0.35),
        lower=_pick_colour(rng, LOWER_PALETTE, probs=LOWER_PALETTE_PROBS),
        lower_type=int(rng.choice(len(LOWER_TYPE_PROBS), p=LOWER_TYPE_PROBS)),
        shoes=_pick_colour(rng, CLOTH_PALETTE[[0, 1, 7, 3, 4]], probs=(0.4, 0.3, 0.15, 0.1, 0.05)),
        bag_type=int(rng.choice(len(BAG_PROBS), p=BAG_PROBS)),
        bag=_pick_colour(rng, CLOTH_PALETTE),
        bag_on_right=bool(rng.random() < 0.5),
        width=float(rng.uniform(0.85, 1.2)),
        hip=float(rng.uniform(0.46, 0.54)),
        head=float(rng.uniform(0.11, 0.135)),
    )


def make_background(rng: np.random.Generator, size: Tuple[int, int]) -> np.ndarray:
    """Draw a textured scene background (wall, floor, vertical objects).

    Design choice of mmremix.

    Args:
        rng (np.random.Generator): Source of randomness.
        size (tuple[int, int]): (height, width) of the texture in pixels.

    Returns:
        np.ndarray: float32 (height, width, 3) BGR in [0, 1].
    """
    height, width = size
    ys = np.arange(height, dtype=np.float32)[:, None]
    xs = np.arange(width, dtype=np.float32)[None, :]
    wall_base = rng.uniform(0.25, 0.8, 3).astype(np.float32)
    wall_alt = np.clip(wall_base + rng.normal(0.0, 0.15, 3), 0, 1).astype(np.float32)
    floor_base = rng.uniform(0.2, 0.7, 3).astype(np.float32)
    horizon = rng.uniform(0.5, 0.8) * height

    kind = rng.integers(4)
    period_y = rng.uniform(0.06, 0.15) * height
    period_x = rng.uniform(0.1, 0.3) * width
    row = np.floor(ys / period_y)
    if kind == 0:  # bricks: rows shifted by half a brick, darker mortar lines
        brick_x = (xs + (row % 2) * period_x / 2) % period_x
        mortar = (ys % period_y < 1.5) | (brick_x < 1.5)
        alt = np.zeros_like(mortar)
    elif kind == 1:  # vertical panels of two shades
        alt = np.floor(xs / period_x) % 2 == 1
        mortar = (xs % period_x) < 1.0
    elif kind == 2:  # windows: a grid of lighter rectangles
        alt = ((xs % period_x) > 0.3 * period_x) & ((ys % (2 * period_y)) > 0.5 * period_y)
        mortar = np.zeros_like(alt)
    else:  # plain wall with blotches (from the low-frequency noise below)
        alt = np.zeros((height, width), bool)
        mortar = alt
    wall = np.where(alt[..., None], wall_alt, wall_base) * np.where(mortar, 0.7, 1.0)[..., None]

    # Floor: perspective tile lines that get denser towards the horizon.
    depth = np.maximum(ys - horizon, 0.5)
    tile_line = (np.sqrt(depth) * rng.uniform(0.8, 1.5)) % 1.0 < 0.12
    floor = floor_base * np.where(tile_line, 0.85, 1.0)[..., None]
    image = np.where((ys < horizon)[..., None], wall, floor)

    # Vertical objects (poles, doors, signs) in front of the wall.
    for _ in range(rng.integers(2, 6)):
        x0 = rng.uniform(0, width)
        x1 = x0 + rng.uniform(0.03, 0.25) * width
        y0 = rng.uniform(0, 0.6) * height
        y1 = rng.uniform(horizon, height)
        inside = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)
        image = np.where(inside[..., None], rng.uniform(0.05, 0.95, 3).astype(np.float32), image)

    noise = rng.normal(0.0, 1.0, (6, max(2, width // 16))).astype(np.float32)
    blotches = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    image = image * (1.0 + 0.12 * blotches[..., None])
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def sample_camera(rng: np.random.Generator, img_size: Tuple[int, int]) -> CameraParams:
    """Draw one camera: lighting, cast, blur, resolution, noise, viewpoints, scale, background.

    Design choice of mmremix.

    Args:
        rng (np.random.Generator): Source of randomness (seed it per camera).
        img_size (tuple[int, int]): (height, width) of the images the camera will render, in pixels.

    Returns:
        CameraParams: The camera; its background is (1.25 * height, 3 * width, 3) pixels.
    """
    height, width = img_size
    view_probs = rng.dirichlet(np.full(4, 0.8)) * 0.7 + 0.075
    return CameraParams(
        gain=float(rng.uniform(0.6, 1.3)),
        gamma=float(np.exp(rng.uniform(np.log(0.7), np.log(1.45)))),
        cast=np.clip(1.0 + rng.normal(0.0, 0.14, 3), 0.6, 1.4).astype(np.float32),
        saturation=float(rng.uniform(0.55, 1.15)),
        blur_sigma=float(rng.uniform(0.4, 1.4)),
        noise_std=float(rng.uniform(0.005, 0.03)),
        downscale=float(rng.choice([1.0, 1.0, 1.5, 2.0])),
        scale=float(rng.uniform(0.78, 0.95)),
        shift_std=float(rng.uniform(0.02, 0.07)),
        view_probs=view_probs / view_probs.sum(),
        light=float(rng.uniform(-0.6, 0.6)),
        background=make_background(rng, (int(height * 1.25), width * 3)),
    )


def sample_pose(rng: np.random.Generator, camera: CameraParams) -> Pose:
    """Draw the placement of one detection in a camera.

    Design choice of mmremix.

    Args:
        rng (np.random.Generator): Source of randomness (seed it per image).
        camera (CameraParams): The camera, which sets the viewpoint probabilities, scale and shift.

    Returns:
        Pose: The placement; the figure roughly fills the image height like a detector's box.
    """
    scale = float(np.clip(camera.scale + rng.normal(0.0, 0.03), 0.6, 1.0))
    return Pose(
        view=int(rng.choice(4, p=camera.view_probs)),
        scale=scale,
        cx=float(0.5 + rng.normal(0.0, camera.shift_std)),
        top=float((1.0 - scale) / 2 + rng.normal(0.0, 0.02)),
        stride=float(rng.uniform(0.0, 1.0)),
        swing=float(rng.uniform(-1.0, 1.0)),
        bg_x=float(rng.uniform()),
        bg_y=float(rng.uniform()),
        gain=float(rng.uniform(0.92, 1.08)),
    )


def jitter_pose(pose: Pose, rng: np.random.Generator) -> Pose:
    """Perturb a pose slightly, as between frames of a tracklet (same view and background window).

    Design choice of mmremix.

    Args:
        pose (Pose): The tracklet's base pose.
        rng (np.random.Generator): Source of randomness (seed it per frame).

    Returns:
        Pose: A new pose with small changes of scale, crop and gait.
    """
    return replace(
        pose,
        scale=float(pose.scale * (1.0 + rng.normal(0.0, 0.03))),
        cx=float(pose.cx + rng.normal(0.0, 0.025)),
        top=float(pose.top + rng.normal(0.0, 0.015)),
        stride=float(rng.uniform(0.0, 1.0)),
        swing=float(rng.uniform(-1.0, 1.0)),
        bg_x=float(np.clip(pose.bg_x + rng.normal(0.0, 0.01), 0.0, 1.0)),
        gain=float(pose.gain * rng.uniform(0.97, 1.03)),
    )


class _Canvas:
    """Draws filled shapes on a label map in figure coordinates.

    Figure coordinates: ``u`` to the right and ``v`` downwards, both in units of the figure height,
    with (0, 0) at the top of the head on the figure's axis.
    """

    SHIFT = 4  # sub-pixel bits of cv2's fixed-point coordinates
    ONE = 1 << SHIFT

    def __init__(self, labels: np.ndarray, cx: float, top: float, unit: float) -> None:
        self.labels = labels
        self.cx, self.top, self.unit = cx, top, unit

    def poly(self, points, label: int) -> None:
        """Fill a polygon given as [(u, v), ...]."""
        pixels = np.asarray(points, np.float64) * self.unit + (self.cx, self.top)
        cv2.fillPoly(self.labels, [np.round(pixels * self.ONE).astype(np.int32)], label, cv2.LINE_8,
                     self.SHIFT)

    def limb(self, u0: float, v0: float, u1: float, v1: float, width: float, label: int) -> None:
        """Fill a straight limb of the given width from (u0, v0) to (u1, v1)."""
        scale = width / 2 / max(math.hypot(u1 - u0, v1 - v0), 1e-6)
        du, dv = -(v1 - v0) * scale, (u1 - u0) * scale
        self.poly([(u0 + du, v0 + dv), (u1 + du, v1 + dv), (u1 - du, v1 - dv), (u0 - du, v0 - dv)],
                  label)

    def ellipse(self,
                u: float,
                v: float,
                ru: float,
                rv: float,
                label: int,
                start: float = 0.0,
                end: float = 360.0) -> None:
        """Fill an ellipse (or the sector from ``start`` to ``end`` degrees) centred at (u, v)."""
        centre = (round(
            (self.cx + u * self.unit) * self.ONE), round((self.top + v * self.unit) * self.ONE))
        axes = (round(ru * self.unit * self.ONE), round(rv * self.unit * self.ONE))
        cv2.ellipse(self.labels, centre, axes, 0.0, start, end, label, -1, cv2.LINE_8, self.SHIFT)


def _draw_head(canvas: _Canvas, app: PersonAppearance, view: int) -> None:
    """Head, face, hair and hat; long hair is darker (behind the body) except in back views."""
    hv, hr = app.head / 2 + 0.005, app.head / 2
    if app.hair_long:  # long hair falls behind the shoulders
        canvas.poly([(-hr * 0.95, hv), (hr * 0.95, hv), (hr * 1.05, hv + 0.17),
                     (-hr * 1.05, hv + 0.17)] if view in (FRONT, BACK) else [(-hr * 0.9, hv),
                                                                             (hr * 0.2, hv),
                                                                             (-hr * 0.1, hv + 0.17),
                                                                             (-hr * 1.1,
                                                                              hv + 0.15)],
                    HAIR + (0 if view == BACK else FAR))
    canvas.poly([(-0.02, hv), (0.02, hv), (0.022, hv + hr + 0.03), (-0.022, hv + hr + 0.03)], SKIN)
    canvas.ellipse(0.0, hv, hr * 0.82, hr, SKIN)
    if view == BACK:
        canvas.ellipse(0.0, hv, hr * 0.86, hr * 1.04, HAIR)
    elif view == FRONT:
        canvas.ellipse(0.0, hv - hr * 0.12, hr * 0.88, hr * 0.95, HAIR, 180, 360)
        canvas.ellipse(0.0, hv - hr * 0.12, hr * 0.88, hr * 0.35, HAIR)
    else:  # facing +u: hair covers the back half and the top
        canvas.ellipse(-hr * 0.1, hv - hr * 0.05, hr * 0.8, hr * 1.0, HAIR, 90, 300)
    if app.hat.size:
        canvas.ellipse(0.0, hv - hr * 0.3, hr * 0.95, hr * 0.8, HAT, 180, 360)
        if view in (RIGHT, LEFT):  # cap brim
            canvas.poly([(0.0, hv - hr * 0.32), (hr * 1.5, hv - hr * 0.25),
                         (hr * 1.5, hv - hr * 0.12), (0.0, hv - hr * 0.18)], HAT)


def _draw_figure(canvas: _Canvas, app: PersonAppearance, pose: Pose) -> None:
    """Draw the figure in painter's order; LEFT views are drawn as RIGHT, mirrored by the caller."""
    view = RIGHT if pose.view == LEFT else pose.view
    side = view == RIGHT
    shoulder = app.head + 0.035
    hip = app.hip
    half_shoulder = (0.075 if side else 0.125) * app.width
    half_hip = (0.07 if side else 0.1) * app.width
    arm_w, leg_w = 0.05 * app.width, 0.065 * app.width
    hand_v = hip + 0.07
    sleeve = UPPER if not app.short_sleeves else SKIN
    lower_leg = LOWER if app.lower_type == TROUSERS else SKIN
    knee = hip + (0.22 if app.lower_type == SHORTS else 0.3)

    canvas.ellipse(0.0, 1.0, 0.22 * app.width, 0.025, SHADOW)
    if app.bag_type == BACKPACK and side:
        canvas.poly([(-half_shoulder - 0.08, shoulder + 0.02),
                     (-half_shoulder + 0.02, shoulder + 0.01),
                     (-half_shoulder + 0.02, shoulder + 0.25),
                     (-half_shoulder - 0.08, shoulder + 0.24)], BAG)
    if side:  # far limbs first (darker); the far leg steps forward while the far arm swings back
        stride = 0.05 + 0.1 * pose.stride
        _leg(canvas, 0.0, hip, stride, knee, leg_w, lower_leg, FAR)
        _arm(canvas, 0.0, shoulder + 0.02, -0.1 * pose.swing, hand_v, arm_w, sleeve, FAR)
        _leg(canvas, 0.0, hip, -stride, knee, leg_w, lower_leg, 0)
    else:
        spread = 0.02 + 0.03 * pose.stride
        for sign in (-1.0, 1.0):
            _leg(canvas, sign * half_hip * 0.5, hip, sign * (half_hip * 0.45 + spread), knee, leg_w,
                 lower_leg, 0)
            _arm(canvas, sign * (half_shoulder - 0.015), shoulder + 0.02,
                 sign * (half_shoulder + 0.03 + 0.015 * abs(pose.swing)), hand_v, arm_w, sleeve, 0)

    # Lower garment over the hips, then the torso.
    if app.lower_type == SKIRT:
        canvas.poly([(-half_hip, hip - 0.04), (half_hip, hip - 0.04), (half_hip * 1.5, hip + 0.2),
                     (-half_hip * 1.5, hip + 0.2)], LOWER)
    else:
        canvas.poly([(-half_hip, hip - 0.04), (half_hip, hip - 0.04), (half_hip * 1.02, hip + 0.06),
                     (-half_hip * 1.02, hip + 0.06)], LOWER)
    canvas.poly([(-half_shoulder, shoulder), (half_shoulder, shoulder), (half_hip * 1.05, hip),
                 (-half_hip * 1.05, hip)], UPPER)
    canvas.ellipse(0.0, shoulder + 0.015, half_shoulder, 0.03, UPPER, 180, 360)
    _draw_head(canvas, app, view)

    if side:  # near arm over the torso
        _arm(canvas, 0.0, shoulder + 0.02, 0.1 * pose.swing, hand_v, arm_w, sleeve, 0)

    if app.bag_type == BACKPACK:
        if view == BACK:
            canvas.poly([(-0.085 * app.width, shoulder + 0.03),
                         (0.085 * app.width, shoulder + 0.03), (0.09 * app.width, shoulder + 0.24),
                         (-0.09 * app.width, shoulder + 0.24)], BAG)
        elif view == FRONT:  # only the straps show
            for sign in (-1.0, 1.0):
                canvas.limb(sign * 0.07 * app.width, shoulder, sign * 0.065 * app.width,
                            shoulder + 0.16, 0.018, BAG)
        else:
            canvas.limb(-0.01, shoulder + 0.005, 0.02, shoulder + 0.15, 0.018, BAG)
    elif app.bag_type == SHOULDER_BAG:
        # The person's right is on the image left when they face the camera; side views see the
        # person's right side (they walk towards +u), so a bag on the left hangs hidden behind the
        # body.
        bag_sign = (-1.0 if app.bag_on_right else 1.0) * (1.0 if view == FRONT else -1.0)
        bag_u = -0.01 if side else bag_sign * (half_hip + 0.06)
        strap_u = 0.03 if side else -bag_sign * half_shoulder
        canvas.limb(strap_u, shoulder + 0.005, bag_u, hip - 0.04, 0.014, BAG)
        if app.bag_on_right or not side:
            canvas.poly([(bag_u - 0.05, hip - 0.05), (bag_u + 0.05, hip - 0.05),
                         (bag_u + 0.05, hip + 0.07), (bag_u - 0.05, hip + 0.07)], BAG)


def _arm(canvas: _Canvas, u_shoulder: float, v_shoulder: float, u_hand: float, v_hand: float,
         width: float, sleeve: int, far: int) -> None:
    """One arm from shoulder to hand; ``sleeve`` is the forearm label (UPPER or SKIN)."""
    canvas.limb(u_shoulder, v_shoulder, u_hand, v_hand, width, UPPER + far)
    u_elbow = (u_shoulder + u_hand) / 2
    v_elbow = (v_shoulder + v_hand) / 2
    canvas.limb(u_elbow, v_elbow, u_hand, v_hand, width * 0.9, sleeve + far)
    canvas.ellipse(u_hand, v_hand + 0.01, width * 0.45, width * 0.6, SKIN + far)


def _leg(canvas: _Canvas, u_hip: float, hip: float, u_ankle: float, knee: float, width: float,
         lower_leg: int, far: int) -> None:
    """One leg from the hip to the ankle, with the garment down to ``knee`` and the shoe."""
    ankle = 0.97
    t = (knee - hip) / (ankle - hip)
    u_knee = u_hip + t * (u_ankle - u_hip)
    canvas.limb(u_knee, knee - 0.01, u_ankle, ankle, width * 0.85, lower_leg + far)
    canvas.limb(u_hip, hip, u_knee, knee, width, LOWER + far)
    canvas.ellipse(u_ankle, ankle + 0.01, width * 0.65, 0.022, SHOES + far)


# Weight of the background under each label: 1 where no figure is drawn, darker under the feet
# shadow.
_BG_WEIGHT = np.zeros(2 * FAR, np.float32)
_BG_WEIGHT[BG], _BG_WEIGHT[SHADOW] = 1.0, 0.65


def _colour_table(app: PersonAppearance) -> np.ndarray:
    """Label -> BGR colour table, float32 (2 * FAR, 3); far-side labels are darkened."""
    table = np.zeros((2 * FAR, 3), np.float32)
    table[[SKIN, HAIR, UPPER, UPPER2, LOWER, SHOES, BAG
           ]] = np.stack([app.skin, app.hair, app.upper, app.upper2, app.lower, app.shoes, app.bag])
    if app.hat.size:
        table[HAT] = app.hat
    table[FAR:] = table[:FAR] * FAR_DARKEN
    return table


def _pattern_mask(app: PersonAppearance, view: int, xs: np.ndarray, ys: np.ndarray, cx: float,
                  top: float, unit: float) -> np.ndarray:
    """Boolean (H, W) mask of where the upper garment shows its second colour."""
    u = (xs - cx) / unit
    v = (ys - top) / unit
    phase_v = np.floor(v / app.stripe_period) % 2 == 1
    phase_u = np.floor(u / app.stripe_period) % 2 == 1
    if app.upper_pattern == HSTRIPES:
        return np.broadcast_to(phase_v, (ys.shape[0], xs.shape[1]))
    if app.upper_pattern == VSTRIPES:
        return np.broadcast_to(phase_u, (ys.shape[0], xs.shape[1]))
    if app.upper_pattern == CHECKS:
        return phase_u ^ phase_v
    if app.upper_pattern == TWO_TONE:
        return np.broadcast_to(v > (app.head + app.hip) / 2 + 0.02, (ys.shape[0], xs.shape[1]))
    if app.upper_pattern == OPEN_JACKET and view == FRONT:
        return np.broadcast_to(np.abs(u) < 0.035 * app.width, (ys.shape[0], xs.shape[1]))
    return np.zeros((ys.shape[0], xs.shape[1]), bool)


def render_person(app: PersonAppearance,
                  camera: CameraParams,
                  pose: Pose,
                  rng: np.random.Generator,
                  img_size: Tuple[int, int] = (128, 64)) -> np.ndarray:
    """Render one detection of a person seen by a camera.

    The figure is drawn as a part-label map, coloured through the identity's colour table, shaded
    like a cylinder lit from the camera's light side, composited over a window of the camera
    background, then the camera's gain, colour cast, saturation, gamma, resolution loss, blur and
    noise are applied. Design choice of mmremix.

    Args:
        app (PersonAppearance): The identity.
        camera (CameraParams): The camera; its background must be at least ``img_size``.
        pose (Pose): Placement of the figure.
        rng (np.random.Generator): Source of the sensor noise (seed it per image).
        img_size (tuple[int, int]): (height, width) of the output in pixels.

    Returns:
        np.ndarray: uint8 (height, width, 3) BGR image.

    Raises:
        ValueError: If the camera background is smaller than ``img_size``.
    """
    height, width = img_size
    bg_h, bg_w = camera.background.shape[:2]
    if bg_h < height or bg_w < width:
        raise ValueError(
            f'camera.background has shape {camera.background.shape[:2]}, expected at least '
            f'img_size={img_size}')
    unit = pose.scale * height
    mirrored = pose.view == LEFT
    cx = (1.0 - pose.cx if mirrored else pose.cx) * width
    top = pose.top * height
    labels = np.zeros((height, width), np.uint8)
    _draw_figure(_Canvas(labels, cx, top, unit), app, pose)
    if mirrored:
        labels = labels[:, ::-1]
        cx = width - cx

    ys = np.arange(height, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(width, dtype=np.float32)[None, :] + 0.5
    pattern = _pattern_mask(app, pose.view, xs, ys, cx, top, unit)
    labels = np.where(pattern & (labels % FAR == UPPER), labels + (UPPER2 - UPPER), labels)

    y0 = int(round(pose.bg_y * (bg_h - height)))
    x0 = int(round(pose.bg_x * (bg_w - width)))
    background = camera.background[y0:y0 + height, x0:x0 + width]
    # Cylinder shading across the body, brighter on the light's side.
    across = np.clip((xs - cx) / (0.16 * unit), -1.5, 1.5)
    shade = np.clip(1.0 - 0.25 * across**2 + 0.15 * camera.light * across, 0.5, 1.15)
    image = (
        np.take(_colour_table(app), labels, axis=0) * shade[..., None] +
        background * np.take(_BG_WEIGHT, labels)[..., None])

    # Gain, colour cast and saturation as one 3x3 colour transform.
    gain = camera.cast * (camera.gain * pose.gain)
    mix = camera.saturation * np.eye(3) + (1.0 - camera.saturation) / 3.0
    image = cv2.transform(image, (mix * gain[None, :]).astype(np.float32))
    image = np.clip(image, 0.0, 1.0, out=image)**np.float32(camera.gamma)
    if camera.downscale > 1.0:
        small = (max(1, int(width / camera.downscale)), max(1, int(height / camera.downscale)))
        image = cv2.resize(
            cv2.resize(image, small, interpolation=cv2.INTER_AREA), (width, height),
            interpolation=cv2.INTER_LINEAR)
    image = cv2.GaussianBlur(image, (0, 0), camera.blur_sigma)
    # Zero-mean uniform sensor noise with standard deviation noise_std (cheaper to draw than
    # Gaussian).
    image += (rng.random(image.shape, dtype=np.float32) - 0.5) * np.float32(
        camera.noise_std * 12**0.5)
    return np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
