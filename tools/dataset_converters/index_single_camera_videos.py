"""Index a folder of single-camera videos once: write the ``ann_file`` ``SingleCameraVideos`` reads.

Without an ``ann_file``, ``SingleCameraVideos`` lists every video folder on every rank at every
start: at LUPerson scale (about 4.2M images in 46k folders, often on a network file system) that
is minutes per rank. This tool lists them once, with a progress bar and several threads (listing
is I/O-bound), and writes ``<video_name>/<frame> <video_name>`` lines, videos sorted by name and
frames by file name, i.e. the items of the folder layout in the same order. Folders without images
are skipped and reported; names with whitespace are refused (the format is whitespace-separated).
The file is written to a temporary name and renamed, so an interrupted run leaves no partial file.

Usage::

    python tools/dataset_converters/index_single_camera_videos.py data/lup/videos
    # then, in the config:
    # single_camera=dict(type='SingleCameraVideos', data_root='data/lup/videos',
    #                    ann_file='ann_file.txt')

Source: design choice of mmremix.
"""
import argparse
import os
import os.path as osp
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

from tqdm import tqdm

#: File extensions listed as images, as ``SingleCameraVideos`` does (case-insensitive).
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png')


def _list_frames(folder: str) -> List[str]:
    """Image file names directly in ``folder``, sorted."""
    return sorted(entry.name for entry in os.scandir(folder)
                  if entry.is_file() and entry.name.lower().endswith(IMG_EXTENSIONS))


def _check_name(name: str, what: str, folder: str) -> None:
    if not name or len(name.split()) != 1:
        raise ValueError(f'{what} {name!r} in {folder} contains whitespace: the ann_file format '
                         '"<path> <video_name>" is whitespace-separated; rename it')


def index_videos(data_root: str, out: str, threads: int = 8,
                 progress: bool = True) -> Tuple[int, int, List[str]]:
    """List the video folders of ``data_root`` and write the ``ann_file`` ``out``.

    Args:
        data_root (str): Folder with one sub-folder per video (``<video_name>/<frame>.jpg``).
        out (str): The ``ann_file`` to write (its folder must exist); lines
            ``<video_name>/<frame> <video_name>``, paths relative to ``data_root``.
        threads (int): Folders listed in parallel, >= 1. Defaults to 8.
        progress (bool): Show a progress bar over the folders. Defaults to True.

    Returns:
        tuple[int, int, list[str]]: Videos written, images written, and the names of the folders
        skipped because they hold no image.

    Raises:
        FileNotFoundError: ``data_root`` is not a folder.
        ValueError: ``threads`` < 1; a video or file name contains whitespace (names it); no
            folder holds an image.
    """
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'Folder not found: {data_root}. Expected layout: '
                                '<data_root>/<video_name>/<frame>.jpg (one folder per video)')
    if threads < 1:
        raise ValueError(f'threads must be >= 1, got {threads}')
    names = sorted(entry.name for entry in os.scandir(data_root) if entry.is_dir())
    for name in names:
        _check_name(name, 'The video folder', data_root)
    num_images, empty = 0, []
    temporary = f'{out}.tmp{os.getpid()}'
    try:
        with ThreadPoolExecutor(threads) as pool, open(temporary, 'w', encoding='utf-8') as f:
            listed = pool.map(_list_frames, [osp.join(data_root, name) for name in names])
            for name, frames in tqdm(zip(names, listed), total=len(names), unit='video',
                                     desc='indexing videos', disable=not progress,
                                     mininterval=2):
                if not frames:
                    empty.append(name)
                    continue
                for frame in frames:
                    _check_name(frame, 'The file name', osp.join(data_root, name))
                f.writelines(f'{name}/{frame} {name}\n' for frame in frames)
                num_images += len(frames)
        if num_images == 0:
            raise ValueError(f'No folder of {data_root} holds an image '
                             f'({"/".join(IMG_EXTENSIONS)} files)')
        os.replace(temporary, out)
    finally:
        if osp.exists(temporary):
            os.remove(temporary)
    return len(names) - len(empty), num_images, empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='folder with one sub-folder of images per video')
    parser.add_argument('--out', help='ann_file to write (default: <data_root>/ann_file.txt)')
    parser.add_argument('--threads', type=int, default=8, help='folders listed in parallel')
    args = parser.parse_args()
    out = args.out or osp.join(args.data_root, 'ann_file.txt')
    start = time.perf_counter()
    num_videos, num_images, empty = index_videos(args.data_root, out, args.threads)
    print(f'{out}: {num_images} images in {num_videos} videos '
          f'({time.perf_counter() - start:.1f} s)')
    if empty:
        shown = ', '.join(empty[:5]) + (', ...' if len(empty) > 5 else '')
        print(f'skipped {len(empty)} folder(s) without images: {shown}')
    # SingleCameraVideos resolves a relative ann_file against data_root
    ann_file = osp.relpath(osp.abspath(out), osp.abspath(args.data_root))
    if ann_file.startswith('..'):
        ann_file = osp.abspath(out)
    print(f"config: single_camera=dict(type='SingleCameraVideos', data_root='{args.data_root}', "
          f"ann_file='{ann_file}')")


if __name__ == '__main__':
    main()
