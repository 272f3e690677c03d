"""Procedural synthetic person Re-ID data (design choice of mmremix): renderer and writer."""
from .generator import ensure_synthetic_reid, generate_synthetic_reid, market_name
from .person_renderer import (CameraParams, PersonAppearance, Pose, jitter_pose, render_person,
                              sample_appearance, sample_camera, sample_pose)

__all__ = [
    'CameraParams', 'PersonAppearance', 'Pose', 'ensure_synthetic_reid', 'generate_synthetic_reid',
    'jitter_pose', 'market_name', 'render_person', 'sample_appearance', 'sample_camera',
    'sample_pose'
]
