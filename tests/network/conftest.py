"""Fixtures of the network tests: one network of each kind, built once per test module."""

from __future__ import annotations

import pytest
from graphs import DEGREE, N, rng

from sim.network import NETWORK_KINDS, SocialNetwork, build_network


@pytest.fixture(scope="module")
def networks() -> dict[str, SocialNetwork]:
    return {kind: build_network(kind, N, rng(1), degree=DEGREE) for kind in NETWORK_KINDS}
