"""Output files written atomically, in folders created on demand.

Source: design choice of mmremix (as :class:`mmremix.engine.AtomicLocalBackend` does for
checkpoints): a tool that has computed its results for minutes should neither lose them on a
missing folder nor leave a half-written file when it is killed while writing.
"""
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def atomic_output(path: str) -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success move it to ``path`` in one step.

    The parent folders of ``path`` are created first. The temporary file keeps the extension of
    ``path`` (writers such as ``cv2.imwrite`` choose the format by it), is flushed to disk and
    renamed over ``path`` (``os.replace``); if the block raises, it is removed and ``path`` is
    left as it was.

    Args:
        path (str): The final file.

    Yields:
        str: The temporary file to write.

    Raises:
        OSError: If a folder cannot be created or the block wrote nothing to the temporary path.
    """
    folder, name = osp.split(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, ext = osp.splitext(name)
    tmp = osp.join(folder, f'.{stem}.tmp{os.getpid()}{ext}')
    try:
        yield tmp
        if not osp.isfile(tmp):
            raise OSError(f'nothing was written for {path}')
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
