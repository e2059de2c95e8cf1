"""The classroom dashboard's state: its controls, the model they build, and what the page shows.

Pure Python (no Solara): everything here is unit-tested without a browser
(tests/dashboard/test_state.py); :mod:`sim.dashboard.app` only draws it.

Core objects, by module (this one re-exports them all):
    settings: DashboardSettings: what the controls say (a scenario file, the market's size,
        horizon, seed and segment mix, and each firm's strategy and main levers); frozen.
    panel: ControlPanel: the settings of one page, kept valid: a change that makes the
        scenario invalid is shown with its problems and never reaches a run.
    panel: DashboardModel: a :class:`~sim.market.model.MarketModel` built from a ControlPanel,
        so that Mesa's SolaraViz can rebuild it on Reset (it calls
        ``type(model)(**model_params)``), with a fixed sample of customers drawn for the
        customer view.
    sample: CustomerSample: the sample of customers the page draws, their links and a layout.
    state (here): what the page shows of a run: one customer's delivered value component by
        component (``value_components``, ``customer_card``), the scenario's scheduled events
        as sentences (``event_lines``), whether the run has finished (``run_status``), and the
        downloads.

The settings change a scenario only where the controls differ from it (``build_scenario``):
events, costs, behaviour constants and every other lever stay as the file says. A run's
time series downloads as CSV (``timeseries_csv``), and the resolved scenario (every default
filled in, plus the seed) as YAML (``scenario_yaml``): ``stratsim run`` on that file, for the
same number of periods, reproduces the dashboard's run exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

import sim
from sim.dashboard.panel import (
    ControlPanel,
    DashboardModel,
    default_scenario_folder,
    scenario_catalogue,
)
from sim.dashboard.sample import CUSTOMER_SAMPLE_SIZE, NO_FIRM, CustomerSample
from sim.dashboard.settings import (
    BY_CLASS,
    STRATEGY_CHOICES,
    DashboardSettings,
    FirmControls,
    MarketControls,
    SettingsError,
    build_scenario,
    settings_from_scenario,
    strategy_summary,
)
from sim.files import csv_text
from sim.market.model import MarketModel
from sim.market.population import COMPONENTS
from sim.scenario.events import EventSpec
from sim.scenario.resolved import dump_yaml, resolved_scenario
from sim.scenario.spec import Scenario

__all__ = [
    "BY_CLASS",
    "COST_SIDE",
    "CUSTOMER_SAMPLE_SIZE",
    "NO_FIRM",
    "STRATEGY_CHOICES",
    "VALUE_SIDE",
    "ControlPanel",
    "CustomerSample",
    "DashboardModel",
    "DashboardSettings",
    "FirmControls",
    "MarketControls",
    "SettingsError",
    "build_scenario",
    "customer_card",
    "default_scenario_folder",
    "download_name",
    "event_line",
    "event_lines",
    "run_status",
    "scenario_catalogue",
    "scenario_yaml",
    "settings_from_scenario",
    "strategy_summary",
    "timeseries_csv",
    "value_components",
]

VALUE_SIDE = COMPONENTS[:4]
"""Components of total customer value (Kotler): product, service, personnel, image."""
COST_SIDE = COMPONENTS[4:]
"""Components of total customer cost: money, time, energy, psychic."""


def value_components(model: MarketModel, customer: int) -> pd.DataFrame:
    """Customer ``customer``'s delivered value from every firm, component by component.

    One row per firm and component (money per unit, already weighted by the customer's own
    weights): ``firm``, ``component``, ``side`` (value or cost), ``amount`` (positive) and
    ``signed`` (costs negative), in Kotler's order: product, service, personnel, image, money,
    time, energy, psychic.
    """
    view = model.customer(int(customer))
    rows = []
    for firm, record in view.firms.items():
        breakdown = record["value"]
        for component in COMPONENTS:
            amount = float(getattr(breakdown, component))
            side = "value" if component in VALUE_SIDE else "cost"
            rows.append({"firm": firm, "component": component, "side": side,
                         "amount": amount, "signed": amount if side == "value" else -amount})
    return pd.DataFrame(rows, columns=["firm", "component", "side", "amount", "signed"])


def customer_card(model: MarketModel, customer: int) -> dict[str, Any]:
    """What the page says about one customer: who it is, and its standing with each firm.

    Returns a mapping with ``customer``, ``segment``, ``business``, ``current_firm`` and
    ``firms``: per firm, total value, total cost, delivered value, loyalty class, satisfaction,
    trust, commitment, whether the customer is aware of and can reach the firm, and its
    relationship level.
    """
    view = model.customer(int(customer))
    firms = {}
    for name, record in view.firms.items():
        breakdown = record["value"]
        firms[name] = {
            "total_value": breakdown.total_value, "total_cost": breakdown.total_cost,
            "delivered_value": breakdown.delivered_value,
            "loyalty_class": record["loyalty_class"], "satisfaction": record["satisfaction"],
            "trust": record["trust"], "commitment": record["commitment"],
            "aware": record["aware"], "reachable": record["reachable"],
            "ever_bought": record["ever_bought"],
            "relationship_level": record["relationship_level"],
        }
    return {"customer": view.index, "segment": view.segment, "business": view.business,
            "current_firm": view.current_firm, "firms": firms}


def timeseries_csv(model: MarketModel) -> bytes:
    """The run's time series so far as CSV (the columns of ``stratsim run``'s
    timeseries.csv; docs/outputs.md)."""
    return csv_text(model.timeseries()).encode("utf-8")


def scenario_yaml(model: MarketModel) -> str:
    """The run's resolved scenario as YAML: ``stratsim run`` on it reproduces the run."""
    data = resolved_scenario(model.spec, model.seed, sim.__version__)
    header = (f"Scenario of a stratsim dashboard run ({model.spec.name}, seed {model.seed}),"
              f" written by stratsim {sim.__version__}.\nRun it with: stratsim run FILE")
    return dump_yaml(data, header)


def download_name(model: DashboardModel, kind: str) -> str:
    """File name for a download: ``<scenario>-seed<seed>-period<t>.<kind>``."""
    key = model.scenario_key.replace("/", "-")
    return f"{key}-seed{model.seed}-period{model.period}.{kind}"


# --------------------------------------------------------------------------- events
def _number(value: float) -> str:
    """A number as a class reads it: ``68`` (not 68.0), ``15,000``, ``0.05``."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}"


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_value_text(v) for v in value) + ")"
    if isinstance(value, Mapping):  # a lever given per customer class
        return "(" + "; ".join(f"{k} {_value_text(v)}" for k, v in value.items()) + ")"
    return str(value)


def _changes_text(changes: Mapping[str, Any]) -> str:
    """``price 68, financial program 0``: only what is given, in the order given."""
    parts = []
    for name, value in changes.items():
        if name == "programs" and isinstance(value, Mapping):
            parts += [f"{program} program {_value_text(v)}" for program, v in value.items()]
        else:
            parts.append(f"{name.replace('_', ' ')} {_value_text(value)}")
    return ", ".join(parts)


def event_line(event: EventSpec, unit: str = "period") -> str:
    """One scheduled event as a sentence that names only what it changes:
    ``month 18: Alpha sets price 68``.

    Fields the event leaves unset (None) are never shown; whole numbers have no decimals.
    """
    if event.add_firm is not None:
        what = f"{event.add_firm.name} enters ({event.add_firm.strategy})"
    elif event.strategy is not None:
        what = f"{event.firm} switches to {event.strategy}"
    elif event.set is not None:
        what = f"{event.firm} sets " + _changes_text(event.set.model_dump(exclude_none=True))
    elif getattr(event, "release", None) is not None:  # pinned levers handed back
        levers = ", ".join(name.replace("_", " ") for name in event.release)
        what = f"{event.firm} hands {levers} back to its strategy"
    else:
        changes = event.market.model_dump(exclude_none=True) if event.market else {}
        what = "market: " + _changes_text(changes)
    return f"{unit} {event.period}: {what}"


def event_lines(scenario: Scenario) -> list[str]:
    """The scenario's scheduled events, one sentence each (:func:`event_line`), in time order."""
    return [event_line(ev, scenario.period_unit)
            for ev in sorted(scenario.events, key=lambda e: e.period)]


# --------------------------------------------------------------------------- the run
def run_status(model: MarketModel) -> str | None:
    """``Finished: month 60 of 60`` once the run has reached its last period (Mesa's Play
    and Step are then off until a new run starts); None while it can go on."""
    if model.running and model.period < model.spec.periods:
        return None
    return f"Finished: {model.spec.period_unit} {model.period} of {model.spec.periods}"
