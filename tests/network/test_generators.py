"""Tests for sim.network.generators: the network families, their structure, seeds and arguments."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from graphs import DEGREE, SPARSE_KINDS, N, dense_adjacency, edge_list, rng

from sim.network import (
    NETWORK_KINDS,
    SocialNetwork,
    build_network,
    network_bytes_estimate,
)


def _average_clustering(net: SocialNetwork) -> float:
    graph = nx.Graph()
    graph.add_nodes_from(range(net.n))
    graph.add_edges_from(map(tuple, edge_list(net)))
    return nx.average_clustering(graph)


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("kind", SPARSE_KINDS)
def test_sparse_network_is_symmetric_simple_and_consistent(networks, kind):
    net = networks[kind]
    adjacency = dense_adjacency(net)
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
    net = build_network("small_world", n, rng(), degree=2 * half, rewire=0.0)
    assert np.all(net.degree == 2 * half)
    assert net.n_edges == n * half
    for i in (0, 1, 250, n - 1):
        expected = np.sort([(i + k) % n for k in range(-half, half + 1) if k != 0])
        assert np.array_equal(net.neighbours(i), expected)


def test_odd_degree_is_rounded_down_in_small_world():
    net = build_network("small_world", 300, rng(), degree=7, rewire=0.0)
    assert np.all(net.degree == 6)


def test_fully_rewired_small_world_loses_lattice_clustering():
    net = build_network("small_world", N, rng(), degree=DEGREE, rewire=1.0)
    assert 9.9 <= net.degree.mean() <= 10.0
    assert _average_clustering(net) < 0.02


def test_scale_free_has_hubs(networks):
    degree = networks["scale_free"].degree
    assert degree.max() >= 6 * degree.mean()
    assert degree.max() > 3 * networks["random"].degree.max()
    # heavier tail with a smaller exponent
    steep = build_network("scale_free", N, rng(1), degree=DEGREE, exponent=4.0)
    assert steep.degree.max() < degree.max()
    assert steep.degree.mean() == pytest.approx(DEGREE, abs=0.01)


def test_random_with_degree_at_least_n_minus_1_is_complete():
    net = build_network("random", 40, rng(), degree=39)
    assert np.all(net.degree == 39)
    assert net.n_edges == 40 * 39 // 2


@pytest.mark.parametrize("kind", NETWORK_KINDS)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 7])
def test_tiny_populations(kind, n):
    net = build_network(kind, n, rng(), degree=DEGREE)
    assert net.degree.shape == (n,)
    assert np.all(net.degree <= max(n - 1, 0))
    values = np.arange(n, dtype=np.float64)
    mean = net.neighbour_mean(values)
    assert mean.shape == (n,)
    assert mean.dtype == np.float32
    assert np.all(np.isfinite(mean))


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("kind", SPARSE_KINDS)
def test_same_seed_same_network_other_seed_other_network(kind):
    first = build_network(kind, 1000, rng(42), degree=8)
    again = build_network(kind, 1000, rng(42), degree=8)
    other = build_network(kind, 1000, rng(43), degree=8)
    assert np.array_equal(edge_list(first), edge_list(again))
    assert not np.array_equal(edge_list(first), edge_list(other))


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="unknown network kind"):
        build_network("lattice", 10, rng())
    with pytest.raises(ValueError, match="rewire"):
        build_network("small_world", 10, rng(), rewire=1.5)
    with pytest.raises(ValueError, match="exponent"):
        build_network("scale_free", 10, rng(), exponent=2.0)
    with pytest.raises(ValueError, match="degree"):
        build_network("random", 10, rng(), degree=-1)
    with pytest.raises(TypeError, match="Generator"):
        build_network("random", 10, 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown network kind"):
        network_bytes_estimate("lattice", 10, 10)
