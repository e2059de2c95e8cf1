"""Executing an experiment's runs: in this process, on local worker processes, or on Dask.

Core objects: :func:`execute` and :class:`ExecutionSummary`. Rules (DESIGN.md principles 2, 3
and 8; issue items 5 and 6):

* A run is ``run_task(task)``: a pure function of a picklable :class:`RunTask`, so every
  executor gives the same results bit for bit; only the ``seconds`` column differs.
* Runs already finished in the store are skipped; every result is written by this (the parent)
  process as soon as it arrives, so there is one writer and nothing finished is lost.
* A run that fails is tried again, up to ``retries`` more times, then recorded as failed with
  its error; it never stops the experiment. ``RunResult.attempts`` counts its executions.
* Local processes (``jobs > 1``): ``concurrent.futures.ProcessPoolExecutor`` with the
  ``forkserver`` start method where available (else ``spawn``; the global start method is
  never changed), one BLAS/OpenMP thread per worker (set in the environment the workers start
  with, since NumPy reads it when it loads), and at most ``2 * jobs`` runs in flight. If a
  worker dies (killed, out of memory, a crash in native code) the pool breaks; every run in
  flight is charged an attempt, the pool is recreated, and those runs are re-run one at a
  time (so a run that kills its worker is identified and the others complete).
* Dask (``scheduler``): ``distributed`` is imported only then (extra ``stratsim[dask]``); each
  attempt has its own key and ``pure=False``, so Dask never merges two attempts.
* Ctrl-C cancels pending work, stops the workers, records the manifest and re-raises; what
  was written stays valid, and running again resumes.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from sim.experiment.store import ExperimentError, ResultStore, check_labels, check_run_id
from sim.experiment.task import RunResult, RunTask, run_task

__all__ = [
    "WORKER_ENVIRONMENT",
    "ExecutionSummary",
    "ExperimentError",
    "default_jobs",
    "execute",
]

log = logging.getLogger(__name__)

WORKER_ENVIRONMENT: Mapping[str, str] = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
"""Environment of local worker processes: one thread each for BLAS, OpenMP and numexpr (with
several threads per worker, two workers on two cores ran slower than one)."""

Progress = Callable[[int, int, RunResult], None]
"""``progress(settled, total, result)``: called after each run that is settled (finished or
failed for good) in this call; ``total`` counts the runs to do, not the skipped ones."""


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
        _import_distributed()  # fail before touching the folder
    started = time.perf_counter()
    with store.exclusive():
        finished = store.finished_ids()
        pending = [t for t in tasks if t.run_id not in finished]
        ledger = _Ledger(store, total=len(pending), retries=retries, progress=progress)
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
                    _run_dask(pending, scheduler, ledger, key_prefix=key, jobs=jobs)
                else:
                    n = min(jobs or default_jobs(), len(pending))
                    if n == 1:
                        _run_serial(pending, ledger)
                    else:
                        _run_pool(pending, n, ledger)
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


class _Ledger:
    """Settles attempts: writes finished runs and final failures, decides on retries."""

    def __init__(self, store: ResultStore, *, total: int, retries: int,
                 progress: Progress | None) -> None:
        self.store = store
        self.total = total
        self.max_attempts = 1 + retries
        self.progress = progress
        self.done = 0
        self.failed = 0
        self.failed_ids: list[str] = []

    def settle(self, result: RunResult, attempt: int) -> bool:
        """Record attempt number ``attempt``; False if the run should be tried again."""
        result.attempts = attempt
        if result.status == "ok":
            self.store.write_result(result)
            self.done += 1
        elif attempt < self.max_attempts:
            log.info("run %s failed (attempt %d of %d), trying again: %s", result.run_id,
                     attempt, self.max_attempts, result.error.splitlines()[0])
            return False
        else:
            self.store.write_result(result)
            self.failed += 1
            self.failed_ids.append(result.run_id)
            log.warning("run %s failed after %d attempts: %s", result.run_id, attempt,
                        result.error.splitlines()[0])
        if self.progress is not None:
            self.progress(self.done + self.failed, self.total, result)
        return True


def _failed_result(task: RunTask, error: str) -> RunResult:
    """The result of an attempt that did not return (worker died, transport error)."""
    return RunResult(run_id=task.run_id, seed=task.seed, labels=dict(task.labels),
                     status="failed", error=error)


# ---------------------------------------------------------------------- in this process
def _run_serial(pending: list[RunTask], ledger: _Ledger) -> None:
    for task in pending:
        attempt = 1
        while not ledger.settle(run_task(task), attempt):
            attempt += 1


# ---------------------------------------------------------------------- local processes
WORKER_PRELOAD = "sim.experiment.task"
"""Module the forkserver imports once, so that workers fork with the engine already loaded."""


def _mp_context() -> multiprocessing.context.BaseContext:
    """forkserver where the platform has it, else spawn (never fork: threads, BLAS state).

    The forkserver (one per Python process, started with the first worker, inside
    :func:`_worker_environment`) is asked to preload the engine, so a worker starts in
    milliseconds instead of importing NumPy, pandas and Mesa again (about 2 s each here).
    The modules it already preloads (by default ``__main__``) are kept.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    preload = list(getattr(server, "_preload_modules", None) or ["__main__"])
    if WORKER_PRELOAD not in preload:
        context.set_forkserver_preload([*preload, WORKER_PRELOAD])
    return context


@contextlib.contextmanager
def _worker_environment() -> Iterator[None]:
    """Set :data:`WORKER_ENVIRONMENT` in ``os.environ`` for the block, then restore it.

    Held for a pool's whole life: ProcessPoolExecutor starts workers lazily, on submit, and a
    worker (or the forkserver) copies the environment when it starts.
    """
    saved = {name: os.environ.get(name) for name in WORKER_ENVIRONMENT}
    os.environ.update(WORKER_ENVIRONMENT)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _start_worker(environment: Mapping[str, str]) -> None:
    """Worker initializer: the thread limits (for libraries loaded later) and no Ctrl-C.

    The parent handles Ctrl-C and stops the workers; a worker that got SIGINT itself would
    only print a traceback in the middle of a run.
    """
    os.environ.update(environment)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued runs and end the running ones."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _run_pool(pending: list[RunTask], jobs: int, ledger: _Ledger) -> None:
    """Run on a process pool, recreating it whenever a worker dies."""
    work: deque[tuple[RunTask, int]] = deque((task, 1) for task in pending)
    suspects: deque[tuple[RunTask, int]] = deque()  # in flight when a worker died: run alone
    while work or suspects:
        with _worker_environment():
            pool = ProcessPoolExecutor(
                max_workers=min(jobs, len(work) + len(suspects)), mp_context=_mp_context(),
                initializer=_start_worker, initargs=(dict(WORKER_ENVIRONMENT),))
            try:
                _feed_pool(pool, work, suspects, 2 * jobs, ledger)
            except BaseException:
                _stop_pool(pool)
                raise
            pool.shutdown(wait=True)


def _feed_pool(pool: ProcessPoolExecutor, work: deque[tuple[RunTask, int]],
               suspects: deque[tuple[RunTask, int]], limit: int, ledger: _Ledger) -> None:
    """Keep up to ``limit`` runs in flight until the work is done or the pool breaks.

    A suspect (a run that was in flight when a worker died) runs with nothing else in flight,
    so a second death is its own. Returns when everything is settled or the pool is broken;
    then the runs that were in flight are charged an attempt and become suspects.
    """
    in_flight: dict[Future[RunResult], tuple[RunTask, int, bool]] = {}
    died: list[tuple[RunTask, int]] = []
    broken = False
    while True:
        while not broken:
            suspect_running = any(alone for _, _, alone in in_flight.values())
            if suspects and not in_flight:
                (task, attempt), alone = suspects.popleft(), True
            elif work and not suspects and not suspect_running and len(in_flight) < limit:
                (task, attempt), alone = work.popleft(), False
            else:
                break
            try:
                future = pool.submit(run_task, task)
            except BrokenProcessPool:  # broke since the last check: the run never started
                (suspects if alone else work).appendleft((task, attempt))
                broken = True
                break
            in_flight[future] = (task, attempt, alone)
        if not in_flight:
            break
        done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            task, attempt, _alone = in_flight.pop(future)
            try:
                result = future.result()
            except BrokenProcessPool:
                broken = True
                died.append((task, attempt))
                continue
            except Exception as exc:  # e.g. the task could not be pickled
                result = _failed_result(task, f"{type(exc).__name__}: {exc}")
            if not ledger.settle(result, attempt):
                work.append((task, attempt + 1))
        if broken and not in_flight:
            break
    if died:
        log.warning("a worker process died with %d run(s) in flight; each is charged an"
                    " attempt and will run alone", len(died))
    for task, attempt in died:
        error = ("the worker process running this run died (killed, out of memory, or a crash"
                 f" in native code); {len(died)} run(s) were in flight")
        if not ledger.settle(_failed_result(task, error), attempt):
            suspects.append((task, attempt + 1))


# ---------------------------------------------------------------------- Dask
def _import_distributed() -> Any:
    try:
        import distributed  # an optional extra
    except ImportError:
        raise ExperimentError("running on a Dask scheduler needs Dask distributed:"
                              " install stratsim[dask]") from None
    return distributed


def _run_dask(pending: list[RunTask], scheduler: str, ledger: _Ledger, *, key_prefix: str,
              jobs: int | None) -> None:
    """Run on an existing Dask cluster, keeping about two runs in flight per worker thread."""
    distributed = _import_distributed()
    try:
        client = distributed.Client(scheduler, set_as_default=False)
    except (OSError, ValueError, TimeoutError) as exc:
        raise ExperimentError(f"cannot connect to the Dask scheduler at {scheduler}: {exc}"
                              ) from None
    session = uuid.uuid4().hex[:8]  # never reuse a result an earlier session left behind
    work: deque[tuple[RunTask, int]] = deque((task, 1) for task in pending)
    in_flight: dict[str, tuple[Any, RunTask, int]] = {}
    limit_checked = -1.0
    limit = 2

    def fill() -> list[Any]:
        """Submit work up to the limit; returns the new futures."""
        nonlocal limit, limit_checked
        if jobs is not None:
            limit = 2 * jobs
        elif time.monotonic() - limit_checked > 5.0:  # the cluster may grow or shrink
            limit = max(2, 2 * sum(client.nthreads().values()))
            limit_checked = time.monotonic()
        submitted = []
        while work and len(in_flight) < limit:
            task, attempt = work.popleft()
            future = client.submit(run_task, task, pure=False,
                                   key=f"stratsim-{key_prefix}-{session}-{task.run_id}"
                                       f"-{attempt}")
            in_flight[future.key] = (future, task, attempt)
            submitted.append(future)
        return submitted

    try:
        completed = distributed.as_completed(fill(), loop=client.loop)  # not the default
        for future in completed:
            _, task, attempt = in_flight.pop(future.key)
            try:
                result = future.result()
            except Exception as exc:  # KilledWorker, lost connection...
                result = _failed_result(task, f"{type(exc).__name__}: {exc}")
            future.release()
            if not ledger.settle(result, attempt):
                work.append((task, attempt + 1))
            for submitted in fill():
                completed.add(submitted)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel([f for f, _, _ in in_flight.values()])
        raise
    finally:
        client.close()
