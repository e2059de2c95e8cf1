"""The parameter-recovery case: can a calibration find parameters it was not told?

A twin experiment (the standard check of a calibration method; e.g. Raue et al. 2009; Grazzini,
Richiardi & Tsionas 2017 for agent-based models): the default market with three parameters
changed to known values (:data:`TRUTH`) is run on seeds of its own, and the means of six of its
outcomes become the targets. The unchanged market is then calibrated to them over wide ranges
(:data:`RANGES`). The case passes when the calibrated market meets every target within its
tolerance and every parameter the targets identify lies within its reported 95% interval.

A target's tolerance is twice the standard error of the difference between the truth's mean
and a candidate's mean at the true parameters, ``2 sqrt(se_truth^2 + se_candidate^2)``, with
``se_candidate = se_truth sqrt(truth replications / calibration replications)``: a market with
the true parameters meets it about 95% of the time, so a tolerance is what the figures' noise
allows, and no tighter.

A function of its size, like the validation cases (:mod:`sim.experiment.validation`):
tests/calibration/ run :data:`CI_SIZE`, ``benchmarks/calibration_recovery.py`` runs
:data:`FULL_SIZE` and prints its numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.fit import Fit, analyse
from sim.calibration.problem import Calibration, build_calibration
from sim.calibration.search import SearchSummary, run_search
from sim.experiment.design import replication_seeds
from sim.experiment.executor import execute
from sim.experiment.store import ResultStore
from sim.experiment.task import RunTask
from sim.scenario.calibration import ParameterRange
from sim.scenario.loader import load_scenario

__all__ = ["CI_SIZE", "FULL_SIZE", "RANGES", "TARGETS", "TRUTH", "Recovery", "RecoverySize",
           "recovery_case"]

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"

TRUTH: dict[str, float] = {
    "market.behaviour.choice_scale": 11.0,
    "firms.Beta.quality": 0.78,
    "market.behaviour.satisfaction_scale": 35.0,
}
"""The changed parameters (the default market has 15, 0.7 and 25)."""

RANGES: dict[str, tuple[float, float]] = {
    "market.behaviour.choice_scale": (5.0, 25.0),
    "firms.Beta.quality": (0.5, 0.95),
    "market.behaviour.satisfaction_scale": (10.0, 50.0),
}
"""The ranges searched: wide, with the truth off their centres."""

TARGETS = ("share_units@Alpha", "share_units@Beta", "churn_rate@Alpha", "churn_rate@Beta",
           "satisfaction@Alpha", "satisfaction@Gamma")
"""The outcomes of the truth that become the targets."""

TRUTH_SEED = 1001
"""The truth runs on seeds of its own, not the calibration's (no shared luck)."""


@dataclass(frozen=True)
class RecoverySize:
    """How big a recovery case is."""

    customers: int
    periods: int
    replications: int
    truth_replications: int
    budget: int
    batch: int = 8


CI_SIZE = RecoverySize(customers=1000, periods=24, replications=3, truth_replications=8,
                       budget=168)
FULL_SIZE = RecoverySize(customers=5000, periods=60, replications=4, truth_replications=20,
                         budget=480)


@dataclass
class Recovery:
    """What a recovery case found."""

    calibration: Calibration
    fit: Fit
    summary: SearchSummary
    targets: pd.DataFrame
    """Per target: its value and tolerance from the truth."""

    @property
    def parameters(self) -> pd.DataFrame:
        """Per parameter: truth, fitted, 95% interval, identified, truth inside the interval."""
        table = self.fit.parameters[["parameter", "fitted", "low", "high", "identified"]].copy()
        table.insert(1, "truth", [TRUTH[p] for p in table["parameter"]])
        table["covered"] = (table["low"] <= table["truth"]) & (table["truth"] <= table["high"])
        table["error"] = table["fitted"] - table["truth"]
        return table

    @property
    def passed(self) -> bool:
        """Every target met, and every identified parameter's interval covers its truth."""
        p = self.parameters
        return self.fit.met and bool(p.loc[p["identified"] != "no", "covered"].all())


def _truth(size: RecoverySize, out_dir: Path, jobs: int | None) -> pd.DataFrame:
    scenario = load_scenario(SCENARIO, [(f"truth {k + 1}", f"{p}={v!r}")
                                        for k, (p, v) in enumerate(TRUTH.items())],
                             customers=size.customers, periods=size.periods)
    data = scenario.model_dump(mode="json")
    tasks = [RunTask(run_id=f"truth-r{r:03d}", scenario=data, seed=seed,
                     labels={"replication": r})
             for r, seed in enumerate(replication_seeds(TRUTH_SEED, size.truth_replications))]
    store = ResultStore(out_dir, fingerprint=None)
    execute(tasks, store=store, jobs=jobs)
    runs = store.runs()
    rows = []
    factor = math.sqrt(1.0 + size.truth_replications / size.replications)
    for name in TARGETS:
        values = runs[name].to_numpy(dtype=float)
        se = float(np.std(values, ddof=1)) / math.sqrt(len(values))
        rows.append({"target": name, "value": float(values.mean()), "se_truth": se,
                     "tolerance": 2.0 * se * factor})
    return pd.DataFrame(rows)


def recovery_case(size: RecoverySize, out_dir: Path, *, jobs: int | None = None,
                  quiet: bool = True, **settings: Any) -> Recovery:
    """Run the truth, then calibrate the unchanged default market to its outcomes."""
    targets = _truth(size, out_dir / "truth", jobs)
    cal = build_calibration(
        SCENARIO, customers=size.customers, periods=size.periods,
        targets=[f"{r.target}={r.value!r}:{r.tolerance!r}" for r in targets.itertuples()],
        parameters={p: (ParameterRange(low=lo, high=hi), f"recovery {p}")
                    for p, (lo, hi) in RANGES.items()},
        budget=size.budget, replications=size.replications, seed=1, batch=size.batch,
        **settings)
    _, _, scores, summary = run_search(cal, out_dir / "calibration", jobs=jobs,
                                       quiet=quiet)
    return Recovery(calibration=cal, fit=analyse(cal, scores), summary=summary,
                    targets=targets)
