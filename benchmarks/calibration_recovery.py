"""Parameter recovery at full size (``sim.calibration.recovery``): the default market with three
constants changed is run on seeds of its own; its outcomes become the targets; the unchanged
market is calibrated to them. Prints the targets, the fit, each parameter's truth, fitted value,
95% interval and error, the runs used and the time taken.

Sizes: ``--size full`` (5,000 customers, 60 months, 4 replications per candidate, 480 runs;
the truth 20 replications) or ``--size ci`` (what tests/calibration/test_recovery.py runs).

Usage: ``python benchmarks/calibration_recovery.py [--size full|ci] [--jobs 2]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import machine_line

from sim.calibration.recovery import CI_SIZE, FULL_SIZE, recovery_case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("full", "ci"), default="full")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    size = FULL_SIZE if args.size == "full" else CI_SIZE
    print(machine_line())
    print(f"size: {size}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        case = recovery_case(size, Path(folder), jobs=args.jobs)
    seconds = time.perf_counter() - started
    print("targets (from the truth):")
    print(case.targets.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print("fit:")
    print(case.fit.targets.drop(columns=["origin"]).to_string(
        index=False, float_format=lambda v: f"{v:.4g}"))
    print("parameters:")
    print(case.parameters.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for w in case.fit.warnings:
        print(f"warning: {w}")
    runs = case.summary.done + case.summary.skipped
    print(f"calibration: {len(case.fit.candidates)} candidates, {runs} runs"
          f" ({case.summary.failed} failed) in {case.summary.seconds:.0f} s; truth and"
          f" calibration {seconds:.0f} s in all")
    print(f"{'PASS' if case.passed else 'FAIL'}: every target met and every identified"
          " parameter inside its interval")


if __name__ == "__main__":
    main()
