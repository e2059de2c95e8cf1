"""Shared by the network tests: the kinds, a seeded generator, dense and edge-list views.

Imported by the test modules beside it (pytest puts this folder on the path).
"""

from __future__ import annotations

import numpy as np

from sim.network import SocialNetwork

SPARSE_KINDS = ("small_world", "random", "scale_free")
N = 2000
DEGREE = 10


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def dense_adjacency(net: SocialNetwork) -> np.ndarray:
    """Dense 0/1 adjacency read through the public neighbours() API (small n only)."""
    adjacency = np.zeros((net.n, net.n), dtype=np.int8)
    for i in range(net.n):
        adjacency[i, net.neighbours(i)] = 1
    return adjacency


def edge_list(net: SocialNetwork) -> np.ndarray:
    """All directed edges (i, j), in a canonical order, for comparing two networks."""
    return np.concatenate(
        [np.column_stack([np.full(net.degree[i], i), net.neighbours(i)]) for i in range(net.n)]
    )
