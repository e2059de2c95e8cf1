"""Generators of social networks over the customer population (vectorised, seeded).

Every generator is vectorised: Python loops run over a handful of lattice offsets, sampling
rounds or memory chunks, never over customers or edges. Edges are built as ``int64`` keys
``row * n + column``, sorted and de-duplicated, then cut into CSR rows of a
:class:`~sim.network.graph.SocialNetwork`. All randomness comes from the
``numpy.random.Generator`` passed in; the same seed gives the same network.

Generators (``kind``):

``small_world``
    Watts-Strogatz (Watts & Strogatz 1998, "Collective dynamics of 'small-world' networks",
    Nature 393:440). Start from a ring lattice in which each customer links to its ``degree / 2``
    nearest neighbours on each side; then, for every lattice edge ``(i, i + k mod n)``, with
    probability ``rewire`` the far end is replaced by a customer drawn uniformly from all
    customers other than ``i`` (so no self loops). An odd ``degree`` is rounded down to
    ``degree - 1``; a ``degree`` of ``n - 1`` or more is capped at the densest ring without
    repeated edges (``(n - 1) // 2`` on each side). Departure from the original: Watts and
    Strogatz reject a new far end that is already a neighbour and draw again; here the
    duplicate edge is merged instead, so a few edges are lost (a fraction of about
    ``rewire * degree / n`` of them, negligible for large ``n``).

``random``
    Erdős-Rényi / Gilbert G(n, p) (Erdős & Rényi 1959, "On random graphs I", Publ. Math.
    Debrecen 6:290; Gilbert 1959, "Random graphs", Ann. Math. Stat. 30:1141) with
    ``p = degree / (n - 1)``: every one of the n(n-1)/2 pairs is an edge independently with
    probability ``p``. Drawn by geometric skipping (Batagelj & Brandes 2005, "Efficient
    generation of large random networks", Phys. Rev. E 71:036113): the gaps between
    successive chosen pairs, in a fixed enumeration of all pairs, are Geometric(p), so a
    cumulative sum of geometric draws lists the edges directly, in O(edges) time and memory.
    This is G(n, p) exactly (no self loops or duplicates arise, so none are dropped and there
    is no bias from dropping them).

``scale_free``
    Chung-Lu random graph with given expected degrees (Chung & Lu 2002, "The average distances
    in random graphs with given expected degrees", PNAS 99:15879) and the power-law weight
    sequence ``w_i ∝ (i + 1) ** (-1 / (exponent - 1))`` of Chung, Lu & Vu (2003, "The spectra
    of random graphs with given expected degrees", PNAS 100:6313), which gives a degree
    distribution with tail ``P(k) ~ k ** -exponent``. The weights are scaled to mean ``degree``
    and capped at the structural cut-off ``sqrt(n * degree)`` (Boguñá, Pastor-Satorras &
    Vespignani 2004, Eur. Phys. J. B 38:205), so that every pair probability
    ``w_i w_j / sum(w)`` is at most 1. Edges are drawn as ``round(n * degree / 2)`` distinct
    pairs whose two ends are drawn independently with probability proportional to ``w``; self
    loops and duplicates are dropped and the shortfall redrawn (at most 64 rounds). For a given
    number of draws, how many ends fall on each node is multinomial and their order a uniform
    shuffle, which is how they are drawn. Conditioning on the number of distinct edges keeps
    the mean degree at ``degree``; it raises the hubs' degrees slightly above those of the
    erased Chung-Lu model, where repeated hub-to-hub pairs are lost. ``exponent`` must exceed
    2 (finite mean degree). As in any Chung-Lu graph, some low-weight customers get no
    neighbour at all (about 1% at exponent 2.5, 6% at 2.1); they hear nothing.

``complete``
    Well mixed: everyone is everyone else's neighbour. No edges are stored; the neighbour sum
    is ``total - own value``, computed in O(n) (in float64, then rounded to float32).

``none``
    No edges: word of mouth is off. Neighbour sums and means are zero.

Memory: a sparse network holds 8 bytes per directed edge (index and data) plus 12 bytes per
customer; at ``n = 1_000_000`` and ``degree = 10`` that is 92 MB, with a measured peak of
about 150 MB while building (0.4 s small world, 0.7 s random, 1.3 s scale free).
:func:`sim.network.memory.network_bytes_estimate` gives an upper bound of the peak before
anything is allocated.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.network.graph import NETWORK_KINDS, SocialNetwork, csr_index_dtype

__all__ = ["CHUNK", "build_network", "check_arguments", "small_world_half_degree"]

# Edge keys are processed in blocks of this many entries to bound temporary memory.
CHUNK = 1 << 18
# At most this many rounds of redrawing when sampling a number of distinct edges.
_MAX_SAMPLING_ROUNDS = 64
# Largest n for which int64 keys row * n + column cannot overflow.
_MAX_NODES = 3_000_000_000


def build_network(
    kind: str,
    n: int,
    rng: np.random.Generator,
    *,
    degree: int = 10,
    rewire: float = 0.1,
    exponent: float = 2.5,
) -> SocialNetwork:
    """Generate a social network over ``n`` customers.

    The generator rules and their sources are in the module docstring.

    Args:
        kind: One of :data:`NETWORK_KINDS`.
        n: Number of customers.
        rng: The only source of randomness; the same generator state gives the same network.
        degree: Target mean number of neighbours (``small_world``: exact lattice degree before
            rewiring, rounded down to even; ignored by ``complete`` and ``none``).
        rewire: ``small_world`` only: probability that a lattice edge's far end is rewired.
        exponent: ``scale_free`` only: power-law exponent of the degree distribution, > 2.

    Returns:
        The network.

    Raises:
        ValueError: On an unknown kind or an out-of-range parameter.
    """
    check_arguments(kind, n, degree)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (got {type(rng).__name__})")
    n = int(n)
    degree = int(degree)
    if kind in ("complete", "none"):
        return SocialNetwork(kind, n)
    if kind == "small_world":
        if not 0.0 <= rewire <= 1.0:
            raise ValueError(f"rewire must be in [0, 1] (got {rewire})")
        keys = _small_world_keys(n, degree, float(rewire), rng)
        indptr, indices = _csr_from_directed_keys(keys, n, merge_duplicates=True)
        del keys  # free the keys before the constructor allocates the edge data
        return SocialNetwork(kind, n, indptr, indices)
    if kind == "random":
        pairs = _random_pair_keys(n, degree, rng)
    else:
        if not exponent > 2.0:
            raise ValueError(f"exponent must be > 2 for a finite mean degree (got {exponent})")
        pairs = _scale_free_pair_keys(n, degree, float(exponent), rng)
    keys = _symmetric_keys(pairs, n)
    del pairs
    indptr, indices = _csr_from_directed_keys(keys, n, merge_duplicates=False)
    del keys
    return SocialNetwork(kind, n, indptr, indices)


def check_arguments(kind: str, n: int, degree: int) -> None:
    if kind not in NETWORK_KINDS:
        raise ValueError(f"unknown network kind {kind!r}; expected one of {NETWORK_KINDS}")
    if not 0 <= int(n) <= _MAX_NODES:
        raise ValueError(f"n must be between 0 and {_MAX_NODES} (got {n})")
    if int(degree) < 0:
        raise ValueError(f"degree must be non-negative (got {degree})")


def small_world_half_degree(n: int, degree: int) -> int:
    """Lattice neighbours on each side: degree // 2, capped so the ring has no repeats."""
    return max(0, min(degree // 2, (n - 1) // 2))


def _small_world_keys(n: int, degree: int, rewire: float, rng: np.random.Generator) -> np.ndarray:
    """Directed keys (both directions) of a Watts-Strogatz graph, possibly with duplicates."""
    half = small_world_half_degree(n, degree)
    keys = np.empty(2 * n * half, dtype=np.int64)
    nodes = np.arange(n, dtype=np.int64)
    for offset in range(1, half + 1):
        far = nodes + offset
        far[far >= n] -= n
        rewired = np.flatnonzero(rng.random(n) < rewire)
        if rewired.size:
            new_far = rng.integers(0, n - 1, size=rewired.size, dtype=np.int64)
            new_far += new_far >= rewired  # uniform over the n - 1 customers other than i
            far[rewired] = new_far
        block = keys[2 * n * (offset - 1) : 2 * n * offset]
        np.multiply(nodes, n, out=block[:n])
        block[:n] += far
        np.multiply(far, n, out=block[n:])
        block[n:] += nodes
    return keys


def _random_pair_keys(n: int, degree: int, rng: np.random.Generator) -> np.ndarray:
    """Keys ``i * n + j`` (i < j) of a G(n, p) graph with p = degree / (n - 1), unsorted."""
    pairs_total = n * (n - 1) // 2
    if pairs_total == 0 or degree == 0:
        return np.empty(0, dtype=np.int64)
    p = min(degree / (n - 1), 1.0)
    if p >= 1.0:
        keys = np.arange(pairs_total, dtype=np.int64)
    else:
        keys = _bernoulli_successes(pairs_total, p, rng)
    # Pair number L enumerates pairs (low, high), low < high, as L = high (high - 1) / 2 + low.
    # Invert it in place, chunk by chunk: high from the quadratic formula, corrected by one
    # where floating point rounding misses.
    for start in range(0, keys.size, CHUNK):
        block = keys[start : start + CHUNK]
        high = ((1.0 + np.sqrt(1.0 + 8.0 * block)) / 2.0).astype(np.int64)
        high -= high * (high - 1) // 2 > block
        high += (high + 1) * high // 2 <= block
        block -= high * (high - 1) // 2
        block *= n
        block += high
    return keys


def _bernoulli_successes(trials: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted 0-based positions of the successes in ``trials`` Bernoulli(p) trials.

    Geometric skipping (Batagelj & Brandes 2005): the gaps between successive successes are
    independent Geometric(p) variables, so the positions are a cumulative sum of geometric
    draws. Cost is proportional to the number of successes, not of trials.
    """
    parts = []
    last = -1  # position of the last success found so far
    while True:
        expected = (trials - 1 - last) * p
        size = math.ceil(expected + 6.0 * math.sqrt(expected) + 16.0)
        positions = rng.geometric(p, size=size)
        np.cumsum(positions, out=positions)
        positions += last
        if positions[-1] >= trials:
            parts.append(positions[: np.searchsorted(positions, trials)])
            break
        parts.append(positions)
        last = int(positions[-1])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _scale_free_weights(n: int, degree: int, exponent: float) -> np.ndarray:
    """Chung-Lu-Vu power-law expected degrees, mean ``degree``, capped at sqrt(n * degree)."""
    weights = np.arange(1, n + 1, dtype=np.float64) ** (-1.0 / (exponent - 1.0))
    cap = math.sqrt(n * degree)
    for _ in range(50):  # rescale to the target mean, clip the hubs, repeat until it holds
        weights *= degree / weights.mean()
        if weights[0] <= cap * (1.0 + 1e-9):
            break
        np.minimum(weights, cap, out=weights)
    return weights


def _scale_free_pair_keys(
    n: int, degree: int, exponent: float, rng: np.random.Generator
) -> np.ndarray:
    """Sorted keys ``i * n + j`` (i < j) of a Chung-Lu graph with power-law weights."""
    pairs_total = n * (n - 1) // 2
    n_edges = min(pairs_total, round(n * degree / 2))
    if n_edges == 0:
        return np.empty(0, dtype=np.int64)
    weights = _scale_free_weights(n, degree, exponent)
    probabilities = weights / weights.sum()
    del weights
    nodes = np.arange(n, dtype=np.int64)

    def draw_weighted(count: int) -> tuple[np.ndarray, np.ndarray]:
        # 2 * count independent ends drawn with probability proportional to weight: how many
        # ends each node gets is multinomial, and their order a uniform shuffle. Much faster
        # than inverse-CDF search (random access into the cumulative weights).
        ends = np.repeat(nodes, rng.multinomial(2 * count, probabilities))
        rng.shuffle(ends)
        return ends[:count], ends[count:]

    return _distinct_pair_keys(n, n_edges, draw_weighted)


def _distinct_pair_keys(
    n: int,
    n_edges: int,
    draw_pairs: Callable[[int], tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Draw pairs until ``n_edges`` distinct non-loop pairs are held (or rounds run out).

    Each round draws exactly the shortfall, so the target is never overshot.

    Returns:
        Sorted unique keys ``i * n + j`` with ``i < j``.
    """
    keys = np.empty(0, dtype=np.int64)
    for _ in range(_MAX_SAMPLING_ROUNDS):
        shortfall = n_edges - keys.size
        if shortfall <= 0:
            break
        fresh = _pair_keys(*draw_pairs(shortfall), n)
        if keys.size == 0:
            keys = fresh
            continue
        position = np.searchsorted(keys, fresh)
        known = position < keys.size
        known[known] = keys[position[known]] == fresh[known]
        unknown = ~known
        keys = np.insert(keys, position[unknown], fresh[unknown])
    return keys


def _pair_keys(first: np.ndarray, second: np.ndarray, n: int) -> np.ndarray:
    """Sorted unique keys ``min * n + max`` of the pairs, self loops dropped (consumes input)."""
    not_loop = first != second
    low = np.minimum(first, second)
    np.maximum(first, second, out=second)
    low *= n
    low += second
    del first, second  # the draws are no longer needed: release them before the next copy
    keys = low[not_loop]
    del low, not_loop
    keys.sort()
    if keys.size:
        first_of_run = np.empty(keys.size, dtype=bool)
        first_of_run[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first_of_run[1:])
        keys = keys[first_of_run]
    return keys


def _symmetric_keys(pair_keys: np.ndarray, n: int) -> np.ndarray:
    """Directed keys for both directions of each undirected pair key."""
    count = pair_keys.size
    keys = np.empty(2 * count, dtype=np.int64)
    keys[:count] = pair_keys
    for start in range(0, count, CHUNK):
        block = pair_keys[start : start + CHUNK]
        low = block // n
        reverse = keys[count + start : count + start + block.size]
        np.subtract(block, low * n, out=reverse)
        reverse *= n
        reverse += low
    return keys


def _csr_from_directed_keys(
    keys: np.ndarray, n: int, *, merge_duplicates: bool
) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(indptr, indices)`` from directed keys ``row * n + column`` (sorted in place)."""
    keys.sort(kind="stable")  # timsort: the keys come in long sorted runs; about 2x quicksort
    first_of_run = None
    n_entries = keys.size
    if merge_duplicates and keys.size:
        first_of_run = np.empty(keys.size, dtype=bool)
        first_of_run[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first_of_run[1:])
        n_entries = int(np.count_nonzero(first_of_run))
    index_dtype = csr_index_dtype(n, n_entries)
    indices = np.empty(n_entries, dtype=index_dtype)
    row_counts = np.zeros(n, dtype=np.int64)
    filled = 0
    for start in range(0, keys.size, CHUNK):
        block = keys[start : start + CHUNK]
        if first_of_run is not None:
            block = block[first_of_run[start : start + CHUNK]]
        if block.size == 0:
            continue
        rows = block // n
        indices[filled : filled + block.size] = block - rows * n
        first_row = int(rows[0])  # rows are sorted: count within the block's own span
        counts = np.bincount(rows - first_row)
        row_counts[first_row : first_row + counts.size] += counts
        filled += block.size
    indptr = np.zeros(n + 1, dtype=index_dtype)
    np.cumsum(row_counts, out=indptr[1:])
    return indptr, indices
