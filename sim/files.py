"""Files written atomically: a temporary file in the same folder, then a rename.

Every output of stratsim (a run's CSV, YAML, JSON and figures; an experiment's Parquet files
and manifest; reports) goes through :func:`atomic_write`, so a reader never sees half a file
and an interrupted writer leaves the previous file intact (DESIGN.md principle 8).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["TMP_SUFFIX", "atomic_write"]

TMP_SUFFIX = ".tmp"
"""Suffix of temporary files (left over only by a killed writer)."""


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX); a no-op where folders cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike[str], write: bytes | str | Callable[[IO[bytes]], None], *,
                 durable: bool = True) -> Path:
    """Write ``path`` atomically: temporary file in the same folder, fsync, ``os.replace``.

    Args:
        path: the final file name; missing parent folders are created.
        write: the content (bytes or text, UTF-8), or a function that writes to a binary file.
        durable: fsync the file and its folder, so the rename survives a power cut (killing
            the process is safe either way).

    Returns:
        ``path``. On any error (or interrupt) the temporary file is removed and ``path`` is
        untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # os.open with 0o666 honours the umask (tempfile.mkstemp would force 0o600)
    while True:
        tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(write):
                write(fh)
            else:
                fh.write(write.encode("utf-8") if isinstance(write, str) else write)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_directory(path.parent)
    return path
