"""Single-camera training data from raw video: person detection, tracking, crop filters, writer."""
from .crop_filter import CropFilter, crop_box, select_track_crops, sharpness
from .frame_sources import (FrameFolderSource, FrameSource, UnreadableVideoError, VideoFileSource,
                            collect_frame_sources)
from .person_detections import PersonDetections
from .person_tracker import PersonTracker
from .track_quality import read_mot_ground_truth, tracking_quality
from .tracklet_dataset_writer import TrackletDatasetWriter
from .tracklet_extractor import NoPersonTrackError, TrackletExtractor
from .yolox_person_detector import YOLOXPersonDetector

__all__ = [
    'CropFilter', 'FrameFolderSource', 'FrameSource', 'NoPersonTrackError', 'PersonDetections',
    'PersonTracker', 'TrackletDatasetWriter', 'TrackletExtractor', 'UnreadableVideoError',
    'VideoFileSource', 'YOLOXPersonDetector', 'collect_frame_sources', 'crop_box',
    'read_mot_ground_truth', 'select_track_crops', 'sharpness', 'tracking_quality'
]
