"""Tracklet extraction on the raw videos of ../shared/data: quality against MOT17 ground truth,
tracks and crops of vtest.avi, throughput, and a contact sheet of a few vtest tracks.

Prints three tables (Markdown):

1. MOT17-mini, per sequence and overall: recall of the ground-truth pedestrian boxes, track
   purity and identity switches of the output crops (``mmremix.tracklets.tracking_quality``), at
   the default settings, with every crop filter off (what the detector and tracker give), and
   with lower tracker thresholds (start a track at score 0.4, first association from 0.3, crops
   from 0.3).
2. vtest.avi at the default settings and with ``minimum_iou_threshold=0.5``: tracks, crops,
   seconds, frames/s, the sharpness (variance of the Laplacian) percentiles of the crops (for
   choosing ``min_sharpness``) and a contact sheet of the six longest tracks of each.
3. Throughput (frames/s) at the default settings, frame stride 1, 2 and 5.

Usage:
    OMP_NUM_THREADS=1 python benchmarks/bench_tracklet_extraction.py \
        [--shared ../shared] [--sheet docs/images/tracklets_vtest.png]
"""
import argparse
import csv
import os.path as osp
import tempfile

import cv2
import numpy as np

from mmremix.tracklets import (TrackletExtractor, read_mot_ground_truth, sharpness,
                               tracking_quality)

FILTERS_OFF = dict(min_score=0, min_height=0, aspect_ratio=None, border_margin=None)
LOW_THRESHOLDS = dict(track_activation_threshold=0.4, high_conf_det_threshold=0.3)


def extract(model, inputs, out_dir, **kwargs):
    detector = dict(type='YOLOXPersonDetector', model_path=model)
    return TrackletExtractor(detector, progress=False, **kwargs).run(inputs, out_dir)


def read_rows(out_dir):
    with open(osp.join(out_dir, 'crops.csv')) as f:
        return list(csv.DictReader(f))


def crop_array(rows):
    return np.array([[float(r[k]) for k in ('frame', 'track', 'x1', 'y1', 'x2', 'y2')]
                     for r in rows]).reshape(-1, 6)


def mot_quality(model, mot_root, tmp):
    print('| sequence | settings | GT boxes | crops | tracks | recall | purity | ID switches |')
    print('|---|---|---|---|---|---|---|---|')
    for i, (label, kwargs) in enumerate((
            ('default', {}),
            ('filters off', dict(crop_filter=FILTERS_OFF, min_track_crops=1,
                                 max_crops_per_track=0)),
            ('low thresholds', dict(tracker=LOW_THRESHOLDS, crop_filter=dict(min_score=0.3))))):
        out = osp.join(tmp, f'mot_{i}')
        extract(model, [mot_root], out, **kwargs)
        rows = read_rows(out)
        totals = dict(gt_boxes=0, matched=0, crops=0, tracks=0, majority=0.0, id_switches=0)
        for seq in sorted({r['video_name'] for r in rows} | set(_sequences(mot_root))):
            crops = crop_array([r for r in rows if r['video_name'] == seq])
            gt = read_mot_ground_truth(osp.join(mot_root, seq, 'gt', 'gt.txt'))
            q = tracking_quality(crops, gt)
            print(f'| {seq} | {label} | {q["gt_boxes"]} | {q["crops"]} | {q["tracks"]} | '
                  f'{q["recall"]:.3f} | {q["purity"]:.3f} | {q["id_switches"]} |')
            for key in ('gt_boxes', 'matched', 'crops', 'tracks', 'id_switches'):
                totals[key] += q[key]
            totals['majority'] += q['purity'] * q['crops']
        print(f'| **all** | {label} | {totals["gt_boxes"]} | {totals["crops"]} | '
              f'{totals["tracks"]} | {totals["matched"] / totals["gt_boxes"]:.3f} | '
              f'{totals["majority"] / max(totals["crops"], 1):.3f} | {totals["id_switches"]} |')


def _sequences(mot_root):
    import os
    return [name for name in os.listdir(mot_root) if osp.isdir(osp.join(mot_root, name, 'img1'))]


def vtest(model, video, tmp, sheet):
    print('| video | settings | frames | tracks | crops | seconds | frames/s | '
          'sharpness p5 / p50 / p95 |')
    print('|---|---|---|---|---|---|---|---|')
    for i, (label, kwargs) in enumerate((
            ('default', {}), ('min IoU 0.5', dict(tracker=dict(minimum_iou_threshold=0.5))))):
        out = osp.join(tmp, f'vtest_{i}')
        summary = extract(model, [video], out, **kwargs)
        rows = read_rows(out)
        values = [sharpness(cv2.imread(osp.join(out, 'videos', r['img_path']))) for r in rows]
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        print(f'| vtest.avi | {label} | {summary["frames"]} | {summary["tracks"]} | '
              f'{summary["crops"]} | {summary["seconds"]:.1f} | {summary["fps"]:.1f} | '
              f'{p5:.0f} / {p50:.0f} / {p95:.0f} |')
        if sheet:
            path = sheet if not i else sheet.replace('.png', '_min_iou_0.5.png')
            contact_sheet(out, rows, path)
            print(f'contact sheet: {path}')


def contact_sheet(out, rows, path, num_tracks=6, per_track=7, crop_hw=(80, 40)):
    """The ``per_track`` evenly spaced crops of the ``num_tracks`` longest tracks, one row each."""
    tracks = {}
    for row in rows:
        tracks.setdefault(int(row['track']), []).append(row)
    longest = sorted(tracks.values(), key=len, reverse=True)[:num_tracks]
    label_w = 40
    sheet = np.full((len(longest) * (crop_hw[0] + 4) + 4,
                     label_w + per_track * (crop_hw[1] + 4) + 4, 3), 255, np.uint8)
    for i, track_rows in enumerate(sorted(longest, key=lambda rs: int(rs[0]['track']))):
        track_rows = sorted(track_rows, key=lambda r: int(r['frame']))
        picks = np.unique(np.linspace(0, len(track_rows) - 1, per_track).round().astype(int))
        y = 4 + i * (crop_hw[0] + 4)
        cv2.putText(sheet, f't{int(track_rows[0]["track"])}', (4, y + crop_hw[0] // 2),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        for j, k in enumerate(picks):
            crop = cv2.imread(osp.join(out, 'videos', track_rows[k]['img_path']))
            x = label_w + 4 + j * (crop_hw[1] + 4)
            sheet[y:y + crop_hw[0], x:x + crop_hw[1]] = cv2.resize(crop, crop_hw[::-1])
    cv2.imwrite(path, sheet, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def throughput(model, video, tmp):
    print('| settings | frames | seconds | frames/s |')
    print('|---|---|---|---|')
    for stride in (1, 2, 5):
        summary = extract(model, [video], osp.join(tmp, f'tp_{stride}'), frame_stride=stride)
        print(f'| default, frame stride {stride} | {summary["frames"]} | '
              f'{summary["seconds"]:.1f} | {summary["fps"]:.1f} |')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--shared', default=osp.join(osp.dirname(__file__), '..', '..', 'shared'))
    parser.add_argument('--sheet', default=None, help='write the vtest contact sheet here (PNG)')
    args = parser.parse_args()
    model = osp.join(args.shared, 'weights', 'yolox_nano_coco.onnx')
    raw = osp.join(args.shared, 'data', 'raw_video')
    with tempfile.TemporaryDirectory() as tmp:
        mot_quality(model, osp.join(raw, 'MOT17-mini', 'train'), tmp)
        print()
        vtest(model, osp.join(raw, 'vtest.avi'), tmp, args.sheet)
        print()
        throughput(model, osp.join(raw, 'vtest.avi'), tmp)


if __name__ == '__main__':
    main()
