"""Tests for sim.network.graph: neighbour sums and means, immutability, memory held."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from graphs import SPARSE_KINDS, N, dense_adjacency, edge_list, rng

from sim.network import (
    NETWORK_KINDS,
    build_network,
)

# --------------------------------------------------------------------------- neighbour sums


@pytest.mark.parametrize("kind", SPARSE_KINDS)
def test_neighbour_mean_and_sum_match_dense_reference(networks, kind):
    net = networks[kind]
    adjacency = dense_adjacency(net).astype(np.float64)
    values = rng(5).random(N)
    expected_sum = adjacency @ values
    degree = adjacency.sum(axis=1)
    expected_mean = np.divide(expected_sum, degree, out=np.zeros(N), where=degree > 0)
    total = net.neighbour_sum(values)
    mean = net.neighbour_mean(values)
    assert total.dtype == np.float32
    assert mean.dtype == np.float32
    np.testing.assert_allclose(total, expected_sum, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-5, atol=1e-6)


def test_isolated_customers_hear_zero(networks):
    net = networks["scale_free"]  # Chung-Lu leaves some low-weight customers isolated
    isolated = net.degree == 0
    assert isolated.any()
    mean = net.neighbour_mean(np.ones(N))
    assert np.all(mean[isolated] == 0.0)
    assert np.all(mean[~isolated] == 1.0)


def test_complete_neighbour_mean_is_sum_of_others_exactly(networks):
    net = networks["complete"]
    values = rng(7).normal(size=N)
    expected = ((values.sum() - values) / (N - 1)).astype(np.float32)
    assert np.array_equal(net.neighbour_mean(values), expected)
    assert np.array_equal(net.neighbour_sum(values), (values.sum() - values).astype(np.float32))
    rows = rng(8).normal(size=(3, N))
    expected_rows = ((rows.sum(axis=1, keepdims=True) - rows) / (N - 1)).astype(np.float32)
    assert np.array_equal(net.neighbour_mean(rows), expected_rows)


def test_none_gives_zeros(networks):
    net = networks["none"]
    values = rng(9).random((2, N)) + 1.0
    assert np.array_equal(net.neighbour_mean(values), np.zeros((2, N), dtype=np.float32))
    assert np.array_equal(net.neighbour_sum(values[0]), np.zeros(N, dtype=np.float32))


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_rows_at_once_equal_row_by_row(networks, kind):
    net = networks[kind]
    values = rng(11).random((4, N)).astype(np.float32)
    together = net.neighbour_mean(values)
    assert together.shape == (4, N)
    assert together.dtype == np.float32
    assert together.flags.c_contiguous
    for row in range(4):
        assert np.array_equal(together[row], net.neighbour_mean(values[row]))
        assert np.array_equal(net.neighbour_sum(values)[row], net.neighbour_sum(values[row]))


def test_bad_values_shape_is_rejected(networks):
    with pytest.raises(ValueError, match="values must have shape"):
        networks["small_world"].neighbour_mean(np.zeros(N + 1))
    with pytest.raises(ValueError, match="values must have shape"):
        networks["complete"].neighbour_mean(np.zeros((2, 2, N)))


def test_network_is_immutable_and_pickles(networks):
    net = networks["small_world"]
    with pytest.raises(AttributeError):
        net.n = 5
    with pytest.raises(ValueError):
        net.degree[0] = 99
    copy = pickle.loads(pickle.dumps(net))
    assert copy.kind == net.kind
    assert copy.n == net.n
    assert np.array_equal(edge_list(copy), edge_list(net))
    values = rng(3).random(N)
    assert np.array_equal(copy.neighbour_mean(values), net.neighbour_mean(values))


def test_nbytes_counts_the_edges():
    net = build_network("random", 5000, rng(), degree=10)
    # 4 bytes of index and 4 of data per directed edge, 12 bytes per customer
    assert net.nbytes() == 8 * 2 * net.n_edges + 12 * 5000 + 4
