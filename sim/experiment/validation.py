"""The validation cases: the engine against analytic results and marketing's stylised facts.

Rand & Rust (2011) ask an agent-based marketing model for verification (does the code do what
the model says?) and validation (does the model behave like the market?). Each case here is a
function of its size, so the suite ``tests/validation/`` runs it at a size CI affords and
``benchmarks/validation.py`` at full size, with the same code:

- :func:`bass_case`, **Bass docking** (Bass 1969): one firm, a well-mixed (complete) network,
  an offer every aware customer accepts at once (a purchase occasion every period, no outside
  option worth taking, no perception noise). Cumulative adopters must follow the discrete Bass
  recursion ``F_t = F_{t-1} + (p + q F_{t-1})(1 - F_{t-1})``, iterated from ``F_0 = 0``; on a
  small-world network, where a customer's neighbours know each other, word of mouth reaches
  fewer new customers and adoption is slower.
- :func:`double_jeopardy_case`, **Double Jeopardy** (Ehrenberg, Goodhardt & Barwise 1990):
  three firms alike in everything but promotion (or, separately, distribution coverage); the
  smaller a firm's share, the fewer its buyers, and the less loyal they are on every measure
  (purchases per buyer, repeat rate, share of requirements, truly loyal customers).
- :func:`lifetime_case`, **the lifetime identity**: in a stationary market the flow of
  relationships that end equals the flow that start, so by Little's law (1961) churn per
  period is one over the mean length of a relationship, whatever the shape of the hazard;
  measured over a follow-up long against the longest relationships.
- :func:`scale_case`, **scale invariance**: a market of ``size`` real customers simulated with
  few agents and with many gives the same outcomes beyond sampling error (Welch's t-test per
  outcome), the many with narrower spread: the number of agents is a precision knob
  (``market.size``), not a fact about the market.
- :func:`kotler_score`, **Kotler's grid**: the winning relationship level per cell of the
  customers x unit-margin grid, against Kotler's table (*Marketing Management*, Millennium
  ed., 2000, "levels of relationship marketing"), and whether it deepens monotonically with
  fewer customers and with higher margin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment.measurement import key, measure_market
from sim.experiment.task import final_outcomes
from sim.levers import LEVELS
from sim.market.model import MarketModel
from sim.scenario.loader import load_scenario, scenario_from_dict

__all__ = ["DJ_FIRMS", "DJ_MEASURES", "KOTLER_TABLE", "BassPath", "KotlerScore", "bass_case",
           "bass_path", "double_jeopardy_case", "kotler_score", "kotler_winners",
           "lifetime_case", "scale_case"]

DJ_FIRMS = ("Big", "Mid", "Small")
"""The Double Jeopardy case's firms, largest first."""
DJ_LEVELS = (1.0, 0.6, 0.3)
"""The varied lever of each, relative to the largest (promotion 8,000; coverage 1)."""


@dataclass(frozen=True)
class BassPath:
    """Cumulative adoption per period (index 0 is before period 1), simulated and by Bass."""

    simulated: np.ndarray
    bass: np.ndarray

    @property
    def max_gap(self) -> float:
        """The largest absolute gap between the two paths (share of customers)."""
        return float(np.abs(self.simulated - self.bass).max())


def bass_path(innovation: float, imitation: float, periods: int) -> np.ndarray:
    """The discrete Bass recursion from ``F_0 = 0``, periods 0..``periods``."""
    path = [0.0]
    for _ in range(periods):
        f = path[-1]
        path.append(f + (innovation + imitation * f) * (1.0 - f))
    return np.array(path)


def bass_case(customers: int, innovation: float, imitation: float, *, periods: int = 30,
              network: str = "complete", seed: int = 1) -> BassPath:
    """One firm's adoption curve in a market built for Bass docking (module docstring).

    Promotion is large against ``goodwill_reach`` so that it reaches every customer
    (reach = 1 - exp(-125)): the external influence per period is exactly ``innovation``.
    """
    scenario = scenario_from_dict({
        "periods": periods,
        "market": {
            "customers": customers,
            "segments": {"everyone": {"share": 1.0, "purchase_rate": 1.0, "needs_spread": 0.0}},
            "network": {"kind": network},
            "awareness": {"initial": 0.0, "innovation": innovation, "imitation": imitation,
                          "goodwill_reach": 0.04},
            "behaviour": {"outside_value": -1e6, "perception_noise": 0.0,
                          "failure_base": 0.0}},
        "firms": {"Solo": {"price": 10.0, "coverage": 1.0, "quality": 1.0,
                           "promotion": float(customers)}}})
    model = MarketModel(scenario, seed=seed)
    reach = model.firms["Solo"].promotion_reach
    adopted = [0.0]
    while model.running:
        model.step()
        adopted.append(float(model.state.ever[0].mean()))
    return BassPath(simulated=np.array(adopted),
                    bass=bass_path(innovation * reach, imitation, periods))


def _dj_scenario(customers: int, vary: str, periods: int) -> dict:
    firms = {}
    for name, level in zip(DJ_FIRMS, DJ_LEVELS, strict=True):
        firm = {"price": 90.0, "quality": 0.7, "promotion": 4_000.0, "coverage": 1.0}
        if vary == "promotion":
            firm["promotion"] = 8_000.0 * level
        else:
            firm["coverage"] = level
        firms[name] = firm
    return {"periods": periods, "market": {"customers": customers}, "firms": firms}


DJ_MEASURES = ("share", "penetration", "frequency", "repeat", "scr", "class_loyal")
"""What the Double Jeopardy case reports per firm: share, buyers, and the loyalty measures."""


def double_jeopardy_case(customers: int, vary: str, *, replications: int = 3,
                         periods: int = 36, window: int = 12, seed: int = 1) -> pd.DataFrame:
    """Per firm (largest first), the mean over replications of :data:`DJ_MEASURES`.

    Raises:
        ValueError: ``vary`` is not ``promotion`` or ``coverage``.
    """
    if vary not in ("promotion", "coverage"):
        raise ValueError(f"vary must be promotion or coverage (got {vary!r})")
    scenario = scenario_from_dict(_dj_scenario(customers, vary, periods))
    runs = [measure_market(scenario, seed + r, window=window, step=0.05,
                           elasticities=False)[0] for r in range(replications)]
    return pd.DataFrame([{"firm": f, **{m: float(np.mean([run[key(m, f)] for run in runs]))
                                        for m in DJ_MEASURES}} for f in DJ_FIRMS])


def lifetime_case(customers: int, *, periods: int, window: int, seed: int = 1
                  ) -> pd.DataFrame:
    """Two firms with fixed levers, run ``periods``: per firm its churn, ``1/churn``, the mean
    length of the relationships that ended in the last ``window`` periods, their count, and
    the ratio of tenure to ``1/churn``."""
    scenario = scenario_from_dict({
        "periods": periods, "market": {"customers": customers},
        "firms": {"A": {"price": 90.0, "quality": 0.7, "promotion": 4_000.0},
                  "B": {"price": 85.0, "quality": 0.6, "promotion": 4_000.0}}})
    measures, _ = measure_market(scenario, seed, window=window, step=0.05, elasticities=False)
    rows = []
    for firm in ("A", "B"):
        lifetime, tenure = measures[key("lifetime", firm)], measures[key("tenure", firm)]
        rows.append({"firm": firm, "churn": measures[key("churn", firm)], "lifetime": lifetime,
                     "tenure": tenure, "spells": measures[key("spells", firm)],
                     "ratio": tenure / lifetime})
    return pd.DataFrame(rows)


KOTLER_TABLE: dict[tuple[str, str], frozenset[str]] = {
    ("many", "high"): frozenset({"accountable"}),
    ("many", "medium"): frozenset({"reactive"}),
    ("many", "low"): frozenset({"basic", "reactive"}),
    ("medium", "high"): frozenset({"proactive"}),
    ("medium", "medium"): frozenset({"accountable"}),
    ("medium", "low"): frozenset({"reactive"}),
    ("few", "high"): frozenset({"partnership"}),
    ("few", "medium"): frozenset({"proactive"}),
    ("few", "low"): frozenset({"accountable"}),
}
"""Kotler's levels by (number of customers, unit margin); many-and-low reads "basic or
reactive" in the table."""

SCALE_MEASURES = ("cumulative_profit", "share_units", "loyal_share", "active")
"""The outcomes :func:`scale_case` compares (``final_outcomes`` names)."""


def scale_case(path: str, size: int, agents: tuple[int, int], *, periods: int,
               replications: int) -> pd.DataFrame:
    """The scenario at ``path`` as a market of ``size`` real customers, simulated with each
    number of ``agents``, over seeds 1..``replications``: per outcome of every firm, the mean
    and standard deviation at each size and Welch's p-value for a difference in means."""
    samples = []
    for n in agents:
        scenario = load_scenario(path, [("scale", f"market.size={size}")], customers=n,
                                 periods=periods)
        rows = [final_outcomes(MarketModel(scenario, seed=seed).run().timeseries(), size)
                for seed in range(1, replications + 1)]
        samples.append(pd.DataFrame(rows))
    small, large = samples
    names = [c for c in small.columns if c.split("@")[0] in SCALE_MEASURES]
    p = [stats.ttest_ind(small[c], large[c], equal_var=False).pvalue for c in names]
    return pd.DataFrame({"outcome": names, "mean_few": small[names].mean().to_numpy(),
                         "mean_many": large[names].mean().to_numpy(),
                         "sd_few": small[names].std().to_numpy(),
                         "sd_many": large[names].std().to_numpy(), "p": p})


ACCOUNTS = ("many", "medium", "few")
MARGINS = ("low", "medium", "high")


@dataclass(frozen=True)
class KotlerScore:
    """How a grid of winning levels compares with Kotler's table.

    Attributes:
        matches: cells whose winner is Kotler's level (of 9).
        monotone: the level never gets shallower with fewer customers or higher margin.
        winners: the winning level per (accounts, margin) cell.
    """

    matches: int
    monotone: bool
    winners: Mapping[tuple[str, str], str]


def kotler_score(winners: Mapping[tuple[str, str], str]) -> KotlerScore:
    """Score winning levels per (accounts, margin) cell against :data:`KOTLER_TABLE`.

    Raises:
        KeyError: a cell of the table has no winner.
    """
    depth = {level: k for k, level in enumerate(LEVELS)}
    matches = sum(winners[cell] in levels for cell, levels in KOTLER_TABLE.items())
    monotone = all(
        depth[winners[(ACCOUNTS[a], MARGINS[m])]] <= depth[winners[(ACCOUNTS[a2], MARGINS[m2])]]
        for a in range(3) for m in range(3) for a2 in range(a, 3) for m2 in range(m, 3))
    return KotlerScore(matches=matches, monotone=monotone, winners=dict(winners))


def kotler_winners(runs: pd.DataFrame, outcome: str = "cumulative_profit@Alpha",
                   level: str = "firms.Alpha.relationship_level"
                   ) -> dict[tuple[str, str], str]:
    """The level with the highest mean ``outcome`` per (accounts, margin) cell of the runs of
    ``experiments/kotler_levels.yaml`` (finished runs only)."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    means = ok.groupby(["accounts", "margin", level])[outcome].mean().reset_index()
    best = means.loc[means.groupby(["accounts", "margin"])[outcome].idxmax()]
    return {(str(r["accounts"]), str(r["margin"])): str(r[level]) for _, r in best.iterrows()}
