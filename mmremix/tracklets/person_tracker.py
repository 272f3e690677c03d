"""Person tracking within one frame source: ByteTrack from the ``trackers`` library."""
from typing import List, Set, Tuple

import numpy as np

from .person_detections import PersonDetections


class PersonTracker:
    """Links the person detections of consecutive frames into tracks with ByteTrack.

    A thin wrapper around ``trackers.ByteTrackTracker`` (Roboflow's maintained ByteTrack, Zhang et
    al., ECCV 2022: Kalman-predicted boxes matched to high-score detections, then the remaining
    tracks to low-score ones). ByteTrack confirms a track only at its second consecutive match
    and returns its first detection untracked; this wrapper remembers the detection that spawned
    each new track and reports it under the track's id once the track is confirmed, so every track
    keeps its first frame. With ``minimum_consecutive_frames`` > 2, the detections between the
    first and the confirming one are still dropped. One tracker serves one source; track ids start
    at 0.

    Args:
        frame_rate (float): Processed frames per second (the source's fps / frame stride), so that
            ``lost_track_buffer`` is a duration.
        lost_track_buffer (int): How long a lost track waits for a match, in frames at 30 fps
            (30: one second). Defaults to 30.
        track_activation_threshold (float): Smallest score that starts a track. Defaults to 0.6.
        high_conf_det_threshold (float): Scores at or above it take part in the first (high-score)
            association; lower ones only in the second. Defaults to 0.5.
        minimum_iou_threshold (float): Smallest IoU of a match. Defaults to 0.1.
        minimum_consecutive_frames (int): Consecutive matches that confirm a track. Defaults to 2.

    The defaults are the library's, except the two score thresholds, set to the ByteTrack paper's
    (0.5 high, 0.6 new track), because a small detector scores persons lower than the library's
    0.6 / 0.7 assume (design choice of mmremix). A larger ``minimum_iou_threshold`` trades
    fragmented tracks for fewer identity switches: on vtest.avi at 10 fps, 0.5 removed the
    mid-track switches seen in three of the six longest tracks at 0.1, with twice the tracks, but
    it cuts fast or subsampled (frame stride) motion into pieces too short to keep
    (``docs/tracklets.md``).

    Raises:
        ValueError: ``frame_rate`` <= 0 or ``minimum_consecutive_frames`` < 1.
    """

    def __init__(self,
                 frame_rate: float,
                 lost_track_buffer: int = 30,
                 track_activation_threshold: float = 0.6,
                 high_conf_det_threshold: float = 0.5,
                 minimum_iou_threshold: float = 0.1,
                 minimum_consecutive_frames: int = 2) -> None:
        from trackers import ByteTrackTracker
        if not frame_rate > 0:
            raise ValueError(f'frame_rate must be > 0, got {frame_rate}')
        if minimum_consecutive_frames < 1:
            raise ValueError('minimum_consecutive_frames must be >= 1, got '
                             f'{minimum_consecutive_frames}')
        self._tracker = ByteTrackTracker(
            lost_track_buffer=lost_track_buffer,
            frame_rate=frame_rate,
            track_activation_threshold=track_activation_threshold,
            minimum_consecutive_frames=minimum_consecutive_frames,
            minimum_iou_threshold=minimum_iou_threshold,
            high_conf_det_threshold=high_conf_det_threshold)
        self.minimum_consecutive_frames = minimum_consecutive_frames
        # id(tracklet) -> (tracklet, (frame_index, detection index) that spawned it)
        self._spawned = {}

    def update(self, frame_index: int,
               detections: PersonDetections) -> List[Tuple[int, int, int]]:
        """Track one processed frame.

        Args:
            frame_index (int): The frame's index in the source (increasing between calls).
            detections (PersonDetections): Its person boxes.

        Returns:
            list[tuple[int, int, int]]: ``(frame_index, detection index, track id)`` of every
            detection tracked now: those of this frame, and the first detection of each track
            confirmed in this frame, which belongs to an earlier frame.
        """
        import supervision as sv
        num = len(detections.boxes)
        before = {id(t) for t in self._tracker.tracks}
        result = self._tracker.update(
            sv.Detections(
                xyxy=detections.boxes.astype(np.float32).reshape(-1, 4),
                confidence=detections.scores.astype(np.float32),
                data={'det_index': np.arange(num)}))
        det_index = np.asarray(result.data.get('det_index', np.zeros(0, int)), int)
        track_ids = np.asarray(result.tracker_id, int)
        tracked = [(frame_index, int(d), int(t)) for d, t in zip(det_index, track_ids) if t >= 0]

        # first detections of the tracks confirmed now, then forget dead or confirmed spawns
        alive = {id(t) for t in self._tracker.tracks}
        for key, (tracklet, (frame, det)) in list(self._spawned.items()):
            if tracklet.tracker_id >= 0:
                tracked.append((frame, det, int(tracklet.tracker_id)))
            if tracklet.tracker_id >= 0 or key not in alive:
                del self._spawned[key]

        # tracks spawned in this frame start at their detection's box exactly
        untracked = det_index[track_ids < 0]
        for tracklet in self._tracker.tracks:
            if id(tracklet) in before or tracklet.tracker_id >= 0 or not len(untracked):
                continue
            state = tracklet.get_state_bbox().reshape(-1)[:4]
            errors = np.abs(detections.boxes[untracked] - state).max(1)
            self._spawned[id(tracklet)] = (tracklet, (frame_index, int(untracked[errors.argmin()])))
        return tracked

    def alive_track_ids(self) -> Set[int]:
        """set[int]: Ids of the confirmed tracks that can still be matched in a later frame."""
        return {int(t.tracker_id) for t in self._tracker.tracks if t.tracker_id >= 0}
