"""Executing an experiment's runs: in this process, on local worker processes, or on Dask.

Core objects: :func:`execute` and :class:`ExecutionSummary`. Rules (DESIGN.md principles 2, 3
and 8; issue items 5 and 6):

* A run is ``run_task(task)``: a pure function of a picklable :class:`RunTask`, so every
  executor gives the same results bit for bit; only the ``seconds`` column differs.
* Runs already finished in the store are skipped; every result is written by this (the parent)
  process as soon as it arrives, so there is one writer and nothing finished is lost.
* A run that fails is tried again, up to ``retries`` more times, then recorded as failed with
  its error; it never stops the experiment (:mod:`sim.experiment.attempts`).
* Local processes (``jobs > 1``): worker processes, recreated when one dies
  (:mod:`sim.experiment.pool`).
* Dask (``scheduler``): runs on an existing cluster (:mod:`sim.experiment.cluster`).
* Ctrl-C cancels pending work, stops the workers, records the manifest and re-raises; what
  was written stays valid, and running again resumes.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sim.experiment.attempts import AttemptLedger, Progress
from sim.experiment.cluster import import_distributed, run_dask
from sim.experiment.manifest import ExperimentError
from sim.experiment.pool import WORKER_ENVIRONMENT, run_pool
from sim.experiment.store import ResultStore, check_labels, check_run_id
from sim.experiment.task import RunTask, run_task

__all__ = [
    "WORKER_ENVIRONMENT",
    "ExecutionSummary",
    "ExperimentError",
    "default_jobs",
    "execute",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExecutionSummary:
    """What one call of :func:`execute` did.

    Attributes:
        done: runs finished in this call.
        skipped: runs already finished in the store before this call.
        failed: runs recorded as failed after all their attempts.
        seconds: wall-clock time of the call.
        failed_ids: the failed runs' ids.
    """

    done: int
    skipped: int
    failed: int
    seconds: float
    failed_ids: tuple[str, ...] = ()


def default_jobs() -> int:
    """The number of CPUs this process may use (affinity-aware where the OS tells)."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13
    if count is not None:
        n = count()
    elif hasattr(os, "sched_getaffinity"):
        n = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS, Windows on 3.12
        n = os.cpu_count()
    return max(1, n or 1)


def execute(tasks: Iterable[RunTask], *, store: ResultStore, jobs: int | None = None,
            scheduler: str | None = None, retries: int = 2,
            progress: Progress | None = None) -> ExecutionSummary:
    """Run every task not yet finished in ``store``, writing each result as it arrives.

    Args:
        tasks: the experiment's runs; run ids must be unique.
        store: where results go; its finished runs are skipped.
        jobs: local worker processes (default: every CPU this process may use); 1 runs in
            this process. Ignored with ``scheduler``, except that it then caps the runs in
            flight at ``2 * jobs``.
        scheduler: address of a Dask scheduler (``tcp://host:8786``); runs go to its cluster.
        retries: extra attempts for a run that fails before it is recorded as failed.
        progress: called after each settled run (see :data:`Progress`).

    Returns:
        The counts of runs done, skipped and failed, and the wall time.

    Raises:
        ValueError: duplicate or unusable run ids, labels that collide with columns, bad
            ``jobs`` or ``retries``.
        ExperimentError: Dask requested but not installed or not reachable; the folder is
            being written by another process.
        KeyboardInterrupt: after stopping the work and recording the manifest.
    """
    tasks = list(tasks)
    _check_tasks(tasks)
    if retries < 0:
        raise ValueError(f"retries must be 0 or more (got {retries})")
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be 1 or more (got {jobs})")
    if scheduler is not None:
        import_distributed()  # fail before touching the folder
    started = time.perf_counter()
    with store.exclusive():
        finished = store.finished_ids()
        pending = [t for t in tasks if t.run_id not in finished]
        ledger = AttemptLedger(store, total=len(pending), retries=retries, progress=progress)
        store.record_start()
        ids = [t.run_id for t in tasks]

        def counts() -> dict[str, Any]:
            return {"done": ledger.done, "skipped": len(tasks) - len(pending),
                    "failed": ledger.failed,
                    "seconds": round(time.perf_counter() - started, 3)}

        try:
            if pending:
                if scheduler is not None:
                    key = (store.fingerprint or uuid.uuid4().hex)[:16]
                    run_dask(pending, scheduler, ledger, key_prefix=key, jobs=jobs)
                else:
                    n = min(jobs or default_jobs(), len(pending))
                    if n == 1:
                        _run_serial(pending, ledger)
                    else:
                        run_pool(pending, n, ledger)
        except BaseException:
            try:
                store.record_end(ids, interrupted=True, **counts())
            except Exception:  # never hide the reason the run stopped
                log.exception("could not record the end of the session in %s",
                              store.manifest_path)
            raise
        store.record_end(ids, **counts())
    return ExecutionSummary(done=ledger.done, skipped=len(tasks) - len(pending),
                            failed=ledger.failed, seconds=time.perf_counter() - started,
                            failed_ids=tuple(ledger.failed_ids))


def _check_tasks(tasks: list[RunTask]) -> None:
    seen: set[str] = set()
    for task in tasks:
        check_run_id(task.run_id)
        check_labels(task.labels)
        if task.run_id in seen:
            raise ValueError(f"run id {task.run_id!r} appears twice in the design")
        seen.add(task.run_id)


# ---------------------------------------------------------------------- in this process
def _run_serial(pending: list[RunTask], ledger: AttemptLedger) -> None:
    for task in pending:
        attempt = 1
        while not ledger.settle(run_task(task), attempt):
            attempt += 1
