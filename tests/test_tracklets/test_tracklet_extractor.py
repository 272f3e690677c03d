"""TrackletExtractor on generated videos: track count and purity, output rules, bad input."""
import csv
import json
import logging
import os

import numpy as np
import pytest

from mmremix.datasets import SingleCameraVideos
from mmremix.tracklets import (NoPersonTrackError, TrackletExtractor, UnreadableVideoError,
                               tracking_quality)
from tracklet_scene import ColourBlobDetector, render_scene, write_mot_sequence, write_video

STUB = dict(type='ColourBlobDetector', box_noise=1.5, miss_rate=0.15, seed=0)


@pytest.fixture(scope='module')
def scene():
    return render_scene()


@pytest.fixture(scope='module')
def scene_video(scene, tmp_path_factory):
    return write_video(tmp_path_factory.mktemp('video') / 'scene.avi', scene[0])


def read_crops(out_dir):
    with open(out_dir / 'crops.csv') as f:
        rows = list(csv.DictReader(f))
    crops = np.array([[float(r[k]) for k in ('frame', 'track', 'x1', 'y1', 'x2', 'y2')]
                      for r in rows]).reshape(-1, 6)
    return rows, crops


def extract(inputs, out_dir, **kwargs):
    kwargs = dict(dict(detector=STUB, progress=False, max_crops_per_track=0), **kwargs)
    return TrackletExtractor(**kwargs).run([str(i) for i in inputs], str(out_dir))


def test_noisy_detections_give_one_pure_track_per_person(scene, scene_video, tmp_path):
    summary = extract([scene_video], tmp_path / 'out')
    rows, crops = read_crops(tmp_path / 'out')
    quality = tracking_quality(crops, scene[1])
    # four persons, 15 % of their detections missed, boxes jittered by 1.5 px
    assert summary['tracks'] == quality['tracks'] == 4
    assert quality['purity'] == 1.0 and quality['id_switches'] == 0
    assert quality['recall'] >= 0.75
    assert summary['crops'] == len(rows) == quality['matched']
    assert summary['frames'] == 40 and summary['fps'] > 0
    # every crop lies in the frame, and its file shows the person (saturated colour)
    assert (crops[:, 2:4] >= 2).all() and (crops[:, 4] <= 478).all() and (crops[:, 5] <= 358).all()
    assert {r['video_name'] for r in rows} == {'scene'}
    assert float(rows[0]['score']) >= 0.5 and rows[0]['source'] == str(scene_video)


def test_tracks_keep_their_first_frame(scene, scene_video, tmp_path):
    extract([scene_video], tmp_path / 'out',
            detector=dict(type='ColourBlobDetector', miss_rate=0.0, score_range=(0.7, 0.9)))
    _, crops = read_crops(tmp_path / 'out')
    first = {int(t): crops[crops[:, 1] == t, 0].min() for t in np.unique(crops[:, 1])}
    # ByteTrack confirms a track at its second frame; the wrapper gives it back its first
    assert sorted(first.values()) == [0, 0, 8, 12]


def test_output_reads_as_single_camera_videos(scene_video, tmp_path):
    extract([scene_video], tmp_path / 'out', window_seconds=1.0)
    videos = tmp_path / 'out' / 'videos'
    by_folder = SingleCameraVideos(str(videos))
    by_ann = SingleCameraVideos(str(videos), ann_file='ann_file.txt')
    assert len(by_folder) == len(by_ann) > 0
    paths = [[d.get_data_info(i)['img_path'] for i in range(len(d))] for d in (by_folder, by_ann)]
    assert paths[0] == paths[1]
    assert all(path.startswith(str(videos)) and path.endswith('.jpg') for path in paths[0])
    assert by_folder.num_videos == by_ann.num_videos >= 2
    summary = json.loads((tmp_path / 'out' / 'summary.json').read_text())
    assert summary['videos'] == by_folder.num_videos


def test_a_track_lives_in_the_window_of_its_first_crop(scene_video, tmp_path):
    extract([scene_video], tmp_path / 'out', window_seconds=1.0)  # 10 frames a window
    rows, _ = read_crops(tmp_path / 'out')
    tracks = {}
    for row in rows:
        tracks.setdefault(int(row['track']), []).append(row)
    windows = set()
    for track_rows in tracks.values():
        names = {r['video_name'] for r in track_rows}
        assert len(names) == 1  # no track spans two output videos
        first = min(float(r['time_s']) for r in track_rows)
        assert names == {f'scene_w{int(first // 1.0):04d}'}
        windows |= names
        assert all((tmp_path / 'out' / 'videos' / r['img_path']).is_file() for r in track_rows)
    assert len(windows) >= 2


def test_track_length_and_crops_per_track(scene_video, tmp_path):
    extract([scene_video], tmp_path / 'all')
    _, all_crops = read_crops(tmp_path / 'all')
    lengths = {t: (all_crops[:, 1] == t).sum() for t in np.unique(all_crops[:, 1])}
    shortest = min(lengths.values())

    extract([scene_video], tmp_path / 'few', max_crops_per_track=5,
            min_track_crops=shortest + 1)
    _, crops = read_crops(tmp_path / 'few')
    kept = set(np.unique(crops[:, 1]).tolist())
    assert kept == {t for t, n in lengths.items() if n > shortest}
    for t in kept:
        frames = np.sort(crops[crops[:, 1] == t, 0])
        full = np.sort(all_crops[all_crops[:, 1] == t, 0])
        assert len(frames) == 5  # evenly spaced, first and last kept
        assert frames[0] == full[0] and frames[-1] == full[-1]
    assert len(os.listdir(tmp_path / 'few' / 'videos' / 'scene')) == 5 * len(kept)


def test_frame_stride(scene_video, tmp_path):
    summary = extract([scene_video], tmp_path / 'out', frame_stride=3)
    _, crops = read_crops(tmp_path / 'out')
    assert summary['frames'] == 14
    assert len(crops) and (crops[:, 0] % 3 == 0).all()


def test_mot_sequence_folder(scene, tmp_path):
    seq = write_mot_sequence(tmp_path / 'mot', scene[0], scene[1])
    summary = extract([tmp_path / 'mot'], tmp_path / 'out')  # a folder of sequences
    rows, crops = read_crops(tmp_path / 'out')
    assert summary['sources'][0]['path'] == str(seq) and rows[0]['video_name'] == 'SCENE-01'
    quality = tracking_quality(crops, scene[1])
    assert quality['tracks'] == 4 and quality['purity'] == 1.0


def test_folder_of_videos_one_without_person(scene, scene_video, tmp_path, log_records):
    folder = tmp_path / 'videos'
    folder.mkdir()
    os.symlink(scene_video, folder / 'a_scene.avi')
    write_video(folder / 'b_empty.avi', [np.full((120, 160, 3), 128, np.uint8)] * 5)
    (folder / 'notes.txt').write_text('not a video')
    summary = extract([folder], tmp_path / 'out')
    assert [s['video_name'] for s in summary['sources']] == ['a_scene', 'b_empty']
    assert summary['sources'][1]['tracks'] == 0
    assert any('b_empty.avi' in r.getMessage() and r.levelno == logging.WARNING
               for r in log_records)


def test_unreadable_or_missing_input_is_named(tmp_path):
    bad = tmp_path / 'clip.mp4'
    bad.write_text('these bytes are not a video')
    with pytest.raises(UnreadableVideoError, match='clip.mp4 is not a readable video'):
        extract([bad], tmp_path / 'out')
    with pytest.raises(FileNotFoundError, match='nowhere.avi'):
        extract([tmp_path / 'nowhere.avi'], tmp_path / 'out')
    (tmp_path / 'empty_folder').mkdir()
    with pytest.raises(UnreadableVideoError, match='empty_folder holds no video'):
        extract([tmp_path / 'empty_folder'], tmp_path / 'out')
    assert not (tmp_path / 'out').exists()


def test_video_without_person_writes_nothing(tmp_path):
    blank = write_video(tmp_path / 'blank.avi', [np.full((120, 160, 3), 128, np.uint8)] * 5)
    with pytest.raises(NoPersonTrackError, match='blank.avi'):
        extract([blank], tmp_path / 'out')
    assert os.listdir(tmp_path) == ['blank.avi']  # no output, no temporary folder


def test_output_folder_with_data_is_refused(scene_video, tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'keep.txt').write_text('user data')
    with pytest.raises(FileExistsError, match=f'{out} already exists and is not an empty folder'):
        extract([scene_video], out)
    assert os.listdir(out) == ['keep.txt']
    (tmp_path / 'empty').mkdir()
    assert extract([scene_video], tmp_path / 'empty')['tracks'] == 4  # an empty folder is fine


def test_interrupted_run_leaves_no_dataset(scene_video, tmp_path):
    stub = ColourBlobDetector(seed=0)

    def detector(frame, calls=[0]):
        calls[0] += 1
        if calls[0] == 25:
            raise KeyboardInterrupt
        return stub(frame)

    with pytest.raises(KeyboardInterrupt):
        extract([scene_video], tmp_path / 'out', detector=detector)
    assert os.listdir(tmp_path) == []


def test_bad_settings_are_refused_before_work():
    with pytest.raises(ValueError, match='frame_stride'):
        TrackletExtractor(STUB, frame_stride=0)
    with pytest.raises(ValueError, match='aspect_ratio'):
        TrackletExtractor(STUB, crop_filter=dict(aspect_ratio=(0.8, 0.2)))
    with pytest.raises(ValueError, match='minimum_consecutive_frames'):
        TrackletExtractor(STUB, tracker=dict(minimum_consecutive_frames=0))
