"""A Dask cluster for an experiment's runs.

Core objects: :func:`run_dask` and :func:`import_distributed`. Rules (DESIGN.md principles 3
and 8; issue item 5):

* Dask (``scheduler``): ``distributed`` is imported only then (extra ``stratsim[dask]``); each
  attempt has its own key and ``pure=False``, so Dask never merges two attempts.
* A session's keys are its own, so a result an earlier session left behind is never reused.
* About two runs are in flight per worker thread (``2 * jobs`` when ``jobs`` is given); the
  count follows the cluster as it grows or shrinks.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections import deque
from typing import Any

from sim.experiment.attempts import AttemptLedger, failed_result
from sim.experiment.manifest import ExperimentError
from sim.experiment.task import RunTask, run_task

__all__ = ["import_distributed", "run_dask"]


def import_distributed() -> Any:
    try:
        import distributed  # an optional extra
    except ImportError:
        raise ExperimentError("running on a Dask scheduler needs Dask distributed:"
                              " install stratsim[dask]") from None
    return distributed


def run_dask(pending: list[RunTask], scheduler: str, ledger: AttemptLedger, *, key_prefix: str,
             jobs: int | None) -> None:
    """Run on an existing Dask cluster, keeping about two runs in flight per worker thread."""
    distributed = import_distributed()
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
                result = failed_result(task, f"{type(exc).__name__}: {exc}")
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
