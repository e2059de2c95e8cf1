"""Scoring candidates and reading the fit: the best, the fit table, identification, warnings.

The candidates' achieved values come from a known response here (no simulation), so every
number the analysis gives can be checked.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.calibration.fit import Scores, analyse
from sim.calibration.problem import build_calibration
from sim.calibration.search import Candidate
from sim.scenario.calibration import ParameterRange

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.yaml"
SCALE, QUALITY = "market.behaviour.choice_scale", "firms.Beta.quality"


def problem(targets: list[str], replications: int = 3, budget: int = 600):
    return build_calibration(DEFAULT, customers=300, periods=12, targets=targets,
                             parameters={SCALE: (ParameterRange(low=5.0, high=25.0), "p1"),
                                         QUALITY: (ParameterRange(low=0.5, high=0.9), "p2")},
                             replications=replications, budget=budget)


def scores_of(cal, response, n=120, noise=0.0, seed=0) -> Scores:
    """Scores of ``n`` candidates spread over the ranges, each target ``response(point)``."""
    rng = np.random.default_rng(seed)
    scores = Scores(cal, store=None)  # type: ignore[arg-type]
    for k in range(n):
        point = {SCALE: float(rng.uniform(5, 25)), QUALITY: float(rng.uniform(0.5, 0.9))}
        c = Candidate(f"c{k + 1:04d}", k // 8, point)
        scores.order.append(c)
        means = response(point)
        scores.values[c.id] = {t.label: means[t.label] + noise * rng.standard_normal(
            cal.replications) for t in cal.targets}
    return scores


def churn(point):  # depends on the choice scale only
    return 0.02 + 0.002 * (point[SCALE] - 10.0)


def test_the_best_candidate_meets_targets_it_can_and_the_table_says_so():
    cal = problem(["churn_rate@Alpha=0.03:0.004", "share_units@Beta=0.3:0.03"])
    scores = scores_of(cal, lambda p: {"churn_rate@Alpha": churn(p),
                                       "share_units@Beta": 0.3 + (p[QUALITY] - 0.7)})
    fit = analyse(cal, scores)
    assert fit.met and fit.objective == pytest.approx(min(
        scores.objective(c.id) for c in scores.order))
    row = fit.targets.set_index("target").loc["churn_rate@Alpha"]
    assert row["residual"] == pytest.approx((row["achieved"] - 0.03) / 0.004)
    assert row["low"] == row["high"] == row["achieved"]  # no spread between replications
    params = fit.parameters.set_index("parameter")
    assert params.loc[SCALE, "low"] <= 15.0 <= params.loc[SCALE, "high"]
    assert params.loc[QUALITY, "low"] <= 0.7 <= params.loc[QUALITY, "high"]
    assert set(params["identified"]) == {"yes"}
    assert not any("not identified" in w for w in fit.warnings)


def test_a_parameter_no_target_moves_is_not_identified():
    cal = problem(["churn_rate@Alpha=0.03:0.004"])
    scores = scores_of(cal, lambda p: {"churn_rate@Alpha": churn(p)})
    fit = analyse(cal, scores)
    params = fit.parameters.set_index("parameter")
    assert params.loc[QUALITY, "identified"] == "no"
    assert params.loc[SCALE, "identified"] == "yes"
    assert any(w.startswith(f"{QUALITY} is not identified by these targets") for w in
               fit.warnings)


def test_a_figure_beyond_the_range_leaves_the_parameter_bounded_on_one_side():
    cal = problem(["churn_rate@Alpha=0.065:0.004"])  # wants a choice scale of 32.5
    scores = scores_of(cal, lambda p: {"churn_rate@Alpha": churn(p)})
    fit = analyse(cal, scores)
    assert fit.parameters.set_index("parameter").loc[SCALE, "identified"] == "one side"
    assert any("bounded on one side only" in w and "widen the range" in w
               for w in fit.warnings)
    assert not fit.met
    assert any(w.startswith("no candidate met every target") for w in fit.warnings)


def test_noise_enters_the_objective_and_too_much_of_it_is_named():
    cal = problem(["churn_rate@Alpha=0.03:0.004"])
    quiet = scores_of(cal, lambda p: {"churn_rate@Alpha": churn(p)})
    noisy = scores_of(cal, lambda p: {"churn_rate@Alpha": churn(p)}, noise=0.01)
    assert quiet.pooled_se()["churn_rate@Alpha"] == 0.0
    se = noisy.pooled_se()["churn_rate@Alpha"]
    assert se == pytest.approx(0.01 / math.sqrt(3), rel=0.35)
    c = noisy.order[0]
    mean = noisy.means(c.id)["churn_rate@Alpha"]
    assert noisy.objective(c.id) == pytest.approx(((mean - 0.03) / math.hypot(0.002, se)) ** 2)
    fit = analyse(cal, noisy)
    assert any(w.startswith("churn_rate@Alpha: the mean of 3 replications varies") for w in
               fit.warnings)


def test_a_small_budget_and_unscored_candidates_are_warned_about():
    cal = problem(["churn_rate@Alpha=0.03:0.004"])
    scores = scores_of(cal, lambda p: {"churn_rate@Alpha": churn(p)}, n=12)
    scores.order.append(Candidate("c0013", 1, {SCALE: 30.0, QUALITY: 0.5}, "not valid"))
    scores.problems["c0013"] = "not valid"
    fit = analyse(cal, scores)
    assert any(w.startswith("small budget: 13 candidates for 2 parameters") for w in
               fit.warnings)
    assert any("1 candidate(s) could not be scored (e.g. c0013: not valid)" in w
               for w in fit.warnings)
    assert fit.unscored == 1
    assert math.isinf(scores.objective("c0013"))


def test_no_scored_candidate_is_an_error():
    cal = problem(["churn_rate@Alpha=0.03:0.004"])
    scores = Scores(cal, store=None)  # type: ignore[arg-type]
    scores.order.append(Candidate("c0001", 0, {SCALE: 10.0, QUALITY: 0.6}, "broken"))
    scores.problems["c0001"] = "broken"
    with pytest.raises(ValueError, match="no candidate market could be scored: broken"):
        analyse(cal, scores)
