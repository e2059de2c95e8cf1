"""An experiment's attempts: which results are written, which runs run again.

Core objects: :class:`AttemptLedger`, :func:`failed_result` and :data:`Progress`. Rules
(DESIGN.md principle 8):

* Every result is written by this (the parent) process as soon as it arrives, so there is one
  writer and nothing finished is lost.
* A run that fails is tried again, up to ``retries`` more times, then recorded as failed with
  its error; it never stops the experiment. ``RunResult.attempts`` counts its executions.
* An attempt that did not return (its worker died, a transport error) is a failed result whose
  error says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sim.experiment.store import ResultStore
from sim.experiment.task import RunResult, RunTask

__all__ = ["AttemptLedger", "Progress", "failed_result"]

log = logging.getLogger("sim.experiment.executor")  # records under the executor's name

Progress = Callable[[int, int, RunResult], None]
"""``progress(settled, total, result)``: called after each run that is settled (finished or
failed for good) in this call; ``total`` counts the runs to do, not the skipped ones."""


class AttemptLedger:
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


def failed_result(task: RunTask, error: str) -> RunResult:
    """The result of an attempt that did not return (worker died, transport error)."""
    return RunResult(run_id=task.run_id, seed=task.seed, labels=dict(task.labels),
                     status="failed", error=error)
