"""Scoring candidate markets, and what the best fit says about the parameters.

**Objective** (method of simulated moments; McFadden 1989; Gourieroux & Monfort 1996, ch. 2):
``S = sum_i ((m_i - v_i) / s_i)^2`` over the targets, where ``m_i`` is the candidate's mean over
its replications, ``v_i`` the figure and ``s_i^2 = (h_i / 2)^2 + se_i^2`` adds to the figure's
variance (a tolerance ``h_i`` counts as two standard errors) the variance of a simulated mean,
``se_i``: the median, over the candidates scored so far, of the standard error of their mean
over replications (pooled, so that a noisy candidate is not favoured by its own noise). With
one replication per candidate the runs' noise cannot be estimated and ``se_i = 0``.

**Uncertainty**: each parameter's 95% profile interval (:mod:`sim.calibration.uncertainty`):
the values whose profile, the best ``S`` over the other parameters, is within
``chi2(1, 0.95) = 3.84`` of the minimum, from the candidates and from a quadratic response
surface fitted to the best of them.

**Identification** (Raue et al. 2009): a parameter whose interval reaches both ends of its
range is not identified by the targets (the objective is flat along it); one that reaches one
end is bounded on one side only (the figures may want a value beyond the range).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.calibration.targets import objective
from sim.calibration.uncertainty import PROFILE_DELTA, profile_intervals

if TYPE_CHECKING:
    from sim.calibration.problem import Calibration
    from sim.calibration.search import Candidate
    from sim.experiment.store import ResultStore

__all__ = ["EDGE", "Fit", "Scores", "analyse"]

EDGE = 0.05
"""An interval within 5% of a range's width from an end reaches that end."""

FEW_PER_PARAMETER = 10
"""Fewer candidates than 10 per parameter is a small budget (Loeppky, Sacks & Welch 2009, the
"n = 10 d" rule for computer experiments)."""


class Scores:
    """The candidates' achieved values, kept as they finish (read once from the store)."""

    def __init__(self, cal: Calibration, store: ResultStore) -> None:
        self.cal = cal
        self.store = store
        self.values: dict[str, dict[str, np.ndarray]] = {}
        self.problems: dict[str, str] = {}
        self.order: list[Candidate] = []

    def add(self, candidates: list[Candidate]) -> None:
        """Read the finished runs of ``candidates``; one missing a replication is not scored
        (common random numbers need all of them)."""
        cal = self.cal
        for c in candidates:
            self.order.append(c)
            if c.error:
                self.problems[c.id] = c.error
                continue
            ids = [f"{c.id}-r{r:03d}" for r in range(cal.replications)]
            runs = self.store.runs(ids)
            if len(runs) < len(ids):
                self.problems[c.id] = (f"{len(ids) - len(runs)} of its {len(ids)} replications"
                                       " failed (errors in failed/)")
                continue
            series = (self.store.timeseries(ids) if any(t.windowed for t in cal.targets)
                      else None)
            self.values[c.id] = {t.label: t.values(runs, series, cal.real_customers)
                                 for t in cal.targets}

    def pooled_se(self) -> dict[str, float]:
        """Per target, the median standard error of a candidate's mean over replications."""
        out = {}
        for t in self.cal.targets:
            ses = []
            for values in self.values.values():
                v = values[t.label]
                v = v[np.isfinite(v)]
                if len(v) >= 2:
                    ses.append(float(np.std(v, ddof=1)) / math.sqrt(len(v)))
            out[t.label] = float(np.median(ses)) if ses else 0.0
        return out

    def means(self, cid: str) -> dict[str, float]:
        """The candidate's mean of each target over its replications (NaN if undefined)."""
        out = {}
        for t in self.cal.targets:
            v = self.values[cid][t.label]
            out[t.label] = float(np.mean(v)) if len(v) and np.isfinite(v).all() else math.nan
        return out

    def objective(self, cid: str, pooled: dict[str, float] | None = None) -> float:
        """``S`` of a candidate (infinite if it was not scored)."""
        if cid not in self.values:
            return math.inf
        pooled = self.pooled_se() if pooled is None else pooled
        means = self.means(cid)
        return objective([(means[t.label] - t.value) / math.hypot(t.sigma, pooled[t.label])
                          for t in self.cal.targets])

    def table(self) -> pd.DataFrame:
        """One row per candidate: id, round, the parameters, S, each target's mean."""
        pooled = self.pooled_se()
        rows = []
        for c in self.order:
            scored = c.id in self.values
            means = self.means(c.id) if scored else {}
            rows.append({"candidate": c.id, "round": c.round, **c.point,
                         "objective": self.objective(c.id, pooled),
                         **{t.label: means.get(t.label, math.nan) for t in self.cal.targets},
                         "problem": self.problems.get(c.id, "")})
        return pd.DataFrame(rows)


@dataclass
class Fit:
    """The best candidate, the fit table, the parameters with their uncertainty, warnings."""

    best: str
    best_point: dict[str, float | int]
    objective: float
    targets: pd.DataFrame
    parameters: pd.DataFrame
    candidates: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    unscored: int = 0

    @property
    def met(self) -> bool:
        """Every target met within its tolerance."""
        return bool(self.targets["met"].all())


def _target_rows(cal: Calibration, scores: Scores, best: str) -> pd.DataFrame:
    rows = []
    for t in cal.targets:
        ci = t.achieved(scores.values[best][t.label])
        residual = (ci.mean - t.value) / t.half_width
        rows.append({"target": t.label, "wanted": t.value, "tolerance": t.half_width,
                     "achieved": ci.mean, "low": ci.low, "high": ci.high,
                     "residual": residual, "met": bool(abs(residual) <= 1.0),
                     "origin": t.origin})
    return pd.DataFrame(rows)


def _parameter_rows(cal: Calibration, table: pd.DataFrame, best: pd.Series
                    ) -> tuple[pd.DataFrame, list[str]]:
    intervals = profile_intervals(table, {n: (float(r.low), float(r.high))
                                          for n, r in cal.parameters.items()}, best)
    rows, notes = [], []
    for (name, r), iv in zip(cal.parameters.items(), intervals.itertuples(), strict=True):
        lo, hi = iv.low, iv.high
        width = float(r.high - r.low)
        at_low, at_high = lo - r.low <= EDGE * width, r.high - hi <= EDGE * width
        identified = "no" if at_low and at_high else "one side" if at_low or at_high else "yes"
        rows.append({"parameter": name, "range_low": r.low, "range_high": r.high,
                     "fitted": best[name], "low": lo, "high": hi, "identified": identified,
                     "sampled_low": iv.sampled_low, "sampled_high": iv.sampled_high,
                     "quadratic_low": iv.quadratic_low, "quadratic_high": iv.quadratic_high,
                     "fits_in_interval": iv.fits_in_interval})
        if identified == "no":
            notes.append(f"{name} is not identified by these targets: markets with it anywhere"
                         f" from {lo:.4g} to {hi:.4g} (its whole range {r.low}:{r.high}) fit"
                         " as well as the best (S within 3.84); add a target that it moves, or"
                         " fix it at a value you know")
        elif identified == "one side":
            end = r.low if at_low else r.high
            notes.append(f"{name} is bounded on one side only: fits as good as the best reach"
                         f" the {'low' if at_low else 'high'} end of its range ({end}); the"
                         " figures may want a value beyond it: widen the range")
    return pd.DataFrame(rows), notes


def analyse(cal: Calibration, scores: Scores) -> Fit:
    """The best candidate and what the candidates say about the fit (see module docstring).

    Raises:
        ValueError: no candidate could be scored.
    """
    table = scores.table()
    scored = table[np.isfinite(table["objective"].to_numpy(dtype=float))]
    if scored.empty:
        reasons = sorted(set(scores.problems.values()))
        raise ValueError("no candidate market could be scored"
                         + (f": {reasons[0]}" if reasons else ""))
    best = scored.loc[scored["objective"].idxmin()]
    targets = _target_rows(cal, scores, str(best["candidate"]))
    parameters, notes = _parameter_rows(cal, scored, best)
    warnings = _warnings(cal, scores, scored, best, targets, parameters)
    return Fit(best=str(best["candidate"]),
               best_point={n: _plain(best[n]) for n in cal.parameters},
               objective=float(best["objective"]), targets=targets, parameters=parameters,
               candidates=table, warnings=[*warnings[:1], *notes, *warnings[1:]],
               unscored=len(table) - len(scored))


def _plain(value: Any) -> float | int:
    return int(value) if float(value).is_integer() and isinstance(value, np.integer | int
                                                                   ) else float(value)


def _warnings(cal: Calibration, scores: Scores, scored: pd.DataFrame, best: pd.Series,
              targets: pd.DataFrame, parameters: pd.DataFrame) -> list[str]:
    out = []
    missed = targets[~targets["met"]]
    if len(missed):
        shown = "; ".join(f"{r.target} wants {r.wanted:.4g} ±{r.tolerance:.3g}, gets"
                          f" {r.achieved:.4g}" for r in missed.itertuples())
        out.append(f"no candidate met every target within its tolerance: the best misses"
                   f" {shown}. The targets may conflict (no market in these ranges gives them"
                   " together), a range may be too narrow (see the parameters at an end of"
                   " theirs), or the budget too small")
    p = len(cal.parameters)
    n = len(scores.order)
    if n < FEW_PER_PARAMETER * p:
        out.append(f"small budget: {n} candidates for {p} parameters, fewer than"
                   f" {FEW_PER_PARAMETER} per parameter (Loeppky, Sacks & Welch 2009); better"
                   f" fits may have been missed: run again with --budget"
                   f" {FEW_PER_PARAMETER * p * cal.replications} into the same folder to"
                   " continue")
    late = {c.id for c in scores.order[len(scores.order) * 3 // 4:]}
    before = scored[~scored["candidate"].isin(late)]["objective"]
    gain = float(before.min()) - float(best["objective"]) if len(before) else 0.0
    if str(best["candidate"]) in late and gain > PROFILE_DELTA:
        out.append(f"still improving: the best fit came in the last quarter of the candidates"
                   f" and beat those before by {gain:.3g} in S; a larger --budget (same"
                   " folder) would likely find a better one")
    region = int(parameters["fits_in_interval"].iloc[0])
    if region < p + 2 and parameters["quadratic_low"].isna().all():
        out.append(f"the uncertainty rests on {region} candidate(s) within 3.84 of the best S,"
                   " and no quadratic surface fits the best candidates (the objective is not"
                   " curved upward around the best in every direction): the intervals are too"
                   " narrow to trust; a larger --budget maps them")
    pooled = scores.pooled_se()
    if cal.replications == 1:
        out.append("one replication per candidate: the runs' own noise is not in the"
                   " objective, and the achieved values have no interval; use"
                   " --replications 2 or more")
    for t in cal.targets:
        if pooled[t.label] > t.sigma:
            out.append(f"{t.label}: the mean of {cal.replications} replications varies by"
                       f" ±{pooled[t.label]:.3g} (its standard error), more than half the"
                       f" tolerance ±{t.half_width:.3g}: the fit cannot resolve it; raise"
                       " --replications (or --customers)")
    if len(scores.problems):
        first = next(iter(scores.problems.items()))
        out.append(f"{len(scores.problems)} candidate(s) could not be scored (e.g. {first[0]}:"
                   f" {first[1]})")
    return out
