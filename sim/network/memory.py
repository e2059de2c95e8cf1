"""How much memory building a network takes, estimated before anything is allocated.

:func:`network_bytes_estimate` bounds both the peak while a generator of
:mod:`sim.network.generators` runs (int64 edge keys, the sort's merge buffer, one chunk of
temporaries) and what the finished :class:`~sim.network.graph.SocialNetwork` holds (8 bytes per
directed edge plus 12 per customer), so that a caller can refuse a scenario too large for
memory. The constants were measured on the generators (benchmarks/memory.py).
"""

from __future__ import annotations

import math

import numpy as np

from sim.network.generators import CHUNK, check_arguments, small_world_half_degree
from sim.network.graph import csr_index_dtype

__all__ = ["network_bytes_estimate"]

# Building peak, see network_bytes_estimate: bytes per directed edge (int64 keys, the sort's
# merge buffer or the CSR indices, the duplicate mask), per directed edge in one chunk of
# temporaries, and per customer.
_PEAK_BYTES_PER_ENTRY = 14
_PEAK_BYTES_PER_CHUNK_ENTRY = 96
_PEAK_BYTES_PER_NODE = 64
_FIXED_OVERHEAD_BYTES = 1 << 16


def network_bytes_estimate(kind: str, n: int, degree: int) -> int:
    """Upper estimate of the bytes :func:`build_network` allocates, before allocating any.

    The figure bounds both the peak while building and the memory the finished network holds
    (the peak is the larger), so a caller can refuse a scenario too large for memory. It
    covers the network only, not the float32 results of ``neighbour_mean``.

    Args:
        kind: One of :data:`NETWORK_KINDS`.
        n: Number of customers.
        degree: Target mean degree, as passed to :func:`build_network`.

    Returns:
        Bytes.

    Raises:
        ValueError: On an unknown kind or an out-of-range parameter.
    """
    check_arguments(kind, n, degree)
    n = int(n)
    degree = int(degree)
    per_node_held = 3 * 4  # degree (int32), mean divisor (float32), row pointers (int32)
    if kind in ("complete", "none"):
        return 16 * n + _FIXED_OVERHEAD_BYTES  # degree, divisor and one temporary
    pairs_total = n * (n - 1) // 2
    if kind == "small_world":
        undirected = n * small_world_half_degree(n, degree)
    elif kind == "random":
        p = min(degree / (n - 1), 1.0) if n > 1 else 0.0
        mean = pairs_total * p
        undirected = math.ceil(mean + 6.0 * math.sqrt(mean) + 16.0)  # size of the first draw
    else:
        undirected = min(pairs_total, round(n * degree / 2))
    entries = 2 * undirected
    index_bytes = np.dtype(csr_index_dtype(n, entries)).itemsize
    held = entries * (index_bytes + 4) + n * (per_node_held + index_bytes)
    building = (
        entries * _PEAK_BYTES_PER_ENTRY
        + min(entries, CHUNK) * _PEAK_BYTES_PER_CHUNK_ENTRY
        + n * _PEAK_BYTES_PER_NODE
    )
    return max(held, building) + _FIXED_OVERHEAD_BYTES
