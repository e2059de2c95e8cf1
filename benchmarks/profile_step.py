"""Profile stratsim's period (``MarketModel.step``): cProfile by function and timing by line.

Builds the benchmark market (default market, four firms 4P/4C/4R/fixed), runs ``--warmup``
periods untimed, then ``--periods`` periods under each of:

1. cProfile: the functions with the most own time (``tottime``);
2. a line timer (``sys.settrace`` on the kernel functions only): inclusive wall time of each
   source line of the period's phases (``sim/market/``) and of the kernels they call, summed
   over periods.
   The per-line overhead of tracing is about a microsecond, small against lines that each
   sweep arrays of ``n`` customers; lines in loops over firms are summed over the loop.

Usage: ``python benchmarks/profile_step.py [--customers 100000] [--periods 6] [--top 25]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import linecache
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

from common import benchmark_scenario, machine_line

from sim import MarketModel
from sim.market import (
    accounting,
    choice,
    classes,
    metrics,
    model,
    purchase,
    relationship,
    review,
    value,
    word_of_mouth,
)

TRACED = (
    # the period's phases (sim/market/model.py, MarketModel.step) ...
    model.MarketModel.step, review.review, review.observe, classes.classify_customers,
    word_of_mouth.spread_word_of_mouth, value.value_offers, choice.choose_offers,
    relationship.smooth_loyalty, purchase.purchases, purchase.purchase,
    relationship.dissolve_silent, relationship.customer_flows, accounting.close_books,
    relationship.classify_loyalty, metrics.period_rows,
    # ... and the kernels they call
    classes.resolve_class_map, value.net_value_kernel, value.fit_kernel,
    value.money_cost_kernel, choice.choose_kernel, relationship.update_after_purchase_kernel,
    relationship.loyalty_class_kernel, classes.abc_classes, classes.value_classes,
)


class LineTimer:
    """Inclusive wall time per source line of chosen functions (a small line profiler)."""

    def __init__(self, functions) -> None:
        self.codes = {f.__code__ for f in functions}
        self.times: dict[tuple[str, int, str], float] = defaultdict(float)
        self.hits: dict[tuple[str, int, str], int] = defaultdict(int)

    def _global(self, frame, event, arg):
        if event == "call" and frame.f_code in self.codes:
            return self._local_factory(frame)
        return None

    def _local_factory(self, frame):
        code = frame.f_code
        state = {"line": None, "t": time.perf_counter()}

        def local(frame, event, arg):
            now = time.perf_counter()
            line = state["line"]
            if line is not None:
                key = (code.co_filename, line, code.co_name)
                self.times[key] += now - state["t"]
                self.hits[key] += 1
            if event == "line":
                state["line"] = frame.f_lineno
            elif event == "return":
                state["line"] = None
            state["t"] = time.perf_counter()
            return local

        return local

    def __enter__(self) -> LineTimer:
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(None)

    def report(self, top: int, total: float) -> str:
        """The ``top`` most expensive lines, with share of ``total`` seconds."""
        rows = sorted(self.times.items(), key=lambda kv: -kv[1])[:top]
        out = [f"{'ms':>9} {'%':>5} {'hits':>6}  where / source"]
        for (filename, line, func), secs in rows:
            src = linecache.getline(filename, line).strip()
            where = f"{Path(filename).parent.name}/{Path(filename).name}:{line} {func}"
            out.append(f"{secs * 1e3:9.1f} {100 * secs / total:5.1f}"
                       f" {self.hits[(filename, line, func)]:6d}  {where}")
            out.append(f"{'':23}{src[:110]}")
        return "\n".join(out)


def main() -> None:
    """Profile and print both tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--periods", type=int, default=6)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n = args.customers
    total_periods = args.warmup + 3 * args.periods
    model = MarketModel(benchmark_scenario(n, total_periods, args.seed), seed=args.seed)
    print(machine_line())
    print(f"{n:,} customers, 4 firms; warm-up {args.warmup} periods, then"
          f" {args.periods} periods plain, under cProfile, under the line timer")
    for _ in range(args.warmup):
        model.step()

    t0 = time.perf_counter()
    for _ in range(args.periods):
        model.step()
    plain = time.perf_counter() - t0
    print(f"\nplain: {plain / args.periods * 1e3:.1f} ms per period,"
          f" {n * args.periods / plain:,.0f} customer-periods/s")

    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    for _ in range(args.periods):
        model.step()
    profile.disable()
    profiled = time.perf_counter() - t0
    buf = io.StringIO()
    pstats.Stats(profile, stream=buf).sort_stats("tottime").print_stats(args.top)
    print(f"\n== cProfile ({profiled / args.periods * 1e3:.1f} ms per period under the"
          f" profiler), by own time ==")
    text = buf.getvalue()
    print(text[text.find("   ncalls"):].rstrip())

    timer = LineTimer(TRACED)
    t0 = time.perf_counter()
    with timer:
        for _ in range(args.periods):
            model.step()
    traced = time.perf_counter() - t0
    print(f"\n== line timer ({traced / args.periods * 1e3:.1f} ms per period traced),"
          f" inclusive time per line over {args.periods} periods ==")
    print(timer.report(args.top, traced))


if __name__ == "__main__":
    main()
