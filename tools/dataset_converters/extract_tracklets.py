"""Turn raw footage into unlabeled single-camera person tracks that ReMix trains on.

Detects persons (YOLOX through onnxruntime by default), tracks them with ByteTrack, filters the
boxes and writes ``OUT_DIR/videos/<video>/<track>_<frame>.jpg``, ``OUT_DIR/videos/ann_file.txt``,
``OUT_DIR/crops.csv`` (source, frame, track, box, score of every crop) and ``OUT_DIR/summary.json``.
Use the result as ``dict(type='SingleCameraVideos', data_root='OUT_DIR/videos')``. See
docs/tracklets.md for every option and what it was measured to give.

Examples:
    python tools/dataset_converters/extract_tracklets.py footage/ --out-dir data/my_videos
    python tools/dataset_converters/extract_tracklets.py cam1.mp4 cam2.mp4 --out-dir data/cams \\
        --frame-stride 5 --window-seconds 600 --device cuda
    python tools/dataset_converters/extract_tracklets.py MOT17/train --out-dir data/mot17_tracks
"""
import argparse
import sys

from mmengine.config import Config

from mmremix.tracklets import NoPersonTrackError, TrackletExtractor, UnreadableVideoError

DEFAULT_MODEL = '../shared/weights/yolox_nano_coco.onnx'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Extract single-camera person tracks from videos (mmremix)',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('inputs', nargs='+', metavar='INPUT',
                        help='video files, folders of videos, MOTChallenge sequence folders '
                        '(img1/ + seqinfo.ini) or folders of sequences')
    parser.add_argument('--out-dir', required=True,
                        help='new dataset folder (refused if it holds anything)')
    det = parser.add_argument_group('detector')
    det.add_argument('--detector-model', default=DEFAULT_MODEL,
                     help='YOLOX ONNX model (input 1x3xHxW BGR, raw head output)')
    det.add_argument('--device', default='cpu', choices=['cpu', 'cuda'],
                     help='onnxruntime provider (cuda needs onnxruntime-gpu)')
    det.add_argument('--threads', type=int, default=1, help='onnxruntime intra-op threads')
    det.add_argument('--det-score-thr', type=float, default=0.1,
                     help='smallest detection score passed to the tracker')
    det.add_argument('--detector-config', default=None,
                     help='a Python config whose `detector` dict (and optional custom_imports) '
                     'replaces the YOLOX detector, e.g. another registered PERSON_DETECTORS type')
    trk = parser.add_argument_group('tracker (ByteTrack)')
    trk.add_argument('--track-activation-thr', type=float, default=0.6,
                     help='smallest score that starts a track')
    trk.add_argument('--high-score-thr', type=float, default=0.5,
                     help='scores at or above take part in the first association')
    trk.add_argument('--min-iou', type=float, default=0.1,
                     help='smallest IoU of a track-detection match (0.5: fewer identity switches, '
                     'more fragments; see docs/tracklets.md)')
    trk.add_argument('--lost-track-buffer', type=int, default=30,
                     help='frames (at 30 fps) a lost track waits for a match')
    flt = parser.add_argument_group('crop filters (docs/tracklets.md)')
    flt.add_argument('--min-score', type=float, default=0.5, help='smallest score of a crop')
    flt.add_argument('--min-height', type=float, default=64, help='smallest box height, pixels')
    flt.add_argument('--aspect-ratio', type=float, nargs=2, default=[0.2, 0.8],
                     metavar=('LOW', 'HIGH'), help='allowed box width / height')
    flt.add_argument('--border-margin', type=float, default=2,
                     help='boxes this close to the frame border are cut by it and dropped '
                     '(negative: keep them)')
    flt.add_argument('--min-sharpness', type=float, default=0,
                     help='smallest variance of the Laplacian at 128 px height (blur filter)')
    out = parser.add_argument_group('tracks and output videos')
    out.add_argument('--frame-stride', type=int, default=1, help='process every N-th frame')
    out.add_argument('--min-track-crops', type=int, default=4, help='shortest kept track, crops')
    out.add_argument('--max-crops-per-track', type=int, default=20,
                     help='crops kept per track, evenly spaced in time (0: all)')
    out.add_argument('--window-seconds', type=float, default=0,
                     help='output video length: a track goes to the window of its first crop '
                     '(0: one output video per input)')
    out.add_argument('--jpeg-quality', type=int, default=95)
    out.add_argument('--no-progress', action='store_true', help='no progress bar')
    return parser.parse_args(argv)


def build_extractor(args: argparse.Namespace) -> TrackletExtractor:
    if args.detector_config:
        detector = Config.fromfile(args.detector_config).detector.to_dict()
    else:
        detector = dict(type='YOLOXPersonDetector', model_path=args.detector_model,
                        score_thr=args.det_score_thr, device=args.device,
                        num_threads=args.threads)
    return TrackletExtractor(
        detector=detector,
        tracker=dict(track_activation_threshold=args.track_activation_thr,
                     high_conf_det_threshold=args.high_score_thr,
                     minimum_iou_threshold=args.min_iou,
                     lost_track_buffer=args.lost_track_buffer),
        crop_filter=dict(min_score=args.min_score, min_height=args.min_height,
                         aspect_ratio=tuple(args.aspect_ratio),
                         border_margin=None if args.border_margin < 0 else args.border_margin,
                         min_sharpness=args.min_sharpness),
        frame_stride=args.frame_stride,
        min_track_crops=args.min_track_crops,
        max_crops_per_track=args.max_crops_per_track,
        window_seconds=args.window_seconds,
        jpeg_quality=args.jpeg_quality,
        progress=not args.no_progress)


def main(argv=None) -> dict:
    args = parse_args(argv)
    try:
        summary = build_extractor(args).run(args.inputs, args.out_dir)
    except (FileNotFoundError, FileExistsError, UnreadableVideoError, NoPersonTrackError,
            ValueError) as error:
        sys.exit(f'error: {error}')
    print(f'{"video":<28} {"frames":>7} {"tracks":>7} {"crops":>7} {"seconds":>8}')
    for source in summary['sources']:
        print(f'{source["video_name"]:<28} {source["frames"]:>7} {source["tracks"]:>7} '
              f'{source["crops"]:>7} {source["seconds"]:>8.1f}')
    print(f'{summary["tracks"]} tracks, {summary["crops"]} crops in {summary["videos"]} output '
          f'videos written to {args.out_dir}')
    print(f'{summary["frames"]} frames in {summary["seconds"]:.1f} s: '
          f'{summary["fps"]:.1f} frames/s')
    return summary


if __name__ == '__main__':
    main()
