"""Memory: peak resident memory of one stratsim run at 1,000,000 customers (requirement < 2 GiB).

Builds and runs ``sim.MarketModel`` on the benchmark market (default market, four firms 4P,
4C, 4R, fixed) in this process and reports:

- peak resident set size (``resource.getrusage(...).ru_maxrss``; tracemalloc is far too slow
  at this size) at start-up (interpreter and imports), after the build and after the run;
- bytes per customer: arrays the model holds (``model.nbytes() / customers``), the whole
  process's peak (``peak RSS / customers``) and the run's own share (peak minus start-up);
- build time and customer-periods per second of the run (wall clock and per CPU second);
- ``sim.scenario.memory.estimate_bytes(...)`` (the up-front estimate the scenario check uses to
  refuse markets too large for the machine) against the measured peak: it must be an upper
  bound.

Usage: ``python benchmarks/memory.py [--customers 1000000] [--periods 12] [--seed 1]``.
Exit status 0 if both checks pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import time

from common import benchmark_scenario, machine_line, peak_rss_bytes

from sim import MarketModel
from sim.scenario.memory import estimate_bytes

LIMIT = 2 * 2**30
MiB = 2**20


def main() -> int:
    """Run, measure, print; 0 if peak < 2 GiB and the estimate bounds the peak."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n, periods = args.customers, args.periods
    print(machine_line())
    print(f"market: default, {n:,} customers, 4 firms (4P, 4C, 4R, fixed), {periods} periods")
    print("numbers are from one run on a possibly busy machine: times are noisy; peak memory"
          " varies by a few percent between runs (allocator)")

    scenario = benchmark_scenario(n, periods, args.seed)
    net = scenario.market.network
    firms = len(scenario.all_firm_names())
    estimate = estimate_bytes(n, firms, net.kind, net.degree)
    rss_start = peak_rss_bytes()

    t0 = time.perf_counter()
    model = MarketModel(scenario, seed=args.seed)
    build = time.perf_counter() - t0
    rss_built = peak_rss_bytes()
    held = model.nbytes()

    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in range(periods):
        model.step()
    run = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak = peak_rss_bytes()
    assert model.period == periods, (model.period, periods)

    rate = n * periods / run
    print()
    print(f"build time              : {build:8.2f} s")
    print(f"run time                : {run:8.2f} s  ({run / periods:.3f} s per period,"
          f" {rate:,.0f} customer-periods/s)")
    print(f"run CPU time            : {cpu:8.2f} s  ({n * periods / cpu:,.0f} customer-periods per"
          " CPU second)")
    print(f"peak RSS at start-up    : {rss_start / MiB:8.1f} MiB  (interpreter and imports)")
    print(f"peak RSS after build    : {rss_built / MiB:8.1f} MiB")
    print(f"peak RSS after run      : {peak / MiB:8.1f} MiB  ({peak / 2**30:.3f} GiB)")
    print(f"model.nbytes()          : {held / MiB:8.1f} MiB  = {held / n:6.1f} bytes/customer"
          f" (population {model.population.nbytes() / n:.1f}, state"
          f" {model.state.nbytes() / n:.1f}, network {model.network.nbytes() / n:.1f})")
    print(f"peak RSS / customers    : {peak / n:8.1f} bytes/customer")
    print(f"(peak - start) / cust.  : {(peak - rss_start) / n:8.1f} bytes/customer")
    print(f"estimate_bytes(...)     : {estimate / MiB:8.1f} MiB"
          f"  = {estimate / n:.1f} bytes/customer")
    print()
    ok_peak = peak < LIMIT
    print(f"{'PASS' if ok_peak else 'FAIL'}: peak RSS {peak / 2**30:.3f} GiB"
          f" {'<' if ok_peak else '>='} 2 GiB")
    ok_estimate = estimate >= peak
    margin = (estimate - peak) / peak
    if ok_estimate:
        print(f"PASS: estimate_bytes is an upper bound: {estimate / MiB:.1f} MiB >="
              f" measured peak {peak / MiB:.1f} MiB ({margin:+.0%})")
    else:
        print(f"FAIL: estimate_bytes is NOT an upper bound: {estimate / MiB:.1f} MiB <"
              f" measured peak {peak / MiB:.1f} MiB ({margin:+.0%}); the scenario check"
              " would admit markets that do not fit")
    return 0 if ok_peak and ok_estimate else 1


if __name__ == "__main__":
    raise SystemExit(main())
