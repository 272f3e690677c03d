"""Raw video -> single-camera person tracks: detect, track, filter, crop."""
import logging
import math
import time
from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log
from tqdm import tqdm

from mmremix.registry import PERSON_DETECTORS
from .crop_filter import CropFilter, crop_box
from .frame_sources import collect_frame_sources
from .person_detections import PersonDetections
from .person_tracker import PersonTracker
from .tracklet_dataset_writer import TrackletDatasetWriter


class NoPersonTrackError(ValueError):
    """No input gave a single person track that passed the filters; nothing was written."""


class TrackletExtractor:
    """Turns raw footage into the single-camera video layout ReMix trains on.

    For every source (a video file or a MOTChallenge frame folder), every ``frame_stride``-th frame
    goes through the person detector; ByteTrack (:class:`PersonTracker`) links the detections;
    the tracked boxes that pass the :class:`CropFilter` are cut out; each finished track keeps
    at least ``min_track_crops`` and at most ``max_crops_per_track`` crops and goes, whole, into
    one output video (:class:`TrackletDatasetWriter`). This is how LUPerson-style unlabeled
    single-camera data is made (ReMix, Mamedov et al., WACV 2025, Sec. 1 and 3; LUPerson-NL, Fu
    et al., CVPR 2022, detect and track); the detector, tracker and filter settings are design
    choices of mmremix.

    Args:
        detector (dict | Callable): A ``PERSON_DETECTORS`` config (e.g.
            ``dict(type='YOLOXPersonDetector', model_path=...)``) or a callable mapping a BGR
            frame to :class:`PersonDetections`.
        tracker (dict, optional): :class:`PersonTracker` arguments other than ``frame_rate``.
        crop_filter (dict, optional): :class:`CropFilter` arguments.
        frame_stride (int): Process every ``frame_stride``-th frame. Defaults to 1.
        min_track_crops (int): Shortest kept track, in crops. Defaults to 4 (ReMix's DBSCAN
            ``min_samples``).
        max_crops_per_track (int): Crops kept per track, evenly spaced; 0: all. Defaults to 20.
        window_seconds (float): Length of an output video; 0: one per source. Defaults to 0.
        jpeg_quality (int): JPEG quality of the crops. Defaults to 95.
        progress (bool): A tqdm bar over the frames of each source. Defaults to True.

    Raises:
        ValueError: ``frame_stride`` < 1, ``max_crops_per_track`` < 0, or bad filter / tracker
            settings.

    Example:
        >>> extractor = TrackletExtractor(dict(
        ...     type='YOLOXPersonDetector', model_path='../shared/weights/yolox_nano_coco.onnx'))
        >>> summary = extractor.run(['footage/'], 'data/my_videos')  # doctest: +SKIP
    """

    def __init__(self,
                 detector: Union[dict, Callable[[np.ndarray], PersonDetections]],
                 tracker: Optional[dict] = None,
                 crop_filter: Optional[dict] = None,
                 frame_stride: int = 1,
                 min_track_crops: int = 4,
                 max_crops_per_track: int = 20,
                 window_seconds: float = 0.0,
                 jpeg_quality: int = 95,
                 progress: bool = True) -> None:
        if frame_stride < 1:
            raise ValueError(f'frame_stride must be >= 1, got {frame_stride}')
        if max_crops_per_track < 0:
            raise ValueError(f'max_crops_per_track must be >= 0, got {max_crops_per_track}')
        self.detector = PERSON_DETECTORS.build(detector) if isinstance(detector, dict) else detector
        self.tracker_cfg = dict(tracker or {})
        PersonTracker(frame_rate=1.0, **self.tracker_cfg)  # fail on bad settings before any work
        self.crop_filter = CropFilter(**(crop_filter or {}))
        self.frame_stride = int(frame_stride)
        self.writer_cfg = dict(min_track_crops=int(min_track_crops),
                               max_crops_per_track=int(max_crops_per_track),
                               window_seconds=float(window_seconds), jpeg_quality=int(jpeg_quality))
        self.progress = progress

    def run(self, inputs: Sequence[str], out_dir: str) -> Dict:
        """Extract the person tracks of the inputs into a new dataset folder.

        Args:
            inputs (Sequence[str]): Video files, folders of videos, MOTChallenge sequence folders
                or folders of sequences (see
                :func:`~mmremix.tracklets.frame_sources.collect_frame_sources`).
            out_dir (str): New dataset folder (see :class:`TrackletDatasetWriter` for the layout).

        Returns:
            dict: The summary also written to ``summary.json``: ``sources`` (per source: path,
            video name, frames processed, tracks, crops, seconds), ``frames``, ``tracks``,
            ``crops``, ``seconds``, ``fps`` (processed frames per second) and ``settings``.

        Raises:
            FileNotFoundError, UnreadableVideoError: A bad input (names it), before any work.
            FileExistsError: ``out_dir`` exists and is not empty (names it), before any work.
            NoPersonTrackError: No source gave a kept track (sources without one are only
                warned about, naming them); nothing is written.
        """
        sources = collect_frame_sources(inputs)
        writer = TrackletDatasetWriter(out_dir, **self.writer_cfg)
        try:
            start, per_source = time.perf_counter(), []
            for source in sources:
                per_source.append(self._run_source(source, writer))
                if not per_source[-1]['crops']:
                    print_log(f'no person track passed the filters in {source.path}; it adds no '
                              'video', logger='current', level=logging.WARNING)
            seconds = time.perf_counter() - start
            frames = sum(s['frames'] for s in per_source)
            summary = dict(
                sources=per_source, frames=frames,
                tracks=sum(s['tracks'] for s in per_source),
                crops=sum(s['crops'] for s in per_source),
                videos=len({row['video_name'] for row in writer.rows}),
                seconds=round(seconds, 2), fps=round(frames / max(seconds, 1e-9), 2),
                settings=dict(frame_stride=self.frame_stride, tracker=self.tracker_cfg,
                              crop_filter=vars(self.crop_filter), **self.writer_cfg))
            if not summary['crops']:
                raise NoPersonTrackError(
                    f'no person track passed the filters in {", ".join(map(str, inputs))}; nothing '
                    f'was written to {out_dir} (lower crop_filter / min_track_crops to keep more)')
            writer.commit(summary)
        except BaseException:
            writer.abort()
            raise
        return summary

    def _run_source(self, source, writer: TrackletDatasetWriter) -> dict:
        tracker = PersonTracker(frame_rate=source.fps / self.frame_stride, **self.tracker_cfg)
        writer.start_source(source)
        # crops of untracked boxes that passed the filters: a track confirmed later claims its
        # first one; kept for as many processed frames as confirming can take
        pending: Dict[tuple, tuple] = {}
        keep_for = self.frame_stride * tracker.minimum_consecutive_frames
        start, frames, crops, tracks = time.perf_counter(), 0, 0, 0
        bar = tqdm(source.frames(self.frame_stride), total=math.ceil(
            source.num_frames / self.frame_stride), desc=source.name, unit='frame',
                   disable=not self.progress, leave=False)
        for frame_index, frame in bar:
            frames += 1
            detections = self.detector(frame)
            keep = self.crop_filter(detections, frame)
            tracked_now = set()
            for index, det, track in tracker.update(frame_index, detections):
                if index == frame_index:
                    tracked_now.add(det)
                    if keep[det]:
                        writer.add_crop(track, index, frame, detections.boxes[det],
                                        detections.scores[det])
                elif (index, det) in pending:
                    writer.add_cut_crop(track, index, *pending.pop((index, det)))
            for det in np.flatnonzero(keep):
                if det not in tracked_now:
                    box = detections.boxes[det]
                    x1, y1, x2, y2 = crop_box(box, frame.shape[:2])
                    pending[(frame_index, int(det))] = (frame[y1:y2, x1:x2].copy(), box,
                                                        detections.scores[det])
            pending = {k: v for k, v in pending.items() if k[0] > frame_index - keep_for}
            alive = tracker.alive_track_ids()
            for track in writer.active_tracks():
                if track not in alive:
                    kept = writer.finish_track(track)
                    crops, tracks = crops + kept, tracks + bool(kept)
        for track in writer.active_tracks():
            kept = writer.finish_track(track)
            crops, tracks = crops + kept, tracks + bool(kept)
        return dict(path=str(source.path), video_name=source.name, frames=frames, tracks=tracks,
                    crops=crops, seconds=round(time.perf_counter() - start, 2))
