"""Files written atomically: a temporary file in the same folder, then a rename.

Every output of stratsim (a run's CSV, YAML, JSON and figures; an experiment's Parquet files
and manifest; reports) goes through :func:`atomic_write`, so a reader never sees half a file
and an interrupted writer leaves the previous file intact (DESIGN.md principle 8).

CSV files for spreadsheets go through :func:`csv_text`: a text cell that a spreadsheet would
read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
written with a leading ``'`` (OWASP, "CSV Injection"), so a firm named ``=cmd|' /C calc'!A0``
stays a name. Numbers are written as they are.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

__all__ = ["FORMULA_STARTS", "TMP_SUFFIX", "atomic_write", "csv_text", "is_our_temporary",
           "safe_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""How a spreadsheet cell that it would run as a formula begins (OWASP, CSV Injection)."""

TMP_SUFFIX = ".tmp"
"""Suffix of temporary files (left over only by a killed writer)."""


_OUR_TEMPORARY = re.compile(r"^\..+\.\d+\.[0-9a-f]{8}" + re.escape(TMP_SUFFIX) + "$")


def is_our_temporary(path: Path) -> bool:
    """Whether ``path`` is a temporary file :func:`atomic_write` makes (``.NAME.PID.HEX.tmp``):
    the only kind of file a clean-up may remove."""
    return bool(_OUR_TEMPORARY.match(path.name))


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, quoted with a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(frame: pd.DataFrame, *, header: bool = True) -> str:
    """``frame.to_csv(index=False)`` with every text cell (and column name) made safe to open
    in a spreadsheet (:func:`safe_cell`); numbers are unchanged."""
    safe = frame.copy(deep=False)
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(safe_cell)
    safe.columns = [safe_cell(str(c)) for c in safe.columns]
    return safe.to_csv(index=False, header=header)


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
