"""Frame sources of the tracklet extraction: video files and MOTChallenge frame folders."""
import configparser
import os
import os.path as osp
import re
from typing import Iterator, List, Sequence, Tuple

import cv2
import numpy as np

VIDEO_EXTENSIONS = ('.avi', '.mp4', '.mov', '.mkv', '.webm', '.mpg', '.mpeg', '.m4v', '.wmv',
                    '.flv', '.ts', '.mts')
FRAME_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')
INPUT_KINDS = ('a video file, a folder of video files ({}), a MOTChallenge sequence folder '
               '(img1/NNNNNN.jpg + seqinfo.ini) or a folder of such sequences').format(
                   ' '.join(VIDEO_EXTENSIONS))


class UnreadableVideoError(ValueError):
    """A video file or frame folder that cannot be read; the message names the path."""


def safe_video_name(name: str) -> str:
    """A video name usable in a folder name and in a whitespace-separated ``ann_file``.

    Args:
        name (str): A file stem or folder name.

    Returns:
        str: ``name`` with every character outside ``[A-Za-z0-9_.-]`` replaced by ``_``.
    """
    return re.sub(r'[^A-Za-z0-9_.-]', '_', name)


class FrameSource:
    """Frames of one input, read in order (design choice of mmremix: one interface for videos and
    frame folders, so the extraction never asks which it reads).

    Attributes:
        path (str): The input path, as given.
        name (str): Video name (:func:`safe_video_name` of the file stem or folder name).
        fps (float): Frames per second (of the file, or ``frameRate`` of ``seqinfo.ini``).
        num_frames (int): Number of frames (a video container's count can be approximate).
    """

    path: str
    name: str
    fps: float
    num_frames: int

    def frames(self, stride: int = 1) -> Iterator[Tuple[int, np.ndarray]]:
        """Yield ``(frame_index, frame)`` for every ``stride``-th frame, from frame 0.

        Args:
            stride (int): Keep frames 0, stride, 2 * stride, ...

        Yields:
            tuple[int, np.ndarray]: 0-based frame index and the (H, W, 3) uint8 BGR frame.

        Raises:
            UnreadableVideoError: A frame file cannot be decoded (names it).
        """
        raise NotImplementedError


class VideoFileSource(FrameSource):
    """A video file read with OpenCV.

    Args:
        path (str): The video file.
        default_fps (float): Frames per second when the container gives none. Defaults to 25.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        UnreadableVideoError: OpenCV cannot open it or decode its first frame (not a video, or a
            codec it lacks), naming the path.
    """

    def __init__(self, path: str, default_fps: float = 25.0) -> None:
        if not osp.isfile(path):
            raise FileNotFoundError(f'video file not found: {path}')
        self.path = path
        self.name = safe_video_name(osp.splitext(osp.basename(path))[0])
        capture = cv2.VideoCapture(path)
        try:
            ok = capture.isOpened() and capture.read()[0]
            fps = capture.get(cv2.CAP_PROP_FPS)
            count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        finally:
            capture.release()
        if not ok:
            raise UnreadableVideoError(f'{path} is not a readable video: OpenCV cannot open it or '
                                       'decode its first frame')
        self.fps = fps if fps and np.isfinite(fps) and fps > 0 else default_fps
        self.num_frames = max(count, 1)

    def frames(self, stride: int = 1) -> Iterator[Tuple[int, np.ndarray]]:
        capture = cv2.VideoCapture(self.path)
        try:
            index = 0
            while True:
                # grab() without retrieve() skips the colour conversion of dropped frames
                if index % stride:
                    if not capture.grab():
                        return
                else:
                    ok, frame = capture.read()
                    if not ok:
                        return
                    yield index, frame
                index += 1
        finally:
            capture.release()


class FrameFolderSource(FrameSource):
    """A MOTChallenge sequence: ``img1/NNNNNN.jpg`` and ``seqinfo.ini``.

    Frame ``img1/000001.jpg`` is frame index 0; the files present are read in name order
    (``seqLength`` may count frames that are not there).

    Args:
        path (str): The sequence folder.

    Raises:
        UnreadableVideoError: ``seqinfo.ini`` or ``img1/`` is missing, ``img1/`` holds no frame,
            or ``seqinfo.ini`` has no positive ``frameRate`` (names the path).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        ini = osp.join(path, 'seqinfo.ini')
        parser = configparser.ConfigParser()
        if not parser.read(ini) or 'Sequence' not in parser:
            raise UnreadableVideoError(f'{ini} is missing or has no [Sequence] section')
        seq = parser['Sequence']
        img_dir = osp.join(path, seq.get('imDir', 'img1'))
        if not osp.isdir(img_dir):
            raise UnreadableVideoError(f'{img_dir} (the frames of {ini}) does not exist')
        self.files = sorted(
            osp.join(img_dir, name) for name in os.listdir(img_dir)
            if name.lower().endswith(FRAME_EXTENSIONS))
        if not self.files:
            raise UnreadableVideoError(f'{img_dir} holds no frame ({" ".join(FRAME_EXTENSIONS)})')
        try:
            self.fps = float(seq.get('frameRate', ''))
        except ValueError:
            self.fps = 0.0
        if not self.fps > 0:
            raise UnreadableVideoError(f'{ini}: frameRate must be a positive number')
        self.name = safe_video_name(seq.get('name', osp.basename(osp.normpath(path))))
        self.num_frames = len(self.files)

    def frames(self, stride: int = 1) -> Iterator[Tuple[int, np.ndarray]]:
        for file in self.files[::stride]:
            frame = cv2.imread(file, cv2.IMREAD_COLOR)
            if frame is None:
                raise UnreadableVideoError(f'{file} is not a readable image')
            # MOTChallenge numbers frames from 1
            yield int(re.sub(r'\D', '', osp.splitext(osp.basename(file))[0]) or 0) - 1, frame


def is_mot_sequence(path: str) -> bool:
    """bool: Whether ``path`` is a folder with a ``seqinfo.ini``."""
    return osp.isfile(osp.join(path, 'seqinfo.ini'))


def collect_frame_sources(inputs: Sequence[str]) -> List[FrameSource]:
    """The frame sources of the inputs, in the order given (folders: sorted by name).

    Each input is a video file, a folder of video files (not recursive), a MOTChallenge sequence
    folder, or a folder of sequence folders.

    Args:
        inputs (Sequence[str]): Paths.

    Returns:
        list[FrameSource]: One per video or sequence.

    Raises:
        FileNotFoundError: An input does not exist.
        UnreadableVideoError: A video cannot be read, or a folder holds no video and no sequence
            (names the path and the kinds of input expected).
        ValueError: No input, or two sources have the same video name (names both paths).
    """
    if not inputs:
        raise ValueError(f'no input given; expected {INPUT_KINDS}')
    sources: List[FrameSource] = []
    for path in inputs:
        if osp.isfile(path):
            sources.append(VideoFileSource(path))
        elif not osp.isdir(path):
            raise FileNotFoundError(f'input not found: {path}')
        elif is_mot_sequence(path):
            sources.append(FrameFolderSource(path))
        else:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
            found = [FrameFolderSource(e.path) for e in entries
                     if e.is_dir() and is_mot_sequence(e.path)]
            found += [VideoFileSource(e.path) for e in entries
                      if e.is_file() and e.name.lower().endswith(VIDEO_EXTENSIONS)]
            if not found:
                raise UnreadableVideoError(f'{path} holds no video; expected {INPUT_KINDS}')
            sources += found
    seen = {}
    for source in sources:
        if source.name in seen:
            raise ValueError(f'{seen[source.name]} and {source.path} both give the video name '
                             f'{source.name!r}; rename one')
        seen[source.name] = source.path
    return sources
