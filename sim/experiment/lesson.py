"""Checking a lesson: run a teaching scenario's replications and evaluate its expectations.

A lesson scenario states its claims as ``expectations`` (:mod:`sim.scenario.expectation`);
:func:`check_lesson` runs ``check.replications`` replications (seeds from ``check.seed``) through
the experiment executor, in a temporary result store, and says for each expectation in how many
replications it held. ``stratsim check`` prints the results.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sim.experiment.design import replication_seeds
from sim.experiment.executor import execute
from sim.experiment.progress import progress_reporter
from sim.experiment.store import ResultStore
from sim.experiment.task import RunTask
from sim.scenario.expectation import evaluate
from sim.scenario.loader import load_scenario

__all__ = ["check_lesson"]


def check_lesson(path: Path, *, replications: int | None = None, jobs: int | None = None,
                 quiet: bool = False, allow_code: bool = False, seed: int | None = None,
                 customers: int | None = None, periods: int | None = None,
                 notes: list[str] | None = None) -> list:
    """Run a lesson's replications and evaluate its expectations (a list of results).

    ``seed`` replaces ``check.seed``; ``customers`` and ``periods`` change the market and the
    horizon (expectations after a shorter horizon are left out, with a note in ``notes``).

    Raises:
        SourceError: the file is invalid.
    """
    scenario = load_scenario(path, allow_code=allow_code, customers=customers, periods=periods,
                             notes=notes)
    if not scenario.expectations:
        return []
    count = replications or scenario.check.replications
    first_seed = scenario.check.seed if seed is None else seed
    data = scenario.model_dump(mode="json")
    tasks = [RunTask(run_id=f"r{r:04d}", scenario=data, seed=seed,
                     labels={"replication": r}, allow_code=allow_code)
             for r, seed in enumerate(replication_seeds(first_seed, count))]
    with tempfile.TemporaryDirectory(prefix="stratsim-check-") as tmp:
        store = ResultStore(Path(tmp) / "runs", fingerprint="check", durable=False)
        with progress_reporter(len(tasks), scenario.name, enabled=not quiet) as callback:
            summary = execute(tasks, store=store, jobs=jobs, retries=0, progress=callback)
        if summary.failed:
            first = store.failures()[0]
            raise RuntimeError(f"{summary.failed} replication(s) failed: {first['error']}")
        timeseries = store.timeseries()
    runs = [g for _, g in timeseries.groupby("run_id", sort=True)]
    return [evaluate(e, runs, scenario.market.real_customers) for e in scenario.expectations]
