"""The consoles every command prints to: ``out`` (results, stdout) and ``err`` (stderr)."""

from __future__ import annotations

import sys

from rich.console import Console

__all__ = ["err", "out"]

out = Console(width=None if sys.stdout.isatty() else 110)
err = Console(stderr=True)
