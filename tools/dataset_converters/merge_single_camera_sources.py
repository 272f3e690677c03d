"""Several sources of single-camera videos as one ``SingleCameraVideos`` dataset.

``ReMixDataset`` takes one single-camera dataset and ``ReMixRefreshHook`` one ``gt_file``. This
tool puts several sources (each a folder ``<source>/videos/<video>/<frame>.jpg``, optionally with
``<source>/gt_identities.txt`` of lines ``<video>/<frame>.jpg <pid>``) into one folder:

- ``OUT_DIR/<name>``: a link to the source's ``videos`` folder (nothing is copied);
- ``OUT_DIR/videos.txt``: the ``ann_file``, lines ``<name>/<video>/<frame>.jpg <name>/<video>``, so
  video names (and ids) are unique across sources even when two sources name a video alike;
- ``OUT_DIR/gt_identities.txt``: every source's ground truth on the same paths, the pids of a
  source offset past the largest pid of the sources before it, so two sources' persons never
  share an id (diagnostic only: the refresh's NMI / ARI / purity log).

Use the result as ``dict(type='SingleCameraVideos', data_root=OUT_DIR, ann_file='videos.txt')``
and ``ReMixRefreshHook(gt_file=OUT_DIR + '/gt_identities.txt')``.

Example:
    python tools/dataset_converters/merge_single_camera_sources.py data/videos_cuhk03-towncentre \\
        cuhk03=../shared/data/cuhk03_single_camera towncentre=../shared/data/towncentre_single_camera

Source: design choice of mmremix.
"""
import argparse
import os
import os.path as osp
import re
import sys
from typing import Dict, List

from mmremix.datasets.base_reid_dataset import list_images

NAME_PATTERN = re.compile(r'^[A-Za-z0-9_.+-]+$')
LAYOUT = ('<source>/videos/<video>/<frame>.jpg, optionally <source>/gt_identities.txt with lines '
          '"<video>/<frame>.jpg <pid>"')


def _read_gt(path: str) -> Dict[str, int]:
    """``<video>/<frame> -> pid`` of a source's ground-truth file.

    Raises:
        ValueError: A line is not ``<relative image path> <pid>`` (names the file and line).
    """
    gt = {}
    with open(path) as f:
        for num, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].lstrip('-').isdigit():
                raise ValueError(f'{path}, line {num}: expected "<video>/<frame>.jpg <pid>", got '
                                 f'{line.strip()!r}')
            gt[osp.normpath(fields[0])] = int(fields[1])
    return gt


def merge_sources(out_dir: str, sources: Dict[str, str]) -> List[dict]:
    """Write the merged source (see the module docstring) and return one summary row per source.

    Args:
        out_dir (str): The folder to write; created if missing, refused if it holds anything.
        sources (dict[str, str]): Source name (letters, digits, ``_.+-``) -> source folder, in the
            order of the pid offsets.

    Returns:
        list[dict]: Per source: ``name``, ``videos``, ``images``, ``gt_images`` (images with a
        ground-truth pid), ``pid_offset`` and ``num_pids``.

    Raises:
        ValueError: No source, a bad name, a video folder without images, a malformed
            ground-truth line, or ``out_dir`` is not empty (each naming the path).
        FileNotFoundError: A source has no ``videos`` folder (names it and the layout).
    """
    if not sources:
        raise ValueError('merge_single_camera_sources needs at least one NAME=FOLDER source')
    for name in sources:
        if not NAME_PATTERN.match(name):
            raise ValueError(f'Source name {name!r}: use letters, digits and "_.+-" only')
    if osp.isdir(out_dir) and os.listdir(out_dir):
        raise ValueError(f'{out_dir} is not empty: choose a new folder')
    os.makedirs(out_dir, exist_ok=True)
    ann_lines, gt_lines, rows = [], [], []
    offset = 0
    for name, folder in sources.items():
        videos_dir = osp.abspath(osp.join(folder, 'videos'))
        if not osp.isdir(videos_dir):
            raise FileNotFoundError(f'{videos_dir} not found. Expected layout: {LAYOUT}')
        gt_path = osp.join(folder, 'gt_identities.txt')
        gt = _read_gt(gt_path) if osp.isfile(gt_path) else {}
        videos = sorted(e.name for e in os.scandir(videos_dir) if e.is_dir())
        num_images = num_gt = 0
        for video in videos:
            for path in list_images(osp.join(videos_dir, video)):
                rel = f'{video}/{osp.basename(path)}'
                ann_lines.append(f'{name}/{rel} {name}/{video}\n')
                num_images += 1
                if rel in gt:
                    gt_lines.append(f'{name}/{rel} {gt[rel] + offset}\n')
                    num_gt += 1
        num_pids = max(gt.values()) + 1 if gt else 0
        rows.append(dict(name=name, videos=len(videos), images=num_images, gt_images=num_gt,
                         pid_offset=offset, num_pids=num_pids))
        offset += num_pids
        os.symlink(videos_dir, osp.join(out_dir, name))
    with open(osp.join(out_dir, 'videos.txt'), 'w') as f:
        f.writelines(ann_lines)
    with open(osp.join(out_dir, 'gt_identities.txt'), 'w') as f:
        f.writelines(gt_lines)
    return rows


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Merge sources of single-camera videos into one SingleCameraVideos folder '
        '(mmremix)')
    parser.add_argument('out_dir', help='new folder to write (refused if it holds anything)')
    parser.add_argument('sources', nargs='+', metavar='NAME=FOLDER',
                        help=f'a source: its name and its folder ({LAYOUT})')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    sources = {}
    for spec in args.sources:
        name, sep, folder = spec.partition('=')
        if not sep or not folder:
            print(f'error: source {spec!r} is not NAME=FOLDER', file=sys.stderr)
            return 2
        if name in sources:
            print(f'error: source name {name!r} given twice', file=sys.stderr)
            return 2
        sources[name] = folder
    try:
        rows = merge_sources(args.out_dir, sources)
    except (ValueError, FileNotFoundError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'{"source":<14}{"videos":>8}{"images":>9}{"with gt":>9}{"pid offset":>12}{"pids":>7}')
    for r in rows:
        print(f'{r["name"]:<14}{r["videos"]:>8}{r["images"]:>9}{r["gt_images"]:>9}'
              f'{r["pid_offset"]:>12}{r["num_pids"]:>7}')
    print(f'wrote {args.out_dir}/videos.txt and {args.out_dir}/gt_identities.txt')
    return 0


if __name__ == '__main__':
    sys.exit(main())
