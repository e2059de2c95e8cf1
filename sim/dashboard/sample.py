"""The customer sample: the customers the page's network view draws, their links and a layout.

Pure Python (no Solara): unit-tested without a browser (tests/dashboard/test_state.py).

Core objects:
    CustomerSample: a fixed sample of customers drawn once per run (a snowball along the
        network's links, from random numbers of its own, so drawing it changes nothing in the
        run), with its links and a layout; ``frame`` says whom each buys from now and how loyal.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.market.model import MarketModel
from sim.market.relationship import CLASS_NAMES

__all__ = ["CUSTOMER_SAMPLE_SIZE", "NO_FIRM", "SAMPLE_SEEDS", "CustomerSample"]

CUSTOMER_SAMPLE_SIZE = 300
"""Customers drawn in the customer view (a fixed sample per run)."""
SAMPLE_SEEDS = 4
"""Customers the snowball sample starts from (it then follows network links)."""
NO_FIRM = "no firm"
"""Label of customers who buy from no firm at the moment."""


@dataclass(frozen=True)
class CustomerSample:
    """A fixed sample of customers for the customer view, with their links and a layout.

    The sample is a snowball: from a few customers drawn at random it follows network links
    breadth-first, so that word of mouth between neighbours is visible. Without a network
    (``none``, or ``complete`` where everyone talks to everyone) it is a plain random sample
    laid out on a grid and no links are drawn.
    """

    index: np.ndarray
    """Customer indices, int64."""
    edges: np.ndarray
    """(m, 2) positions in ``index`` of linked pairs (each pair once)."""
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def draw(cls, model: MarketModel, size: int = CUSTOMER_SAMPLE_SIZE,
             seed: int = 0) -> CustomerSample:
        """Draw the sample; its random numbers come from ``seed`` and the model's seed, not
        from any of the model's streams (so drawing it changes nothing in the run)."""
        n = model.population.n
        size = min(int(size), n)
        rng = np.random.default_rng([int(model.seed), int(seed), 0x5A4D])
        network = model.network
        linked = network.kind in ("small_world", "random", "scale_free")
        if linked:
            chosen = _snowball(network, n, size, rng)
        else:
            chosen = np.sort(rng.choice(n, size=size, replace=False))
        position = {int(c): k for k, c in enumerate(chosen)}
        edges = []
        if linked:
            for k, c in enumerate(chosen):
                for j in network.neighbours(int(c)):
                    other = position.get(int(j))
                    if other is not None and other > k:
                        edges.append((k, other))
        edge_array = np.array(edges, dtype=np.int64).reshape(-1, 2)
        x, y = _layout(len(chosen), edge_array, rng)
        return cls(index=np.asarray(chosen, dtype=np.int64), edges=edge_array, x=x, y=y)

    def frame(self, model: MarketModel) -> pd.DataFrame:
        """One row per sampled customer: index, x, y, the firm it buys from now (``no firm``
        if none) and its loyalty class toward that firm (or, with no firm: lapsed if it has
        bought before, potential if it knows a firm, else unaware)."""
        st = model.state
        idx = self.index
        current = st.current[idx].astype(np.int64)
        names = np.array([*model.names, NO_FIRM], dtype=object)
        firm = names[np.where(current >= 0, current, len(model.names))]
        codes = st.loyalty_class[np.clip(current, 0, None), idx]
        classes = np.array(CLASS_NAMES, dtype=object)[codes]
        ever = st.ever[:, idx].any(axis=0)
        aware = st.aware[:, idx].any(axis=0)
        none_class = np.where(ever, "lapsed", np.where(aware, "potential", "unaware"))
        classes = np.where(current >= 0, classes, none_class)
        segment = np.array(model.population.segment_names, dtype=object)[
            model.population.segment[idx]]
        return pd.DataFrame({"customer": idx, "x": self.x, "y": self.y, "firm": firm,
                             "loyalty": classes, "segment": segment})

    def edge_frame(self) -> pd.DataFrame:
        """One row per link: its two ends' coordinates (for drawing lines)."""
        a, b = self.edges[:, 0], self.edges[:, 1]
        return pd.DataFrame({"x": self.x[a], "y": self.y[a], "x2": self.x[b], "y2": self.y[b]})


def _snowball(network: Any, n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    starts = rng.choice(n, size=min(SAMPLE_SEEDS, n), replace=False)
    seen: dict[int, None] = {}
    queues = [deque([int(s)]) for s in starts]
    while len(seen) < size and any(queues):
        for q in queues:  # grow the clusters in turn, so each gets a share
            while q:
                c = q.popleft()
                if c in seen:
                    continue
                seen[c] = None
                nb = network.neighbours(c)
                q.extend(int(j) for j in rng.permutation(nb))
                break
            if len(seen) >= size:
                break
    chosen = list(seen)
    if len(chosen) < size:  # small components: top up at random
        rest = np.setdiff1d(np.arange(n), np.array(chosen, dtype=np.int64))
        chosen += [int(c) for c in rng.choice(rest, size=size - len(chosen), replace=False)]
    return np.array(chosen, dtype=np.int64)


def _layout(count: int, edges: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """Coordinates in [0, 1]: a force-directed layout of the links, or a grid without links."""
    if count == 0:
        return np.zeros(0), np.zeros(0)
    if edges.size == 0:
        side = math.ceil(math.sqrt(count))
        k = np.arange(count)
        return ((k % side + 0.5) / side, 1.0 - (k // side + 0.5) / side)
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(count))
    graph.add_edges_from(map(tuple, edges.tolist()))
    start = {k: tuple(p) for k, p in enumerate(rng.random((count, 2)))}
    pos = nx.spring_layout(graph, pos=start, seed=int(rng.integers(2**31)), iterations=60)
    xy = np.array([pos[k] for k in range(count)], dtype=float)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    xy = (xy - lo) / np.where(hi > lo, hi - lo, 1.0)
    return xy[:, 0], xy[:, 1]
