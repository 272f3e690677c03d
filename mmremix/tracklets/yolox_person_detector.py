"""YOLOX person detector exported to ONNX, run with onnxruntime."""
import os.path as osp
from typing import Sequence, Tuple

import cv2
import numpy as np

from mmremix.registry import PERSON_DETECTORS
from .person_detections import PersonDetections

PROVIDERS = {'cpu': 'CPUExecutionProvider', 'cuda': 'CUDAExecutionProvider'}


@PERSON_DETECTORS.register_module()
class YOLOXPersonDetector:
    """Person boxes from a YOLOX ONNX model (COCO class 0) through onnxruntime.

    The model is the one YOLOX's ``export_onnx.py`` writes without ``--decode_in_inference``:
    input (1, 3, H, W) float32 BGR 0-255, letterboxed top-left with value 114, no normalisation;
    output (1, A, 5 + C): per anchor point of strides 8, 16, 32 (row-major over each stride's grid)
    the box ``(cx, cy, log w, log h)`` in grid units, the objectness and C class scores (both after
    the sigmoid). This class decodes the boxes, scores a person as objectness x class-0 score, and
    keeps the boxes of score >= ``score_thr`` after non-maximum suppression (OpenCV's ``NMSBoxes``).
    Source: YOLOX (Ge et al., arXiv 2107.08430) for the output format; the thresholds are design
    choices of mmremix (low, because ByteTrack associates low-score boxes too).

    Args:
        model_path (str): The ``.onnx`` file (e.g. ``../shared/weights/yolox_nano_coco.onnx``).
        score_thr (float): Smallest person score kept, in [0, 1]. Defaults to 0.1.
        nms_iou_thr (float): IoU above which the lower-score box is suppressed. Defaults to 0.45.
        device (str): ``'cpu'`` (``CPUExecutionProvider``) or ``'cuda'``
            (``CUDAExecutionProvider``, from the ``onnxruntime-gpu`` package). Defaults to
            ``'cpu'``.
        num_threads (int): onnxruntime intra-op threads (0: onnxruntime's choice). Defaults to 1,
            so that a shared machine keeps its other cores.
        person_class (int): Class index of a person. Defaults to 0 (COCO).
        strides (Sequence[int]): The head's strides. Defaults to (8, 16, 32).

    Raises:
        FileNotFoundError: ``model_path`` does not exist.
        ValueError: ``device`` is unknown, its provider is not in this onnxruntime build (names the
            available ones), the model's input is not (1, 3, H, W) with static H, W, or its output
            rows do not match the strides.

    Example:
        >>> model = '../shared/weights/yolox_nano_coco.onnx'
        >>> detector = YOLOXPersonDetector(model)  # doctest: +SKIP
        >>> boxes, scores = detector(cv2.imread('frame.jpg'))  # doctest: +SKIP
    """

    def __init__(self,
                 model_path: str,
                 score_thr: float = 0.1,
                 nms_iou_thr: float = 0.45,
                 device: str = 'cpu',
                 num_threads: int = 1,
                 person_class: int = 0,
                 strides: Sequence[int] = (8, 16, 32)) -> None:
        import onnxruntime as ort
        if not osp.isfile(model_path):
            raise FileNotFoundError(f'ONNX detector model not found: {model_path}')
        if device not in PROVIDERS:
            raise ValueError(f'device must be one of {sorted(PROVIDERS)}, got {device!r}')
        provider = PROVIDERS[device]
        if provider not in ort.get_available_providers():
            raise ValueError(f'device={device!r} needs onnxruntime\'s {provider}, which this '
                             f'install lacks (available: {ort.get_available_providers()}); for '
                             'CUDA install onnxruntime-gpu instead of onnxruntime')
        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(model_path, options, providers=[provider])
        model_input = self.session.get_inputs()[0]
        shape = model_input.shape
        if len(shape) != 4 or not all(isinstance(d, int) for d in shape[2:]) or shape[1] != 3:
            raise ValueError(f'{model_path}: expected an input of shape (1, 3, H, W) with fixed '
                             f'H and W, got {shape}')
        self.input_name, self.input_hw = model_input.name, (shape[2], shape[3])
        self.score_thr, self.nms_iou_thr = score_thr, nms_iou_thr
        self.person_class = person_class
        self.grid, self.stride_of_row = self._anchor_points(self.input_hw, strides)
        rows = self.session.get_outputs()[0].shape[1]
        if isinstance(rows, int) and rows != len(self.grid):
            raise ValueError(f'{model_path}: {rows} output rows, but strides {tuple(strides)} at '
                             f'{self.input_hw} give {len(self.grid)}')

    @staticmethod
    def _anchor_points(input_hw: Tuple[int, int],
                       strides: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
        grids, row_strides = [], []
        for stride in strides:
            h, w = input_hw[0] // stride, input_hw[1] // stride
            ys, xs = np.mgrid[:h, :w]
            grids.append(np.stack([xs.ravel(), ys.ravel()], 1))
            row_strides.append(np.full(h * w, stride))
        return (np.concatenate(grids).astype(np.float32),
                np.concatenate(row_strides).astype(np.float32)[:, None])

    def preprocess(self, frame: np.ndarray) -> Tuple[np.ndarray, float]:
        """Letterbox a BGR frame into the model input.

        Args:
            frame (np.ndarray): (H, W, 3) uint8 BGR.

        Returns:
            tuple[np.ndarray, float]: (1, 3, h, w) float32 input and the resize ratio (input
            pixels per frame pixel).
        """
        ratio = min(self.input_hw[0] / frame.shape[0], self.input_hw[1] / frame.shape[1])
        size = (max(1, round(frame.shape[1] * ratio)), max(1, round(frame.shape[0] * ratio)))
        canvas = np.full((*self.input_hw, 3), 114, np.uint8)
        canvas[:size[1], :size[0]] = cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)
        return canvas.transpose(2, 0, 1)[None].astype(np.float32), ratio

    def __call__(self, frame: np.ndarray) -> PersonDetections:
        """Detect the persons of one frame.

        Args:
            frame (np.ndarray): (H, W, 3) uint8 BGR.

        Returns:
            PersonDetections: boxes in frame pixels, scores in [0, 1], best first.
        """
        inputs, ratio = self.preprocess(frame)
        out = self.session.run(None, {self.input_name: inputs})[0][0]
        scores = out[:, 4] * out[:, 5 + self.person_class]
        keep = scores >= self.score_thr
        if not keep.any():
            return PersonDetections.empty()
        out, scores = out[keep], scores[keep]
        stride = self.stride_of_row[keep]
        centers = (out[:, :2] + self.grid[keep]) * stride
        sizes = np.exp(out[:, 2:4]) * stride
        boxes = np.concatenate([centers - sizes / 2, centers + sizes / 2], 1) / ratio
        xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], 1)
        kept = np.asarray(
            cv2.dnn.NMSBoxes(xywh.tolist(), scores.tolist(), self.score_thr, self.nms_iou_thr),
            np.int64).reshape(-1)
        kept = kept[np.argsort(-scores[kept], kind='stable')]
        return PersonDetections(boxes[kept].astype(np.float32), scores[kept].astype(np.float32))
