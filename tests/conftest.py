"""Shared helpers for the engine tests: small scenarios built from dicts, and model runs.

The helpers are fixtures (``make_scenario``, ``run_model``) so test modules in any folder use
them without importing this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

import sim
from sim.scenario.market import BehaviourSpec, ValueScale
from sim.scenario.spec import Scenario


def _make_scenario(firms: Mapping[str, Mapping[str, Any]], *, periods: int = 24,
                   customers: int = 2_000, market: Mapping[str, Any] | None = None,
                   events: Iterable[Mapping[str, Any]] = (), **extra: Any) -> Scenario:
    """A validated scenario from plain dicts (``market`` keys beside ``customers``)."""
    data = {"periods": periods, "market": {"customers": customers, **(market or {})},
            "firms": {name: dict(spec) for name, spec in firms.items()},
            "events": [dict(e) for e in events], **extra}
    return sim.scenario_from_dict(data)


def _run_model(firms: Mapping[str, Mapping[str, Any]], *, seed: int = 1,
               after_step: Callable[[sim.MarketModel], None] | None = None,
               **kwargs: Any) -> sim.MarketModel:
    """Build a model from dicts and run it to its last period, calling ``after_step(model)``
    after every period."""
    model = sim.MarketModel(_make_scenario(firms, **kwargs), seed=seed)
    while model.running:
        model.step()
        if after_step is not None:
            after_step(model)
    return model


@pytest.fixture(scope="session")
def make_scenario() -> Callable[..., Scenario]:
    """``make_scenario(firms, periods=, customers=, market=, events=)`` -> Scenario."""
    return _make_scenario


@pytest.fixture(scope="session")
def run_model() -> Callable[..., sim.MarketModel]:
    """``run_model(firms, seed=, after_step=, **make_scenario kwargs)`` -> a finished model."""
    return _run_model


@pytest.fixture
def behaviour() -> BehaviourSpec:
    """The default behavioural constants."""
    return BehaviourSpec()


@pytest.fixture
def value_scale() -> ValueScale:
    """The default money scales of delivered value."""
    return ValueScale()
