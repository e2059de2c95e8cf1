"""One run of an experiment: a picklable task in, a result with outcomes and time series out.

A :class:`RunTask` carries everything a worker needs (the resolved scenario as plain data, the
seed, the labels that place the run in the design), so the same task gives the same result
bit for bit on any executor: in this process, in a local worker process, or on a Dask worker
(DESIGN.md principles 2 and 3). :func:`run_task` never raises for a failing run: it returns a
:class:`RunResult` with ``status="failed"`` and the error, so one bad run cannot take an
experiment down.
"""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.measures import OUTCOME_METRICS

__all__ = ["OUTCOME_METRICS", "RunResult", "RunTask", "final_outcomes", "run_task"]


@dataclass(frozen=True)
class RunTask:
    """Everything needed to execute one run.

    Attributes:
        run_id: stable identifier, safe as a file name (e.g. ``4R-r003``).
        scenario: the resolved scenario as plain data (``Scenario.model_dump(mode="json")``).
        seed: the run's seed; replication r of every arm uses the same seed (common random
            numbers).
        labels: where the run sits in the design: arm or parameter values, replication.
        allow_code: allow user strategy classes.
        diagnose: if given, the run is one replication of a diagnosis with these options
            (``window``, ``step``, ``levers``: :func:`sim.experiment.measurement.measure_market`),
            and its outcomes are the market's measures (with ``outcomes: True``, and the run's
            outcomes too).
        transactions: keep the run's transaction log (:mod:`sim.market.transactions`; dates
            from 2026-01-01, one period per ``period_unit`` where it is a day, week, month,
            quarter or year).
    """

    run_id: str
    scenario: dict[str, Any]
    seed: int
    labels: dict[str, Any] = field(default_factory=dict)
    allow_code: bool = False
    diagnose: dict[str, Any] | None = None
    transactions: bool = False


@dataclass
class RunResult:
    """What one run produced."""

    run_id: str
    seed: int
    labels: dict[str, Any]
    status: str  # "ok" or "failed"
    error: str = ""
    attempts: int = 1
    seconds: float = 0.0
    outcomes: dict[str, float] = field(default_factory=dict)
    timeseries: pd.DataFrame | None = None
    transactions: pd.DataFrame | None = None


def final_outcomes(timeseries: pd.DataFrame, customers: int, window: int = 12
                   ) -> dict[str, float]:
    """The outcomes of :data:`OUTCOME_METRICS` for every firm, as ``metric@Firm``.

    A firm that left the market (its exit rule) keeps the profit it made; its share, customers,
    loyal share and customer equity are 0 and its rates (retention, satisfaction) undefined.
    """
    out: dict[str, float] = {}
    last_period = int(timeseries["period"].max())
    for firm, rows in timeseries.groupby("firm", sort=False):
        rows = rows.sort_values("period")
        last = rows.iloc[-1]
        if int(last["period"]) != last_period:  # a firm that left the market: what it ended with
            out.update({f"{k}@{firm}": v for k, v in {
                "cumulative_profit": float(last["cumulative_profit"]),
                "discounted_profit": float(last["discounted_profit"]), "customer_equity": 0.0,
                "loyal_share": 0.0, "share_units": 0.0, "retention_rate": math.nan,
                "churn_rate": math.nan, "satisfaction": math.nan, "trust": math.nan,
                "active": 0.0, "profit": 0.0}.items()})
            continue
        recent = rows[rows["period"] > last_period - window]["retention_rate"].dropna()
        retention = float(recent.mean()) if len(recent) else math.nan
        values = {
            "cumulative_profit": last["cumulative_profit"],
            "discounted_profit": last["discounted_profit"],
            "customer_equity": last["customer_equity"],
            "loyal_share": last["loyal"] / customers,
            "share_units": last["share_units"],
            "retention_rate": retention,
            "churn_rate": 1.0 - retention,
            "satisfaction": last["satisfaction"],
            "trust": last["trust"],
            "active": last["active"],
            "profit": last["profit"],
        }
        out.update({f"{k}@{firm}": float(v) for k, v in values.items()})
    return out


def run_task(task: RunTask) -> RunResult:
    """Execute one run; failures are returned, not raised."""
    from sim.market.model import MarketModel  # imported here: light worker start-up
    from sim.scenario.loader import scenario_from_dict

    started = time.perf_counter()
    transactions = None
    try:
        scenario = scenario_from_dict(task.scenario, allow_code=task.allow_code)
        if task.diagnose is not None:
            from sim.experiment.measurement import measure_market

            options = dict(task.diagnose)
            with_outcomes = options.pop("outcomes", False)
            outcomes, ts = measure_market(scenario, task.seed, allow_code=task.allow_code,
                                          **options)
            if with_outcomes:
                outcomes.update(final_outcomes(ts, scenario.market.real_customers))
        else:
            model = MarketModel(scenario, seed=task.seed, allow_code=task.allow_code)
            log = None
            if task.transactions:
                from sim.market.transactions import DEFAULT_START, TransactionLog, calendar

                try:
                    dates = calendar(DEFAULT_START, None, scenario.period_unit)
                except ValueError:  # a period unit with no calendar length: no dates
                    dates = (None, None)
                log = TransactionLog(model, *dates)
                model.observers.append(log)
            model.run()
            ts = model.timeseries()
            outcomes = final_outcomes(ts, scenario.market.real_customers)
            transactions = None if log is None else log.frame(model)
    except Exception as exc:  # a run's failure is data, not a crash
        return RunResult(
            run_id=task.run_id, seed=task.seed, labels=dict(task.labels), status="failed",
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}",
            seconds=time.perf_counter() - started)
    return RunResult(run_id=task.run_id, seed=task.seed, labels=dict(task.labels), status="ok",
                     seconds=time.perf_counter() - started, outcomes=outcomes, timeseries=ts,
                     transactions=transactions)
