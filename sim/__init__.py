"""stratsim: an agent-based simulator of marketing strategy, on Mesa.

Public API::

    import sim
    scenario = sim.load_scenario("scenarios/default.yaml")
    model = sim.MarketModel(scenario, seed=1)
    model.run()
    df = model.timeseries()          # one row per period and firm
    view = model.customer(0)         # one customer, read-only, with its delivered value
    df = sim.run(scenario, seed=1)   # the same in one call
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from sim.market.model import CustomerView, MarketModel
from sim.scenario.loader import load_scenario, scenario_from_dict
from sim.scenario.resolved import resolved_scenario
from sim.scenario.spec import Scenario
from sim.strategies import MarketView, Strategy, StrategyParams, make_strategy, register

try:
    __version__ = _version("stratsim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = [
    "CustomerView",
    "MarketModel",
    "MarketView",
    "Scenario",
    "Strategy",
    "StrategyParams",
    "__version__",
    "load_scenario",
    "make_strategy",
    "register",
    "resolved_scenario",
    "run",
    "scenario_from_dict",
]


def run(scenario: Scenario, seed: int | None = None, *, allow_code: bool = False):
    """Run a scenario to its last period and return its time series (a pandas DataFrame)."""
    return MarketModel(scenario, seed=seed, allow_code=allow_code).run().timeseries()
