"""The domain-generalization targets: layouts, seeded split files, split counts and roles."""
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat

from mmremix.datasets import (CAVIAR4REID, CUHK01, CUHK02, CUHKSYSU, GRID, PRID2011, VIPeR,
                              iLIDS)


def touch(folder: Path, names):
    """Empty files: loading reads names only, never pixels."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).touch()


def roles_of(ds):
    return {Path(ds.get_data_info(i)['img_path']).relative_to(ds.data_root).as_posix():
            ds.get_data_info(i)['split_roles'] for i in range(len(ds))}


def person(path):
    """The person number of a VIPeR or GRID file name."""
    return Path(path).name.split('_')[0]


def split_sets(ds, split_id):
    """(train, query, gallery) relative paths of one split of the dataset's split file."""
    content = json.loads(Path(ds.metainfo['split_file']).read_text())
    return tuple(set(content['splits'][split_id][part]) for part in ('train', 'query', 'gallery'))


@pytest.fixture
def viper_root(tmp_path):
    for cam in ('cam_a', 'cam_b'):
        touch(tmp_path / 'viper' / 'VIPeR' / cam, [f'{i:03d}_{i * 7 % 180}.bmp' for i in range(10)])
    return tmp_path / 'viper'


def test_viper_split_counts_reverse_and_disjoint(viper_root, tmp_path):
    ds = VIPeR(str(viper_root), num_test_pids=4, split_ids=range(20), split_dir=str(tmp_path / 's'))
    # the data folder is writable: the split file lies beside the data
    assert Path(ds.metainfo['split_file']).parent == viper_root
    content = json.loads(Path(ds.metainfo['split_file']).read_text())
    assert len(content['splits']) == 20 and content['params'] == dict(num_test_pids=4, seed=0)
    for k in range(10):
        train, query, gallery = split_sets(ds, k)
        assert len(train) == 12 and len(query) == 4 and len(gallery) == 4
        assert all(p.startswith('VIPeR/cam_a/') for p in query)
        assert all(p.startswith('VIPeR/cam_b/') for p in gallery)
        # the i-th images of cam_a and cam_b are one person: query and gallery pair up by index
        assert sorted(map(person, query)) == sorted(map(person, gallery))
        assert not set(map(person, train)) & set(map(person, query))
        # split k + 10 is split k with the directions swapped
        assert split_sets(ds, k + 10) == (train, gallery, query)
    roles = roles_of(ds)
    # every test image of the 20 splits once, with a role in each split
    assert len(ds) == len(roles) and all(len(r) == 20 for r in roles.values())
    pids = {ds.get_data_info(i)['pid'] for i in range(len(ds))}
    assert pids <= set(range(1, 11))


def test_split_file_is_read_back_and_seeded(viper_root, tmp_path):
    first = VIPeR(str(viper_root), num_test_pids=4, split_ids=[0])
    path = Path(first.metainfo['split_file'])
    text = path.read_text()
    again = VIPeR(str(viper_root), num_test_pids=4, split_ids=[0])
    assert Path(again.metainfo['split_file']).read_text() == text
    # the file wins over the generator: an edited file is what the next run reads
    content = json.loads(text)
    content['splits'][0] = dict(train=['VIPeR/cam_a/000_0.bmp', 'VIPeR/cam_b/000_0.bmp'],
                                query=['VIPeR/cam_a/001_7.bmp', 'VIPeR/cam_b/002_14.bmp'],
                                gallery=['VIPeR/cam_b/001_7.bmp', 'VIPeR/cam_a/002_14.bmp'])
    path.write_text(json.dumps(content))
    edited = VIPeR(str(viper_root), num_test_pids=4, split_ids=[0])
    assert roles_of(edited) == {'VIPeR/cam_a/001_7.bmp': [0], 'VIPeR/cam_b/002_14.bmp': [0],
                                'VIPeR/cam_b/001_7.bmp': [1], 'VIPeR/cam_a/002_14.bmp': [1]}
    train = VIPeR(str(viper_root), split='train', num_test_pids=4, split_ids=[0])
    assert len(train) == 2 and train.num_pids == 1 and train.num_cams == 2
    other_seed = VIPeR(str(viper_root), num_test_pids=4, seed=1, split_ids=[0])
    assert other_seed.metainfo['split_file'] != str(path)
    assert split_sets(other_seed, 0) != split_sets(first, 0) or \
        split_sets(other_seed, 1) != split_sets(first, 1)


def test_user_split_file_and_bad_files(viper_root, tmp_path):
    user = tmp_path / 'my_splits.json'
    user.write_text(json.dumps(dict(splits=[dict(
        train=[], query=['VIPeR/cam_a/003_21.bmp'], gallery=['VIPeR/cam_b/003_21.bmp'])])))
    ds = VIPeR(str(viper_root), split_file=str(user), split_ids=[0])
    assert roles_of(ds) == {'VIPeR/cam_a/003_21.bmp': [0], 'VIPeR/cam_b/003_21.bmp': [1]}
    with pytest.raises(ValueError, match=r'split id\(s\) \[1\] are not in .*my_splits.json'):
        VIPeR(str(viper_root), split_file=str(user), split_ids=[0, 1])
    user.write_text(json.dumps(dict(splits=[dict(
        train=['VIPeR/cam_b/003_21.bmp'], query=['VIPeR/cam_a/003_21.bmp'],
        gallery=['VIPeR/cam_b/004_28.bmp'])])))
    with pytest.raises(ValueError, match='my_splits.json, split 0: train and test persons'):
        VIPeR(str(viper_root), split_file=str(user))
    user.write_text(json.dumps(dict(splits=[dict(
        train=[], query=['VIPeR/cam_a/nope.bmp'], gallery=['VIPeR/cam_b/003_21.bmp'])])))
    with pytest.raises(ValueError, match="not in .*'VIPeR/cam_a/nope.bmp'"):
        VIPeR(str(viper_root), split_file=str(user))
    with pytest.raises(FileNotFoundError, match='missing.json'):
        VIPeR(str(viper_root), split_file=str(tmp_path / 'missing.json'))


def test_read_only_data_root_writes_to_split_dir(viper_root, tmp_path):
    os.chmod(viper_root, stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    try:
        ds = VIPeR(str(viper_root), num_test_pids=4, split_dir=str(tmp_path / 'cache'))
        split_file = Path(ds.metainfo['split_file'])
        assert split_file.is_file() and split_file.parents[1] == tmp_path / 'cache'
        assert not list(viper_root.glob('*.json'))
        # read back from the cache by the next run
        again = VIPeR(str(viper_root), num_test_pids=4, split_dir=str(tmp_path / 'cache'))
        assert again.metainfo['split_file'] == str(split_file)
    finally:
        os.chmod(viper_root, stat.S_IRWXU)


def test_viper_layout_errors(viper_root, tmp_path):
    (viper_root / 'VIPeR' / 'cam_b' / '000_0.bmp').unlink()
    with pytest.raises(ValueError, match=r'cam_a holds 10 images and .*cam_b 9.*Expected layout'):
        VIPeR(str(viper_root))
    with pytest.raises(FileNotFoundError, match=r'VIPeR/cam_a.*Expected layout'):
        VIPeR(str(tmp_path / 'elsewhere'))
    (viper_root / 'VIPeR' / 'cam_b' / '000_0.bmp').touch()
    with pytest.raises(ValueError, match='num_test_pids=316 but only 10 persons'):
        VIPeR(str(viper_root))


def grid_names(pids, first_frame):
    return [f'{pid:04d}_{1 + i % 8}_{first_frame + i}_1_2_3_4.jpeg' for i, pid in enumerate(pids)]


@pytest.fixture
def grid_root(tmp_path):
    root = tmp_path / 'grid'
    touch(root / 'underground_reid' / 'probe', grid_names(range(1, 7), 100))
    touch(root / 'underground_reid' / 'gallery', grid_names(list(range(1, 7)) + [0] * 4, 200))
    return root


def test_grid_distractors_in_every_gallery(grid_root):
    ds = GRID(str(grid_root), num_test_pids=3)
    distractors = {p for p in roles_of(ds) if Path(p).name.startswith('0000_')}
    assert len(distractors) == 4
    for k in range(10):
        train, query, gallery = split_sets(ds, k)
        assert len(query) == 3 and len(gallery) == 3 + 4 and len(train) == 6
        assert distractors <= gallery
        assert {Path(p).name[:4] for p in query} == {Path(p).name[:4] for p in gallery} - {'0000'}
        assert not {Path(p).name[:4] for p in train} & {Path(p).name[:4] for p in gallery}


def test_grid_official_partitions(grid_root):
    # a cell array of structs like the official file: the third field holds the training persons
    record = np.zeros((1, 1), dtype=[('a', 'O'), ('b', 'O'), ('trainIdx', 'O')])
    cells = np.empty((1, 10), dtype=object)
    for k in range(10):
        entry = record.copy()
        entry[0, 0]['trainIdx'] = np.array([[1 + k % 4, 2 + k % 4, 3 + k % 4]], dtype=float)
        cells[0, k] = entry
    savemat(str(grid_root / 'underground_reid' / 'features_and_partitions.mat'),
            dict(trainIdxAll=cells))
    ds = GRID(str(grid_root))
    assert 'partitionsofficial' in ds.metainfo['split_file']
    train, query, gallery = split_sets(ds, 1)
    assert {Path(p).name[:4] for p in train} == {'0002', '0003', '0004'}
    assert {Path(p).name[:4] for p in query} == {'0001', '0005', '0006'}
    assert len(gallery) == 3 + 4


def test_grid_layout_error(grid_root):
    (grid_root / 'underground_reid' / 'probe' / grid_names([1], 100)[0]).unlink()
    with pytest.raises(ValueError, match=r'probe and .*gallery: every person must have exactly'):
        GRID(str(grid_root), num_test_pids=3)


def test_prid2011_gallery_keeps_cam_b_only_persons(tmp_path):
    root = tmp_path / 'prid'
    cams = root / 'prid_2011' / 'single_shot'
    touch(cams / 'cam_a', [f'person_{i:04d}.png' for i in range(1, 386)])
    touch(cams / 'cam_b', [f'person_{i:04d}.png' for i in range(1, 750)])
    ds = PRID2011(str(root))
    # cam_a persons 201-385 are in no split and never listed
    assert max(int(p[-8:-4]) for p in roles_of(ds) if '/cam_a/' in p) <= 200
    for k in range(10):
        train, query, gallery = split_sets(ds, k)
        assert len(query) == 100 and len(gallery) == 100 + 549 and len(train) == 200
        assert {f'cam_b/person_{i:04d}.png' for i in range(201, 750)} <= \
            {p[len('prid_2011/single_shot/'):] for p in gallery}
        test_pids = {p[-8:-4] for p in query}
        assert all(int(pid) <= 200 for pid in test_pids)
        assert not test_pids & {p[-8:-4] for p in train}
    (cams / 'cam_b' / 'person_0017.png').unlink()
    with pytest.raises(ValueError, match=r'cam_b lacks person\(s\) \[17\].*Expected layout'):
        PRID2011(str(root), split_file=ds.metainfo['split_file'])


def test_ilids_one_query_and_one_gallery_image_per_person(tmp_path):
    root = tmp_path / 'ilids'
    touch(root / 'i-LIDS_Pedestrian' / 'Persons',
          [f'{pid:04d}{img:03d}.jpg' for pid in range(1, 9) for img in range(1, 2 + pid % 3 + 1)])
    ds = iLIDS(str(root), num_test_pids=4)
    for k in range(10):
        train, query, gallery = split_sets(ds, k)
        assert len(query) == len(gallery) == 4
        assert sorted(p[-11:-7] for p in query) == sorted(p[-11:-7] for p in gallery)
        assert not query & gallery
        assert not {p[-11:-7] for p in train} & {p[-11:-7] for p in query}
        assert len({p[-11:-7] for p in train}) == 4
    assert ds.num_cams == 1
    (root / 'i-LIDS_Pedestrian' / 'Persons' / '0003001.jpg').unlink()
    with pytest.raises(ValueError, match=r'person\(s\) \[3\] have fewer than 2 images'):
        iLIDS(str(root), num_test_pids=4, split_dir=str(tmp_path / 'cache'))


def test_cuhk01_cameras_and_reverse(tmp_path):
    root = tmp_path / 'cuhk01'
    touch(root / 'campus',
          [f'{pid:04d}{img:03d}.png' for pid in range(1, 7) for img in range(1, 5)])
    ds = CUHK01(str(root), num_test_pids=3, split_ids=[0, 10])
    train, query, gallery = split_sets(ds, 0)
    assert len(query) == len(gallery) == 6 and len(train) == 12
    assert {p[-7:-4] for p in query} == {'001', '002'}
    assert {p[-7:-4] for p in gallery} == {'003', '004'}
    assert split_sets(ds, 10) == (train, gallery, query)
    assert all(roles == ([0, 1] if p[-7:-4] in ('001', '002') else [1, 0])
               for p, roles in roles_of(ds).items())
    (root / 'campus' / '0002003.png').unlink()
    (root / 'campus' / '0002004.png').unlink()
    with pytest.raises(ValueError, match=r'person\(s\) \[2\] lack images of camera A or B'):
        CUHK01(str(root), num_test_pids=3)


def test_caviar4reid_two_camera_persons_one_split(tmp_path):
    root = tmp_path / 'caviar'
    names = [f'{pid:04d}{img:03d}.jpg' for pid in (1, 2) for img in range(1, 11)]
    names += [f'{pid:04d}{img:03d}.jpg' for pid in (3, 4, 5) for img in range(1, 21)]
    touch(root / 'caviarRAW', names)
    ds = CAVIAR4REID(str(root))
    assert ds.split_ids == (0, ) and len(ds) == 60
    train, query, gallery = split_sets(ds, 0)
    assert not train and len(query) == 30 and len(gallery) == 30
    assert all(int(p[-7:-4]) <= 10 for p in query) and all(int(p[-7:-4]) > 10 for p in gallery)
    assert {p[-11:-7] for p in query} == {'0003', '0004', '0005'}


def test_training_sources_cuhk02_and_cuhk_sysu(tmp_path):
    for pair in ('P1', 'P2'):
        for cam in ('cam1', 'cam2'):
            touch(tmp_path / 'cuhk02' / 'Dataset' / pair / cam, ['0001_01.png', '0002_01.png'])
    ds = CUHK02(str(tmp_path / 'cuhk02'), split='train', cam_pairs=('P1', 'P2'))
    # person 0001 of P1 and of P2 are different people; each pair has its own two cameras
    assert len(ds) == 8 and ds.num_pids == 4 and ds.num_cams == 4
    with pytest.raises(FileNotFoundError, match=r'P3/cam1.*Expected layout'):
        CUHK02(str(tmp_path / 'cuhk02'), split='train')
    touch(tmp_path / 'sysu' / 'cropped_images', ['p1_s1.jpg', 'p1_s2.jpg', 'p7_s3.jpg'])
    sysu = CUHKSYSU(str(tmp_path / 'sysu'), split='train')
    assert len(sysu) == 3 and sysu.num_pids == 2 and sysu.num_cams == 1
    with pytest.raises(ValueError, match='split must be one of'):
        CUHKSYSU(str(tmp_path / 'sysu'), split='test')


REAL_TARGETS = [
    # class, folder, images listed over splits 0-9, queries and gallery images per split
    (VIPeR, 'viper', None, 316, 316),
    (GRID, 'grid', None, 125, 900),
    (iLIDS, 'ilids', None, 60, 60),
    (CAVIAR4REID, 'caviar4reid', 1000, 500, 500),
]


@pytest.mark.real_data
@pytest.mark.parametrize('cls,folder,num_items,num_query,num_gallery', REAL_TARGETS,
                         ids=[t[1] for t in REAL_TARGETS])
def test_real_targets(shared_root, tmp_path, cls, folder, num_items, num_query, num_gallery):
    ds = cls(str(shared_root / 'data' / folder), split_dir=str(tmp_path / 'splits'))
    # ../shared/data is read-only: the split file goes under split_dir
    assert ds.metainfo['split_file'].startswith(str(tmp_path / 'splits'))
    roles = np.array([ds.get_data_info(i)['split_roles'] for i in range(len(ds))])
    assert ((roles == 0).sum(0) == num_query).all() and ((roles == 1).sum(0) == num_gallery).all()
    if num_items is not None:
        assert len(ds) == num_items
    images = ds.load_images()
    expected_images = dict(viper=1264, grid=1275, ilids=476, caviar4reid=1220)[folder]
    assert len(images.img_paths) == expected_images
