"""Writes person tracks as a single-camera video dataset, atomically."""
import csv
import json
import os
import os.path as osp
import shutil
import tempfile
from typing import Dict, List, Optional

import cv2
import numpy as np

from .crop_filter import crop_box, select_track_crops

CSV_FIELDS = ('img_path', 'video_name', 'source', 'frame', 'time_s', 'track', 'x1', 'y1', 'x2',
              'y2', 'score')
ANN_FILE = 'ann_file.txt'


class TrackletDatasetWriter:
    """Builds the dataset in a temporary folder beside ``out_dir`` and moves it into place.

    Layout (``SingleCameraVideos(data_root=out_dir + '/videos')`` reads it, with or without
    ``ann_file='ann_file.txt'``)::

        out_dir/videos/<video_name>/<track>_<frame>.jpg   person crops, t000003_f0000125.jpg
        out_dir/videos/ann_file.txt                       "<video_name>/<file> <video_name>" lines
        out_dir/crops.csv                                 one row per crop (CSV_FIELDS)
        out_dir/summary.json                              settings, per-source counts, frames/s

    Crops are written to a staging folder as soon as they are tracked; when a track ends,
    :meth:`finish_track` drops it if it is too short, keeps ``max_crops_per_track`` of its crops
    and moves them into the output video of its first kept crop, so no track spans two output
    videos. The output video is the source's name, or with ``window_seconds`` > 0
    ``<name>_w<k>`` for the k-th window of that many seconds (design choice of mmremix).
    Nothing appears at ``out_dir`` until :meth:`commit`; :meth:`abort` (or an interrupted
    process) leaves at most a hidden ``.<name>.partial-*`` folder beside it.

    Args:
        out_dir (str): The dataset folder to create.
        min_track_crops (int): See :func:`~mmremix.tracklets.crop_filter.select_track_crops`.
        max_crops_per_track (int): See :func:`~mmremix.tracklets.crop_filter.select_track_crops`.
        window_seconds (float): Output video length; 0: one output video per source.
        jpeg_quality (int): JPEG quality of the crops, 0-100. Defaults to 95.

    Raises:
        FileExistsError: ``out_dir`` exists and is not an empty folder (names it).
        ValueError: ``window_seconds`` < 0 or ``min_track_crops`` < 1.
    """

    def __init__(self,
                 out_dir: str,
                 min_track_crops: int,
                 max_crops_per_track: int,
                 window_seconds: float = 0.0,
                 jpeg_quality: int = 95) -> None:
        if window_seconds < 0:
            raise ValueError(f'window_seconds must be >= 0, got {window_seconds}')
        if min_track_crops < 1:
            raise ValueError(f'min_track_crops must be >= 1, got {min_track_crops}')
        out_dir = osp.abspath(out_dir)
        if osp.exists(out_dir) and not (osp.isdir(out_dir) and not os.listdir(out_dir)):
            raise FileExistsError(f'{out_dir} already exists and is not an empty folder; refusing '
                                  'to write into it (choose a new folder or remove it)')
        self.out_dir = out_dir
        self.min_track_crops, self.max_crops_per_track = min_track_crops, max_crops_per_track
        self.window_seconds, self.jpeg_quality = window_seconds, jpeg_quality
        os.makedirs(osp.dirname(out_dir), exist_ok=True)
        self.tmp_dir = tempfile.mkdtemp(
            prefix=f'.{osp.basename(out_dir)}.partial-', dir=osp.dirname(out_dir))
        self.staging = osp.join(self.tmp_dir, 'staging')
        self.videos_dir = osp.join(self.tmp_dir, 'videos')
        os.makedirs(self.staging)
        os.makedirs(self.videos_dir)
        self.rows: List[dict] = []
        self._tracks: Dict[int, List[dict]] = {}
        self._source = None

    def start_source(self, source) -> None:
        """Begin the crops of a new source (``FrameSource``); its track ids restart at 0."""
        self._source = source
        self._tracks = {}

    def add_crop(self, track: int, frame_index: int, frame: np.ndarray, box: np.ndarray,
                 score: float) -> None:
        """Stage the crop of one tracked box.

        Args:
            track (int): Track id within the current source.
            frame_index (int): 0-based frame index in the source.
            frame (np.ndarray): (H, W, 3) uint8 BGR frame.
            box (np.ndarray): (4,) ``x1, y1, x2, y2`` frame pixels; the crop is cut at its integer
                bounds clipped to the frame (:func:`~mmremix.tracklets.crop_filter.crop_box`).
            score (float): Detection score.
        """
        x1, y1, x2, y2 = crop_box(box, frame.shape[:2])
        self.add_cut_crop(track, frame_index, frame[y1:y2, x1:x2], box, score)

    def add_cut_crop(self, track: int, frame_index: int, crop: np.ndarray, box: np.ndarray,
                     score: float) -> None:
        """Stage an already cut (H', W', 3) uint8 BGR crop (see :meth:`add_crop`).

        Raises:
            OSError: The JPEG cannot be written (names the file).
        """
        file = f't{track:06d}_f{frame_index:07d}.jpg'
        path = osp.join(self.staging, file)
        if not cv2.imwrite(path, crop, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality]):
            raise OSError(f'could not write {path}')
        self._tracks.setdefault(track, []).append(
            dict(file=file, source=self._source.path, frame=frame_index,
                 time_s=round(frame_index / self._source.fps, 3), track=track,
                 x1=round(float(box[0]), 1), y1=round(float(box[1]), 1),
                 x2=round(float(box[2]), 1), y2=round(float(box[3]), 1),
                 score=round(float(score), 4)))

    def finish_track(self, track: int) -> int:
        """Select the crops of a finished track and move them into their output video.

        Args:
            track (int): Track id within the current source.

        Returns:
            int: Crops kept (0: the track was dropped or had none).
        """
        crops = sorted(self._tracks.pop(track, []), key=lambda row: row['frame'])
        kept = select_track_crops(len(crops), self.min_track_crops, self.max_crops_per_track)
        keep = set(kept.tolist())
        video_name = None
        for i, row in enumerate(crops):
            staged = osp.join(self.staging, row.pop('file'))
            if i not in keep:
                os.remove(staged)
                continue
            if video_name is None:
                video_name = self._video_name(row['time_s'])
                os.makedirs(osp.join(self.videos_dir, video_name), exist_ok=True)
            rel = f'{video_name}/{osp.basename(staged)}'
            os.replace(staged, osp.join(self.videos_dir, rel))
            self.rows.append(dict(img_path=rel, video_name=video_name, **row))
        return len(keep)

    def active_tracks(self) -> List[int]:
        """list[int]: Ids of the current source's tracks with staged crops."""
        return list(self._tracks)

    def _video_name(self, time_s: float) -> str:
        if self.window_seconds <= 0:
            return self._source.name
        return f'{self._source.name}_w{int(time_s // self.window_seconds):04d}'

    def commit(self, summary: Optional[dict] = None) -> str:
        """Write ``ann_file.txt``, ``crops.csv``, ``summary.json`` and move the folder into place.

        Args:
            summary (dict, optional): Written as ``summary.json``.

        Returns:
            str: ``out_dir``.

        Raises:
            RuntimeError: A track is still staged (finish every track first).
            FileExistsError: ``out_dir`` was filled by someone else meanwhile (names it).
        """
        if self._tracks:
            raise RuntimeError(f'tracks {sorted(self._tracks)} were never finished')
        rows = sorted(self.rows, key=lambda row: row['img_path'])
        os.rmdir(self.staging)
        with open(osp.join(self.videos_dir, ANN_FILE), 'w') as f:
            f.writelines(f'{row["img_path"]} {row["video_name"]}\n' for row in rows)
        with open(osp.join(self.tmp_dir, 'crops.csv'), 'w', newline='') as f:
            writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        with open(osp.join(self.tmp_dir, 'summary.json'), 'w') as f:
            json.dump(summary or {}, f, indent=2)
        if osp.isdir(self.out_dir):
            try:
                os.rmdir(self.out_dir)  # only an empty folder was accepted at the start
            except OSError:
                raise FileExistsError(f'{self.out_dir} was filled while the dataset was written; '
                                      f'the new dataset is left in {self.tmp_dir}')
        os.rename(self.tmp_dir, self.out_dir)
        return self.out_dir

    def abort(self) -> None:
        """Remove the temporary folder (nothing is left at ``out_dir``)."""
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
