"""Throughput: customer-periods per second of stratsim vs. the per-agent Mesa baseline.

Runs, in one process, stratsim's full ``sim.MarketModel`` and the plain per-agent Mesa
baseline (``baseline_agents.py``: one ``mesa.Agent`` per customer, the same choice and loyalty
rule) on the same market: the default market with four firms (4P, 4C, 4R, fixed). Each is
built first (build time is reported, not counted), then stepped for a number of periods timed
with ``time.perf_counter``. A customer-period is one customer living through one period,
whether or not it has a purchase occasion. The requirement is stratsim / baseline >= 50.

Usage: ``python benchmarks/throughput.py [--customers 100000] [--periods 12]
[--baseline-periods 2] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import gc
import time
from dataclasses import dataclass

from baseline_agents import BaselineMarket
from common import benchmark_scenario, machine_line

from sim import MarketModel

REQUIRED_RATIO = 50.0


@dataclass
class Timing:
    """Wall-clock build and run times (perf_counter), CPU time of the run, each period's wall."""

    build: float
    run: float
    cpu: float
    per_period: list[float]


def time_model(make, periods: int) -> Timing:
    """Build a model with ``make()`` and step it ``periods`` times, timing build and run."""
    t0 = time.perf_counter()
    model = make()
    t1 = time.perf_counter()
    c1 = time.process_time()
    per_period = []
    for _ in range(periods):
        a = time.perf_counter()
        model.step()
        per_period.append(time.perf_counter() - a)
    t2 = time.perf_counter()
    cpu = time.process_time() - c1
    assert model.steps == periods, (model.steps, periods)
    del model
    gc.collect()
    return Timing(t1 - t0, t2 - t1, cpu, per_period)


def main() -> int:
    """Run both, print the rates, the ratio and PASS/FAIL; exit 0 on PASS, 1 on FAIL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--periods", type=int, default=12, help="stratsim periods")
    parser.add_argument("--baseline-periods", type=int, default=2, help="baseline periods")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n = args.customers
    print(machine_line())
    print(f"market: default, {n:,} customers, 4 firms (4P, 4C, 4R, fixed)")
    print("numbers are from one run on a possibly busy machine: noisy, expect +-10-20%")

    seed = args.seed
    strat = time_model(lambda: MarketModel(benchmark_scenario(n, args.periods, seed), seed=seed),
                       args.periods)
    base = time_model(lambda: BaselineMarket(benchmark_scenario(n, args.baseline_periods, seed),
                                             seed=seed), args.baseline_periods)

    s_rate = n * args.periods / strat.run
    b_rate = n * args.baseline_periods / base.run
    ratio = s_rate / b_rate
    print()
    print(f"{'':10} {'build s':>8} {'periods':>7} {'run s':>7} {'cpu s':>7} {'s/period':>9}"
          f" {'min..max s':>13} {'customer-periods/s':>19}")
    for name, t, periods in (("stratsim", strat, args.periods),
                             ("baseline", base, args.baseline_periods)):
        print(f"{name:10} {t.build:8.2f} {periods:7d} {t.run:7.2f} {t.cpu:7.2f}"
              f" {t.run / periods:9.3f} {min(t.per_period):6.3f}..{max(t.per_period):6.3f}"
              f" {n * periods / t.run:19,.0f}")
    print()
    print(f"stratsim rate : {s_rate:,.0f} customer-periods/s (wall clock)")
    print(f"baseline rate : {b_rate:,.0f} customer-periods/s (wall clock)")
    print(f"ratio stratsim / baseline: {ratio:.1f}  (required >= {REQUIRED_RATIO:g})")
    best = min(base.per_period) / min(strat.per_period)
    cpu_ratio = (base.cpu / args.baseline_periods) / (strat.cpu / args.periods)
    print("less sensitive to a busy machine (information only):")
    print(f"  ratio of the fastest periods: {best:.1f}; ratio of CPU time per period:"
          f" {cpu_ratio:.1f}")
    verdict = "PASS" if ratio >= REQUIRED_RATIO else "FAIL"
    print(f"{verdict}: ratio {ratio:.1f} {'>=' if ratio >= REQUIRED_RATIO else '<'}"
          f" {REQUIRED_RATIO:g}")
    if (ratio >= REQUIRED_RATIO) != (cpu_ratio >= REQUIRED_RATIO):
        print(f"WARNING: the CPU-time ratio ({cpu_ratio:.1f}) falls on the other side of"
              f" {REQUIRED_RATIO:g}: wall-clock times are disturbed (busy machine?); rerun")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
