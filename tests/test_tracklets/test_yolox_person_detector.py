"""YOLOXPersonDetector: decoding of a hand-made model's output, errors, and the real YOLOX-Nano."""
import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from mmremix.registry import PERSON_DETECTORS
from mmremix.tracklets import PersonDetections, PersonTracker, YOLOXPersonDetector


def constant_model(path, output: np.ndarray, input_hw=(32, 32)):
    """An ONNX model with YOLOX's input that returns ``output`` (plus 0 x the input's sum)."""
    zero = numpy_helper.from_array(np.zeros((), np.float32), 'zero')
    const = numpy_helper.from_array(output.astype(np.float32), 'const')
    nodes = [helper.make_node('ReduceSum', ['images'], ['total'], keepdims=0),
             helper.make_node('Mul', ['total', 'zero'], ['nothing']),
             helper.make_node('Add', ['const', 'nothing'], ['output'])]
    graph = helper.make_graph(
        nodes, 'yolox_stub',
        [helper.make_tensor_value_info('images', TensorProto.FLOAT, [1, 3, *input_hw])],
        [helper.make_tensor_value_info('output', TensorProto.FLOAT, list(output.shape))],
        [zero, const])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return str(path)


def test_decodes_boxes_scores_and_suppresses(tmp_path):
    # 32 x 32 input, strides 8 / 16 / 32: 16 + 4 + 1 = 21 anchor points, 80 classes
    out = np.zeros((1, 21, 85), np.float32)
    out[0, :, 2:4] = np.log(0.5)
    out[0, 5] = 0  # row 5: stride 8, grid x = 1, y = 1
    out[0, 5, :4] = [0.5, 0.5, np.log(2), np.log(4)]  # centre (12, 12), 16 x 32 input pixels
    out[0, 5, 4], out[0, 5, 5] = 0.9, 0.8  # person score 0.72
    out[0, 6, :4] = [-0.5, 0.5, np.log(2), np.log(4)]  # same box: suppressed (lower score)
    out[0, 6, 4], out[0, 6, 5] = 0.9, 0.5
    # stride 16, grid (1, 0): centre (24, 8), 16 x 32 input pixels
    out[0, 17, :4] = [0.5, 0.5, np.log(1), np.log(2)]
    out[0, 17, 4], out[0, 17, 5] = 0.5, 0.4  # 0.2
    out[0, 20, 4], out[0, 20, 5:] = 1.0, 0.05  # a low person score
    out[0, 20, 6] = 0.99  # ... whatever its other classes say
    model = constant_model(tmp_path / 'stub.onnx', out)
    detector = PERSON_DETECTORS.build(dict(type='YOLOXPersonDetector', model_path=model,
                                           score_thr=0.1))
    frame = np.zeros((64, 48, 3), np.uint8)  # ratio 0.5: letterboxed to 32 x 24
    boxes, scores = detector(frame)
    np.testing.assert_allclose(scores, [0.72, 0.2], rtol=1e-5)
    np.testing.assert_allclose(boxes, [[8, -8, 40, 56], [32, -16, 64, 48]], atol=1e-4)
    inputs, ratio = detector.preprocess(frame)
    assert ratio == 0.5 and inputs.shape == (1, 3, 32, 32)
    assert (inputs[0, :, :, 24:] == 114).all() and (inputs[0, :, :, :24] == 0).all()


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        YOLOXPersonDetector(str(tmp_path / 'missing.onnx'))
    model = constant_model(tmp_path / 'stub.onnx', np.zeros((1, 21, 85), np.float32))
    with pytest.raises(ValueError, match="device must be one of"):
        YOLOXPersonDetector(model, device='tpu')
    with pytest.raises(ValueError, match='20 output rows|21 output rows'):
        YOLOXPersonDetector(constant_model(tmp_path / 'bad.onnx', np.zeros((1, 20, 85))))


@pytest.mark.real_data
def test_yolox_nano_finds_and_tracks_the_walkers_of_vtest(shared_root):
    model = shared_root / 'weights' / 'yolox_nano_coco.onnx'
    if not model.is_file():
        pytest.skip(f'{model} not found')
    detector = YOLOXPersonDetector(str(model))
    capture = cv2.VideoCapture(str(shared_root / 'data' / 'raw_video' / 'vtest.avi'))
    tracker = PersonTracker(frame_rate=10.0)
    counts, tracked = [], {}
    for index in range(12):
        ok, frame = capture.read()
        assert ok
        boxes, scores = detector(frame)
        confident = boxes[scores >= 0.5]
        counts.append(len(confident))
        # upright person boxes inside the 768 x 576 frame
        heights = confident[:, 3] - confident[:, 1]
        widths = confident[:, 2] - confident[:, 0]
        assert ((widths / heights) < 1.0).all() and (heights > 30).all()
        assert (confident[:, :2] > -10).all() and (confident[:, 2] < 778).all()
        for frame_index, det, track in tracker.update(index, PersonDetections(boxes, scores)):
            tracked.setdefault(track, []).append(frame_index)
    capture.release()
    # about 8 to 10 people walk in this video; a small detector sees most of them
    assert np.median(counts) >= 4
    long_tracks = [t for t, frames in tracked.items() if len(frames) >= 10]
    assert len(long_tracks) >= 3
    # one box per track and frame; a confirmed track's first frame comes back with its second
    assert all(len(frames) == len(set(frames)) for frames in tracked.values())
    assert sum(0 in frames for frames in tracked.values()) >= 3
