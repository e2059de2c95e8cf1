"""Measuring a market: one replication of ``stratsim diagnose``.

A diagnosis runs the scenario to the start of a measurement window (its last ``window``
periods), keeps a copy of the market there, and then:

- runs the market on through the window with a
  :class:`~sim.market.consumer_panel.PurchasePanel` watching: churn and retention per
  firm, the length of relationships, and the purchase panel
  (penetration, purchases per buyer, share of category requirements, repeat buying, the
  distribution of purchases per customer, occasions that end with no purchase), and the loyalty
  classes at the end;
- for each firm and each of price, promotion and quality, runs two copies of the market through
  the window with the lever pinned ``step`` (5%) above and below its level at the window's
  start and the firm's other levers held at their levels there, every other firm's levers set
  by its strategy as usual. Holding the firm's own mix is what makes the number comparable with
  the literature's: its elasticities are partial effects, estimated with the brand's other
  marketing-mix variables in the same regression (Bijmolt, van Heerde & Pieters 2005;
  Sethuraman, Tellis & Briesch 2011); a firm that re-decided its mix would mix its own
  response into the lever's effect (a perceived-value pricer turns added image into price, so
  its units would not move). Rivals' reactions stay in. The **arc elasticity** of the
  firm's units sold over the window is the central difference on logarithms,
  ``(ln Q+ - ln Q-) / (ln x+ - ln x-)``; the other firms' units against the same price change
  give the cross-price elasticities. Both copies face the same draws (the draws depend only on
  the seed and the period: common random numbers), so the difference is the lever's effect and
  not luck.

Every number is a plain float keyed ``measure@Firm`` (cross-price: ``cross_price:Of@Firm``), so
a replication is one run of the experiment executor (:func:`sim.experiment.task.run_task`) and
its results land in the experiment's store like any other run's outcomes. The statistics over
replications are :mod:`sim.experiment.diagnosis`.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.market.consumer_panel import PurchasePanel
from sim.market.model import MarketModel

if TYPE_CHECKING:
    from sim.scenario.spec import Scenario

__all__ = ["CATEGORY", "CLASSES", "ELASTICITY_LEVERS", "FIRM_MEASURES", "check_window", "key",
           "measure_market", "perturbed_run"]

CATEGORY = ""
"""The ``firm`` of measures of the whole category (no firm can be named with no characters)."""

ELASTICITY_LEVERS = ("price", "promotion", "quality")
"""The levers whose elasticities of unit sales are measured."""

CLASSES = ("unaware", "potential", "new", "repeat", "loyal", "lapsed")
"""The loyalty classes whose shares of all customers are reported (sim.market.relationship)."""

FIRM_MEASURES = (
    *(f"elasticity_{lever}" for lever in ELASTICITY_LEVERS),
    "churn", "retention", "lifetime", "tenure", "spells",
    "penetration", "frequency", "scr", "repeat", "share", "w_1_b", "units",
    *(f"class_{c}" for c in CLASSES),
)
"""Measures taken for every firm (besides cross-price elasticities and purchase counts)."""


def check_window(window: int, step: float, periods: int) -> None:
    """A measurement window must fit in the scenario's periods, and a step lie in (0, 0.5).

    Raises:
        ValueError: either does not.
    """
    if not 1 <= window <= periods:
        raise ValueError(f"the window ({window} periods) must fit in the scenario's"
                         f" {periods} periods")
    if not 0 < step < 0.5:
        raise ValueError(f"the step must be between 0 and 0.5 (got {step})")


def key(measure: str, firm: str, of: str | None = None) -> str:
    """The outcome key of ``measure`` for ``firm`` (``of``: the firm whose price moved)."""
    return f"{measure}:{of}@{firm}" if of is not None else f"{measure}@{firm}"


def _run_window(model: MarketModel, panel: PurchasePanel | None = None) -> MarketModel:
    while model.running and model.period < model.spec.periods:
        model.step()
        if panel is not None:
            panel.observe(model)
    return model


def _window_units(model: MarketModel, first: int) -> dict[str, float]:
    units: dict[str, float] = {}
    for row in model.records:
        if row["period"] >= first:
            units[row["firm"]] = units.get(row["firm"], 0.0) + float(row["units"])
    return units


def perturbed_run(base: MarketModel, firm: str, lever: str, value: float) -> MarketModel:
    """A copy of ``base`` run to the end with ``firm``'s ``lever`` pinned at ``value`` and the
    firm's other levers pinned where they are (its whole mix held: only the lever moves);
    every other firm's strategy decides as usual."""
    model = copy.deepcopy(base)
    target = model.firms[firm]
    held = {k: v for k, v in target.levers.model_dump().items() if v is not None}
    target.apply({**held, lever: value})
    return _run_window(model)


def _perturbed(base: MarketModel, firm: str, lever: str, value: float, first: int
               ) -> dict[str, float]:
    return _window_units(perturbed_run(base, firm, lever, value), first)


def _ratio_log(up: float, down: float) -> float:
    if up > 0 and down > 0:
        return math.log(up / down)
    return math.nan


def _elasticities(start: MarketModel, names: list[str], first: int, step: float,
                  only: set[tuple[str, str]] | None = None) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in names:
        for lever in ELASTICITY_LEVERS:
            if only is not None and (name, lever) not in only:
                continue
            level = float(getattr(start.firms[name].levers, lever))
            up, down = level * (1.0 + step), level * (1.0 - step)
            if lever == "quality":
                up = min(up, 1.0)
            if level <= 0 or up <= down:
                out[key(f"elasticity_{lever}", name)] = math.nan
                continue
            units_up = _perturbed(start, name, lever, up, first)
            units_down = _perturbed(start, name, lever, down, first)
            span = math.log(up / down)
            for other in names:
                e = _ratio_log(units_up.get(other, 0.0), units_down.get(other, 0.0)) / span
                if other == name:
                    out[key(f"elasticity_{lever}", name)] = e
                elif lever == "price":
                    out[key("cross_price", other, of=name)] = e
    return out


def _firm_measures(model: MarketModel, panel: PurchasePanel, ts: pd.DataFrame,
                   names: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    n = model.population.n
    counts = panel.counts.astype(np.int64)
    category = counts.sum(axis=0)
    total = float(category.sum())
    window = ts[ts["period"] >= panel.first]
    last = ts[ts["period"] == ts["period"].max()]
    for name in names:
        s = model.slot_of[name]
        own = counts[s]
        buyers = own > 0
        nb = int(np.count_nonzero(buyers))
        rows = window[window["firm"] == name]
        retained, churned = float(rows["retained"].sum()), float(rows["churned"].sum())
        churn = churned / (retained + churned) if retained + churned > 0 else math.nan
        b = nb / n
        w = float(own[buyers].mean()) if nb else math.nan
        h1 = panel.first_half[s]
        first_buyers = int(np.count_nonzero(h1))
        row = last[last["firm"] == name]
        values: dict[str, float] = {
            "churn": churn,
            "retention": 1.0 - churn,
            "lifetime": 1.0 / churn if churn and churn > 0 else math.nan,
            "tenure": (panel.spell_periods[s] / panel.spells[s]) if panel.spells[s]
            else math.nan,
            "spells": float(panel.spells[s]),
            "penetration": b,
            "frequency": w,
            "scr": float(own.sum() / category[buyers].sum()) if nb else math.nan,
            "repeat": float(np.count_nonzero(h1 & panel.second_half[s]) / first_buyers)
            if first_buyers else math.nan,
            "share": float(own.sum()) / total if total else math.nan,
            "w_1_b": w * (1.0 - b) if nb else math.nan,
            "units": float(rows["units"].sum()),
        }
        for c in CLASSES:
            values[f"class_{c}"] = float(row[c].iloc[0]) / n if len(row) else math.nan
        out.update({key(m, name): v for m, v in values.items()})
        histogram = np.bincount(own, minlength=panel.window + 1)
        out.update({key(f"purchases_{k}", name): float(histogram[k]) / n
                    for k in range(panel.window + 1)})
    histogram = np.bincount(category, minlength=panel.window + 1)
    out.update({key(f"purchases_{k}", CATEGORY): float(histogram[k]) / n
                for k in range(panel.window + 1)})
    out[key("no_purchase", CATEGORY)] = (panel.no_purchase / panel.occasions if panel.occasions
                                 else math.nan)
    out[key("penetration", CATEGORY)] = float(np.count_nonzero(category)) / n
    out[key("frequency", CATEGORY)] = (float(category[category > 0].mean()) if category.any()
                               else math.nan)
    return out


def measure_market(scenario: Scenario, seed: int, *, window: int, step: float,
                   allow_code: bool = False, elasticities: bool = True,
                   levers: list[list[str]] | None = None
                   ) -> tuple[dict[str, Any], pd.DataFrame]:
    """One replication of a diagnosis (see the module docstring): its measures, and the time
    series of the unperturbed run. ``elasticities=False`` leaves out the perturbed copies (and
    the elasticity measures): the panel, churn and classes only; ``levers`` (``[firm, lever]``
    pairs) measures only those elasticities (and, for a price, its cross-price elasticities).

    Raises:
        ValueError: the window is longer than the scenario, or ``step`` is not in (0, 0.5).
    """
    check_window(window, step, scenario.periods)
    first = scenario.periods - window + 1
    model = MarketModel(scenario, seed=seed, allow_code=allow_code)
    panel = PurchasePanel(model, first, scenario.periods)
    while model.running and model.period < first - 1:
        model.step()
        panel.observe(model)
    start = copy.deepcopy(model) if elasticities else model
    names = [f.name for f in model.active_firms]
    _run_window(model, panel)
    ts = model.timeseries()
    measures = _firm_measures(model, panel, ts, names)
    if elasticities:
        only = None if levers is None else {(str(f), str(lv)) for f, lv in levers}
        measures.update(_elasticities(start, names, first, step, only))
    return measures, ts
