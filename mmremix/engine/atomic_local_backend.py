"""A local file backend whose writes replace the target atomically."""
import contextlib
import os
import os.path as osp
from pathlib import Path
from typing import Optional, Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.utils import mkdir_or_exist


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """MMEngine's ``LocalBackend`` with atomic ``put`` and ``put_text``.

    The data go to a hidden temporary file in the target's directory (``.<name>.tmp-<pid>``),
    which is flushed, fsynced and renamed onto the target with :func:`os.replace`; the directory
    is then fsynced where the OS allows it, so that the rename survives a power loss. A reader, or
    a run resumed after a kill, finds the previous complete file or the new complete one, never a
    truncated one. Reads, listing and removal are ``LocalBackend``'s.

    Select it with ``backend_args=dict(backend='atomic_local')`` (MMEngine's ``save_checkpoint``,
    ``Runner.save_checkpoint``, ``CheckpointHook``); importing this module registers the name.

    Note:
        A failed write removes its temporary file and re-raises. A process killed during a write
        (SIGKILL, power loss) leaves its hidden temporary file behind; it is never read and can be
        deleted. Writing onto a symlink replaces the link, not the file it points to.

    Source: design choice of mmremix.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically, creating its directory if needed.

        Args:
            obj (bytes): Data to write.
            filepath (str | Path): Destination path.

        Raises:
            OSError: If the temporary file cannot be written or renamed; ``filepath`` is unchanged.
        """
        self._write_atomic(obj, filepath, 'wb')

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically, creating its directory if needed.

        Args:
            obj (str): Text to write.
            filepath (str | Path): Destination path.
            encoding (str): Text encoding. Defaults to 'utf-8'.

        Raises:
            OSError: If the temporary file cannot be written or renamed; ``filepath`` is unchanged.
        """
        self._write_atomic(obj, filepath, 'w', encoding=encoding)

    @staticmethod
    def _write_atomic(obj: Union[bytes, str], filepath: Union[str, Path], mode: str,
                      encoding: Optional[str] = None) -> None:
        dirname, name = osp.split(osp.abspath(filepath))
        mkdir_or_exist(dirname)
        tmp_path = osp.join(dirname, f'.{name}.tmp-{os.getpid()}')
        try:
            with open(tmp_path, mode, encoding=encoding) as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp_path, filepath)
        except BaseException:
            # KeyboardInterrupt too: a stopped run must not leave a temporary file per attempt
            with contextlib.suppress(OSError):
                os.remove(tmp_path)
            raise
        _fsync_dir(dirname)


def _fsync_dir(dirname: str) -> None:
    """Flush a directory entry to disk; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(dirname, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; the rename is still atomic
    finally:
        os.close(fd)
