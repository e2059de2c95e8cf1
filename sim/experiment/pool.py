"""Local worker processes for an experiment's runs.

Core objects: :func:`run_pool` and :data:`WORKER_ENVIRONMENT`. Rules (DESIGN.md principles 3
and 8; issue items 5 and 6):

* Local processes (``jobs > 1``): ``concurrent.futures.ProcessPoolExecutor`` with the
  ``forkserver`` start method where available (else ``spawn``; the global start method is
  never changed), one BLAS/OpenMP thread per worker (set in the environment the workers start
  with, since NumPy reads it when it loads), and at most ``2 * jobs`` runs in flight. If a
  worker dies (killed, out of memory, a crash in native code) the pool breaks; every run in
  flight is charged an attempt, the pool is recreated, and those runs are re-run one at a
  time (so a run that kills its worker is identified and the others complete).
* Workers ignore Ctrl-C: the parent cancels the queued runs and ends the running ones.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from sim.experiment.attempts import AttemptLedger, failed_result
from sim.experiment.task import RunResult, RunTask, run_task

__all__ = ["WORKER_ENVIRONMENT", "WORKER_PRELOAD", "run_pool"]

log = logging.getLogger("sim.experiment.executor")  # records under the executor's name

WORKER_ENVIRONMENT: Mapping[str, str] = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
"""Environment of local worker processes: one thread each for BLAS, OpenMP and numexpr (with
several threads per worker, two workers on two cores ran slower than one)."""

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
    """Stop a pool now: cancel queued runs and end the running ones.

    A worker ended while it was sending a result leaves half a message in the result pipe,
    and the pool's manager thread would wait forever for the rest of it (so would shutdown,
    and the interpreter's exit). Once the workers are gone, closing this process's copy of the
    pipe's write end lets the manager thread see the end of the pipe instead: it marks the
    pool broken and ends.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
    else:
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=10)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.close()
    pool.shutdown(wait=True, cancel_futures=True)


def run_pool(pending: list[RunTask], jobs: int, ledger: AttemptLedger) -> None:
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
               suspects: deque[tuple[RunTask, int]], limit: int, ledger: AttemptLedger) -> None:
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
                result = failed_result(task, f"{type(exc).__name__}: {exc}")
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
        if not ledger.settle(failed_result(task, error), attempt):
            suspects.append((task, attempt + 1))
