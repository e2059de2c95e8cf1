"""Tests for sim.network.memory: the estimate bounds what building a network holds and peaks at."""

from __future__ import annotations

import tracemalloc

import pytest
from graphs import SPARSE_KINDS, rng

from sim.network import (
    NETWORK_KINDS,
    build_network,
    network_bytes_estimate,
)

# --------------------------------------------------------------------------- memory


@pytest.mark.parametrize("kind", NETWORK_KINDS)
@pytest.mark.parametrize(("n", "degree"), [(10, 4), (5000, 10), (30_000, 20)])
def test_bytes_estimate_bounds_held_and_peak_memory(kind, n, degree):
    estimate = network_bytes_estimate(kind, n, degree)
    tracemalloc.start()
    try:
        net = build_network(kind, n, rng(), degree=degree)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert net.nbytes() <= estimate
    assert peak <= estimate
    if kind in SPARSE_KINDS:  # and it is an estimate, not a wild overstatement
        assert estimate < 4 * peak + 2**20
