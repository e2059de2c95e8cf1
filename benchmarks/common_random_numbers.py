"""Common random numbers: how much a paired comparison gains, and whether a change to one firm
moves customers between firms that did not change.

Two arms of the default market differ only in Gamma's strategy (4R against 4C). Each seed is run
in both arms, on the same customers and draws. For each final outcome the **variance reduction**
is ``(Var(A) + Var(B)) / Var(A - B)`` over seeds: the factor by which pairing the arms by seed
shrinks the variance of the estimated difference against independent runs (1 = no gain; Law
2015, *Simulation Modeling and Analysis*, section 11.2). The **leak** is the number of customers
who, in period 1 (before any firm has reacted), bought from Alpha in one arm and from Beta in the
other, or the reverse: with choice draws that are independent across firms, a change to Gamma
can only move customers toward or away from Gamma, and the leak is 0.

Usage: ``python benchmarks/common_random_numbers.py [--customers 10000] [--periods 60]
[--replications 20]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import machine_line

from sim.experiment.task import final_outcomes
from sim.market.model import MarketModel
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = ("cumulative_profit", "share_units", "loyal_share")


def _arm(strategy: str, customers: int, periods: int, seed: int) -> tuple[dict, np.ndarray]:
    scenario = load_scenario(ROOT / "scenarios" / "default.yaml",
                             [("arm", f"firms.Gamma.strategy={strategy}"),
                              ("arm", "firms.Gamma.params={}")],
                             customers=customers, periods=periods)
    model = MarketModel(scenario, seed=seed)
    model.step()
    first = model.last_period
    assert first is not None
    chosen = np.array([first.firms[j].name if j >= 0 else "" for j in first.chosen.tolist()])
    model.run()
    return final_outcomes(model.timeseries(), scenario.market.real_customers), chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=60)
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    print(machine_line())
    started = time.perf_counter()
    rows, leaks = [], []
    for seed in range(1, args.replications + 1):
        a, chosen_a = _arm("4R", args.customers, args.periods, seed)
        b, chosen_b = _arm("4C", args.customers, args.periods, seed)
        rows.append({"seed": seed, **{f"A {k}": v for k, v in a.items()},
                     **{f"B {k}": v for k, v in b.items()}})
        leaks.append(int(np.count_nonzero(
            ((chosen_a == "Alpha") & (chosen_b == "Beta"))
            | ((chosen_a == "Beta") & (chosen_b == "Alpha")))))
    table = pd.DataFrame(rows)
    print(f"{args.replications} seeds, {args.customers:,} customers, {args.periods} periods;"
          " Gamma 4R (A) against 4C (B)")
    print(f"{'outcome':32} {'variance reduction':>18}")
    for outcome in OUTCOMES:
        for firm in ("Alpha", "Beta", "Gamma"):
            x, y = table[f"A {outcome}@{firm}"], table[f"B {outcome}@{firm}"]
            ratio = (x.var() + y.var()) / (x - y).var()
            print(f"{outcome + '@' + firm:32} {ratio:18.2f}")
    print(f"period-1 customers moved between Alpha and Beta (unchanged firms): mean"
          f" {np.mean(leaks):.1f} per run (min {min(leaks)}, max {max(leaks)})")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
