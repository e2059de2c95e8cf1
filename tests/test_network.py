"""Tests for sim/network.py: the social network generators and neighbour averages."""

from __future__ import annotations

import pickle
import tracemalloc

import networkx as nx
import numpy as np
import pytest

from sim.network import (
    NETWORK_KINDS,
    SocialNetwork,
    build_network,
    network_bytes_estimate,
)

SPARSE_KINDS = ("small_world", "random", "scale_free")
N = 2000
DEGREE = 10


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _dense_adjacency(net: SocialNetwork) -> np.ndarray:
    """Dense 0/1 adjacency read through the public neighbours() API (small n only)."""
    adjacency = np.zeros((net.n, net.n), dtype=np.int8)
    for i in range(net.n):
        adjacency[i, net.neighbours(i)] = 1
    return adjacency


def _edge_list(net: SocialNetwork) -> np.ndarray:
    """All directed edges (i, j), in a canonical order, for comparing two networks."""
    return np.concatenate(
        [np.column_stack([np.full(net.degree[i], i), net.neighbours(i)]) for i in range(net.n)]
    )


def _average_clustering(net: SocialNetwork) -> float:
    graph = nx.Graph()
    graph.add_nodes_from(range(net.n))
    graph.add_edges_from(map(tuple, _edge_list(net)))
    return nx.average_clustering(graph)


@pytest.fixture(scope="module")
def networks() -> dict[str, SocialNetwork]:
    return {kind: build_network(kind, N, _rng(1), degree=DEGREE) for kind in NETWORK_KINDS}


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("kind", SPARSE_KINDS)
def test_sparse_network_is_symmetric_simple_and_consistent(networks, kind):
    net = networks[kind]
    adjacency = _dense_adjacency(net)
    assert np.array_equal(adjacency, adjacency.T)
    assert not adjacency.diagonal().any()
    assert net.degree.dtype == np.int32
    assert np.array_equal(net.degree, adjacency.sum(axis=1))
    assert net.n_edges == adjacency.sum() // 2
    for i in (0, 1, N // 2, N - 1):
        neighbours = net.neighbours(i)
        assert np.all(np.diff(neighbours) > 0)  # sorted, no repeats
        assert i not in neighbours


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [
        ("small_world", 9.9, 10.0),  # exact lattice degree, minus rare merged duplicates
        ("random", 9.6, 10.4),  # Binomial edge count: sd of the mean degree is about 0.1
        ("scale_free", 9.99, 10.01),  # a fixed number of distinct edges is drawn
    ],
)
def test_mean_degree_is_near_target(networks, kind, low, high):
    mean_degree = networks[kind].degree.mean()
    assert low <= mean_degree <= high
    assert networks[kind].mean_degree == pytest.approx(mean_degree)


def test_complete_and_none_degrees(networks):
    assert np.all(networks["complete"].degree == N - 1)
    assert networks["complete"].n_edges == N * (N - 1) // 2
    assert np.array_equal(networks["complete"].neighbours(3), np.delete(np.arange(N), 3))
    assert np.all(networks["none"].degree == 0)
    assert networks["none"].n_edges == 0
    assert networks["none"].neighbours(3).size == 0


def test_small_world_clusters_far_more_than_random(networks):
    small_world = _average_clustering(networks["small_world"])
    random = _average_clustering(networks["random"])
    # Watts-Strogatz: C(0) = 3(K-2)/(4(K-1)) = 0.667 for K = 10, times (1 - 0.1)^3 -> ~0.49;
    # G(n, p): C ~ p = 10 / 1999 = 0.005.
    assert 0.40 < small_world < 0.60
    assert random < 0.02
    assert small_world > 20 * random


def test_unrewired_small_world_is_the_exact_ring_lattice():
    n, half = 500, 4
    net = build_network("small_world", n, _rng(), degree=2 * half, rewire=0.0)
    assert np.all(net.degree == 2 * half)
    assert net.n_edges == n * half
    for i in (0, 1, 250, n - 1):
        expected = np.sort([(i + k) % n for k in range(-half, half + 1) if k != 0])
        assert np.array_equal(net.neighbours(i), expected)


def test_odd_degree_is_rounded_down_in_small_world():
    net = build_network("small_world", 300, _rng(), degree=7, rewire=0.0)
    assert np.all(net.degree == 6)


def test_fully_rewired_small_world_loses_lattice_clustering():
    net = build_network("small_world", N, _rng(), degree=DEGREE, rewire=1.0)
    assert 9.9 <= net.degree.mean() <= 10.0
    assert _average_clustering(net) < 0.02


def test_scale_free_has_hubs(networks):
    degree = networks["scale_free"].degree
    assert degree.max() >= 6 * degree.mean()
    assert degree.max() > 3 * networks["random"].degree.max()
    # heavier tail with a smaller exponent
    steep = build_network("scale_free", N, _rng(1), degree=DEGREE, exponent=4.0)
    assert steep.degree.max() < degree.max()
    assert steep.degree.mean() == pytest.approx(DEGREE, abs=0.01)


def test_random_with_degree_at_least_n_minus_1_is_complete():
    net = build_network("random", 40, _rng(), degree=39)
    assert np.all(net.degree == 39)
    assert net.n_edges == 40 * 39 // 2


@pytest.mark.parametrize("kind", NETWORK_KINDS)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 7])
def test_tiny_populations(kind, n):
    net = build_network(kind, n, _rng(), degree=DEGREE)
    assert net.degree.shape == (n,)
    assert np.all(net.degree <= max(n - 1, 0))
    values = np.arange(n, dtype=np.float64)
    mean = net.neighbour_mean(values)
    assert mean.shape == (n,)
    assert mean.dtype == np.float32
    assert np.all(np.isfinite(mean))


# --------------------------------------------------------------------------- neighbour sums


@pytest.mark.parametrize("kind", SPARSE_KINDS)
def test_neighbour_mean_and_sum_match_dense_reference(networks, kind):
    net = networks[kind]
    adjacency = _dense_adjacency(net).astype(np.float64)
    values = _rng(5).random(N)
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
    values = _rng(7).normal(size=N)
    expected = ((values.sum() - values) / (N - 1)).astype(np.float32)
    assert np.array_equal(net.neighbour_mean(values), expected)
    assert np.array_equal(net.neighbour_sum(values), (values.sum() - values).astype(np.float32))
    rows = _rng(8).normal(size=(3, N))
    expected_rows = ((rows.sum(axis=1, keepdims=True) - rows) / (N - 1)).astype(np.float32)
    assert np.array_equal(net.neighbour_mean(rows), expected_rows)


def test_none_gives_zeros(networks):
    net = networks["none"]
    values = _rng(9).random((2, N)) + 1.0
    assert np.array_equal(net.neighbour_mean(values), np.zeros((2, N), dtype=np.float32))
    assert np.array_equal(net.neighbour_sum(values[0]), np.zeros(N, dtype=np.float32))


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_rows_at_once_equal_row_by_row(networks, kind):
    net = networks[kind]
    values = _rng(11).random((4, N)).astype(np.float32)
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


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("kind", SPARSE_KINDS)
def test_same_seed_same_network_other_seed_other_network(kind):
    first = build_network(kind, 1000, _rng(42), degree=8)
    again = build_network(kind, 1000, _rng(42), degree=8)
    other = build_network(kind, 1000, _rng(43), degree=8)
    assert np.array_equal(_edge_list(first), _edge_list(again))
    assert not np.array_equal(_edge_list(first), _edge_list(other))


def test_network_is_immutable_and_pickles(networks):
    net = networks["small_world"]
    with pytest.raises(AttributeError):
        net.n = 5
    with pytest.raises(ValueError):
        net.degree[0] = 99
    copy = pickle.loads(pickle.dumps(net))
    assert copy.kind == net.kind
    assert copy.n == net.n
    assert np.array_equal(_edge_list(copy), _edge_list(net))
    values = _rng(3).random(N)
    assert np.array_equal(copy.neighbour_mean(values), net.neighbour_mean(values))


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="unknown network kind"):
        build_network("lattice", 10, _rng())
    with pytest.raises(ValueError, match="rewire"):
        build_network("small_world", 10, _rng(), rewire=1.5)
    with pytest.raises(ValueError, match="exponent"):
        build_network("scale_free", 10, _rng(), exponent=2.0)
    with pytest.raises(ValueError, match="degree"):
        build_network("random", 10, _rng(), degree=-1)
    with pytest.raises(TypeError, match="Generator"):
        build_network("random", 10, 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown network kind"):
        network_bytes_estimate("lattice", 10, 10)


# --------------------------------------------------------------------------- memory


@pytest.mark.parametrize("kind", NETWORK_KINDS)
@pytest.mark.parametrize(("n", "degree"), [(10, 4), (5000, 10), (30_000, 20)])
def test_bytes_estimate_bounds_held_and_peak_memory(kind, n, degree):
    estimate = network_bytes_estimate(kind, n, degree)
    tracemalloc.start()
    try:
        net = build_network(kind, n, _rng(), degree=degree)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert net.nbytes() <= estimate
    assert peak <= estimate
    if kind in SPARSE_KINDS:  # and it is an estimate, not a wild overstatement
        assert estimate < 4 * peak + 2**20


def test_nbytes_counts_the_edges():
    net = build_network("random", 5000, _rng(), degree=10)
    # 4 bytes of index and 4 of data per directed edge, 12 bytes per customer
    assert net.nbytes() == 8 * 2 * net.n_edges + 12 * 5000 + 4
