"""The validation suite at full size: the cases of ``sim.experiment.validation`` (and the
default market's bands) at the sizes docs/validation.md states, each with its target and
whether it holds today.

- Bass docking at 100,000 customers, (p, q) = (0.03, 0.38) and (0.01, 0.6): the largest gap
  to the discrete Bass path under 1 point; a small-world network adopts more slowly.
- Double Jeopardy, 20,000 customers, 5 replications, firms differing only in promotion, then
  only in coverage: share, buyers and every loyalty measure fall in order.
- The lifetime identity, 10,000 customers, 2,400 months, relationships that ended in the last
  1,200: mean tenure within 5% of 1/churn.
- The default market's bands (the credible-market issue's targets), 10,000 customers, 5
  replications: own-price elasticities in [-3.5, -1.5], promotion in [0.03, 0.4], churn 1-6%.
- Scale: 5,000 against 50,000 agents for a market of 10,000 real customers, 10 replications
  each: no outcome differs beyond sampling error; the spread shrinks about as sqrt(1/10).
- Kotler's grid: ``experiments/kotler_levels.yaml`` as shipped (8 replications): cells that
  match Kotler's table, and monotone.

Usage: ``python benchmarks/validation.py [--jobs 2]``. Prints one line per check; exit status
0 always (several checks are expected to fail until the credible-market issue lands: the
output says which).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from common import machine_line

from sim.experiment.design import build_plan
from sim.experiment.measurement import key, measure_market
from sim.experiment.runner import run_plan
from sim.experiment.spec import load_experiment
from sim.experiment.validation import (
    DJ_MEASURES,
    bass_case,
    double_jeopardy_case,
    kotler_score,
    kotler_winners,
    lifetime_case,
    scale_case,
)
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BANDS = {"elasticity_price": (-3.5, -1.5), "elasticity_promotion": (0.03, 0.4),
         "churn": (0.01, 0.06)}


def report(name: str, holds: bool, detail: str) -> None:
    print(f"{'PASS' if holds else 'FAIL'}  {name}: {detail}", flush=True)


def bass() -> None:
    for p, q in ((0.03, 0.38), (0.01, 0.6)):
        mixed = bass_case(100_000, p, q, periods=30)
        small = bass_case(100_000, p, q, periods=30, network="small_world")
        report(f"Bass docking p={p} q={q}", mixed.max_gap < 0.01,
               f"largest gap {100 * mixed.max_gap:.2f} points (target < 1)")
        slower = small.simulated.mean() < mixed.simulated.mean()
        report(f"small world slower p={p} q={q}", slower,
               f"mean adoption over 30 months {small.simulated.mean():.3f} (small world)"
               f" vs {mixed.simulated.mean():.3f} (well mixed); 50% reached in month"
               f" {int(np.argmax(small.simulated >= 0.5))} vs"
               f" {int(np.argmax(mixed.simulated >= 0.5))}")


def double_jeopardy() -> None:
    for vary in ("promotion", "coverage"):
        table = double_jeopardy_case(20_000, vary, replications=5)
        holds = all(table[m].iloc[0] > table[m].iloc[1] > table[m].iloc[2]
                    for m in DJ_MEASURES)
        cells = "; ".join(f"{m} " + " > ".join(f"{v:.3g}" for v in table[m])
                          for m in DJ_MEASURES)
        report(f"Double Jeopardy by {vary}", holds, f"Big > Mid > Small: {cells}")


def lifetime() -> None:
    table = lifetime_case(10_000, periods=2_400, window=1_200)
    holds = bool((abs(table.ratio - 1) < 0.05).all())
    detail = "; ".join(f"{r.firm}: tenure {r.tenure:.1f} vs 1/churn {r.lifetime:.1f}"
                       f" (ratio {r.ratio:.3f}, {int(r.spells)} relationships)"
                       for r in table.itertuples())
    report("lifetime identity (2,400 months, last 1,200)", holds, detail)


def bands() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "default.yaml")
    runs = [measure_market(scenario, seed, window=12, step=0.05)[0] for seed in range(1, 6)]
    for measure, (low, high) in BANDS.items():
        values = {f: float(np.mean([r[key(measure, f)] for r in runs]))
                  for f in ("Alpha", "Beta", "Gamma")}
        holds = all(low <= v <= high for v in values.values())
        report(f"default market {measure} in [{low}, {high}]", holds,
               ", ".join(f"{f} {v:.3g}" for f, v in values.items())
               + ("" if holds else " (expected until the credible-market issue)"))


def scale() -> None:
    path = str(ROOT / "scenarios" / "default.yaml")
    table = scale_case(path, 10_000, (5_000, 50_000), periods=60, replications=10)
    worst = table.loc[table.p.idxmin()]
    spread = float((table.sd_many / table.sd_few)[table.sd_few > 0].median())
    holds = bool((table.p > 0.01 / len(table)).all()) and spread < 0.6
    report("scale (10,000 real customers as 5,000 and as 50,000 agents)", holds,
           f"smallest Welch p {worst.p:.3f} ({worst.outcome}: {worst.mean_few:.4g} vs"
           f" {worst.mean_many:.4g}); median spread ratio {spread:.2f} (sqrt(1/10) = 0.32)")


def kotler(jobs: int) -> None:
    path = ROOT / "experiments" / "kotler_levels.yaml"
    spec, loaded = load_experiment(path)
    plan = build_plan(spec, path.parent, loaded=loaded)
    with tempfile.TemporaryDirectory() as folder:
        store, _ = run_plan(plan, Path(folder) / "grid", jobs=jobs, quiet=True)
        score = kotler_score(kotler_winners(store.runs()))
    cells = ", ".join(f"{a}/{m}: {w}" for (a, m), w in sorted(score.winners.items()))
    report("Kotler's grid", score.matches >= 7 and score.monotone,
           f"{score.matches} of 9 cells match, monotone: {score.monotone} ({cells})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for Kotler's grid")
    args = parser.parse_args()
    print(machine_line())
    for step in (bass, double_jeopardy, lifetime, bands, scale, lambda: kotler(args.jobs)):
        started = time.perf_counter()
        step()
        print(f"      ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
