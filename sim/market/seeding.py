"""One seed, many named streams: the source of every random number in a run.

A run's seed is split with NumPy's :class:`~numpy.random.SeedSequence` into independent,
*named* streams (DESIGN.md principle 2). A stream's draws depend only on the seed and the
stream's name (and, for per-period streams, the period), never on what other streams did.
That is what gives common random numbers: two runs that differ only in a firm's strategy
draw the same customers, the same network and the same per-period customer noise.

Nothing here is global: every generator is created from the run's seed and handed to whoever
needs it. ``random.*`` and ``np.random.*`` global state are never used in ``sim/``.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["Streams", "stream_key"]


def stream_key(name: str) -> int:
    """Stable 32-bit key for a stream name (CRC-32 of its UTF-8 bytes).

    Python's ``hash`` is salted per process, so it cannot name streams reproducibly.
    """
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of independent random generators derived from one run seed.

    Args:
        seed: the run's seed (a non-negative integer).

    Example:
        >>> s = Streams(7)
        >>> a = s.generator("population").random()
        >>> a == Streams(7).generator("population").random()
        True
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer (got {seed})")
        self.seed = int(seed)

    def sequence(self, name: str, *index: int) -> np.random.SeedSequence:
        """The seed sequence of stream ``name`` (optionally sub-indexed, e.g. by period)."""
        return np.random.SeedSequence(self.seed, spawn_key=(stream_key(name), *map(int, index)))

    def generator(self, name: str, *index: int) -> np.random.Generator:
        """A fresh generator for stream ``name``; the same arguments always give the same draws."""
        return np.random.Generator(np.random.PCG64(self.sequence(name, *index)))

    def __repr__(self) -> str:
        return f"Streams(seed={self.seed})"
