"""Experiment throughput: runs per minute of experiments/strategies.yaml, 1 vs 2 jobs vs Dask.

Runs the same runs (the first ``--replications`` replications of the three arms of
``experiments/strategies.yaml``: the default market, 10,000 customers, 60 months) three times
into fresh folders: with 1 local process, with 2 local processes, and on a Dask LocalCluster of
2 single-threaded worker processes (started before the clock starts). Prints runs per minute,
the scaling efficiency of 2 jobs (rate with 2 / (2 x rate with 1)), the Dask overhead against
2 local processes, and checks that the three result tables are identical.

    python benchmarks/experiments.py [--replications 4] [--customers 10000] [--periods 60]

One noisy run on a shared machine: compare the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd
from common import machine_line

from sim.experiment.design import build_plan
from sim.experiment.executor import execute
from sim.experiment.spec import load_experiment
from sim.experiment.store import ResultStore

ROOT = Path(__file__).resolve().parents[1]


def timed(plan, folder: Path, **kw) -> tuple[float, pd.DataFrame]:
    store = ResultStore(folder, fingerprint=plan.fingerprint)
    started = time.perf_counter()
    summary = execute(plan.tasks, store=store, **kw)
    seconds = time.perf_counter() - started
    assert summary.failed == 0, summary
    return seconds, store.runs().drop(columns=["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=60)
    args = parser.parse_args()
    spec, loaded = load_experiment(ROOT / "experiments" / "strategies.yaml")
    spec = spec.model_copy(update={
        "replications": args.replications,
        "set": [*spec.set, f"market.customers={args.customers}", f"periods={args.periods}"]})
    plan = build_plan(spec, ROOT / "experiments", loaded=loaded)
    n = len(plan.tasks)
    print(machine_line())
    print(f"experiment: strategies.yaml, {n} runs ({args.replications} replications x 3 arms),"
          f" {args.customers:,} customers, {args.periods} periods")
    print("one run on a possibly busy machine: compare ratios, not absolute times\n")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["1 job"] = timed(plan, Path(tmp) / "serial", jobs=1)
        results["2 jobs"] = timed(plan, Path(tmp) / "pool", jobs=2)
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            results["Dask, 2 workers"] = timed(plan, Path(tmp) / "dask",
                                               scheduler=cluster.scheduler_address, jobs=2)
    for name, (seconds, _) in results.items():
        print(f"{name:16s} {seconds:7.1f} s   {n / seconds * 60:7.1f} runs per minute")
    one, two, dask = (results[k][0] for k in ("1 job", "2 jobs", "Dask, 2 workers"))
    print(f"\nscaling efficiency of 2 jobs: {one / two / 2:.0%} (speed-up {one / two:.2f}x)")
    print(f"Dask overhead against 2 local processes: {dask / two - 1:+.0%} wall time")
    tables = [t for _, t in results.values()]
    same = all(t.equals(tables[0]) for t in tables[1:])
    print(f"results identical across executors: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
