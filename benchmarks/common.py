"""Shared pieces of the benchmarks: the benchmark scenario, machine facts, peak memory.

The benchmark market is the default market (``MarketSpec()`` defaults: four segments, a
small-world network of degree 10) with four firms, one per built-in strategy (4P, 4C, 4R,
fixed), placed at four points of the needs space so that they compete on fit as well as price.
"""

from __future__ import annotations

import os
import platform
import resource
import sys

import numpy as np

from sim import Scenario, scenario_from_dict

__all__ = [
    "FIRM_POSITIONS",
    "benchmark_scenario",
    "machine_line",
    "peak_rss_bytes",
]

FIRM_POSITIONS = {
    "p": ("4P", (0.4, 0.4)),
    "c": ("4C", (0.6, 0.6)),
    "r": ("4R", (0.5, 0.6)),
    "f": ("fixed", (0.5, 0.4)),
}
"""Firm name -> (strategy, position in needs space)."""


def benchmark_scenario(customers: int, periods: int, seed: int = 1) -> Scenario:
    """The default market with ``customers`` customers and the four firms of FIRM_POSITIONS."""
    firms = {name: {"strategy": strategy, "position": list(position)}
             for name, (strategy, position) in FIRM_POSITIONS.items()}
    return scenario_from_dict({
        "name": "benchmark", "periods": periods, "seed": seed,
        "market": {"customers": customers}, "firms": firms,
    })


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (``ru_maxrss``), in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def machine_line() -> str:
    """One line about the machine: cores, Python, NumPy."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return (f"machine: {os.cpu_count()} logical cores ({usable} usable), {platform.machine()},"
            f" Python {platform.python_version()}, NumPy {np.__version__}")
