"""Progress of long commands: a bar on a terminal, plain log lines otherwise (issue item 8).

Core object: :func:`progress_reporter`, a context manager that yields the
``progress(done, total, result)`` callback :func:`sim.experiment.executor.execute` takes.
Rules: on a terminal (``sys.stderr.isatty()``) a Rich bar with the runs done, the failed count
and the time left; otherwise (logs, CI, a notebook's captured stderr) one plain line every
``every`` runs and at the end, e.g. ``12/40 runs done, 1 failed, 35 s elapsed, about 80 s
left``; nothing at all when disabled. Progress goes to stderr so stdout stays for results.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from sim.experiment.task import RunResult

__all__ = ["format_duration", "progress_reporter"]

ProgressCallback = Callable[[int, int, RunResult], None]


def format_duration(seconds: float) -> str:
    """A short human duration: ``35 s``, ``4 min 10 s``, ``2 h 5 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _status_line(done: int, total: int, failed: int, elapsed: float) -> str:
    line = f"{done}/{total} runs done, {failed} failed, {format_duration(elapsed)} elapsed"
    if 0 < done < total:
        line += f", about {format_duration(elapsed / done * (total - done))} left"
    return line


@contextlib.contextmanager
def progress_reporter(total: int, description: str, *, enabled: bool, every: int = 10,
                      stream: TextIO | None = None) -> Iterator[ProgressCallback]:
    """Report the progress of ``total`` runs.

    Args:
        total: runs to do.
        description: what is running (shown before the bar and at the start of log lines).
        enabled: False prints nothing (``--quiet``).
        every: without a terminal, print a line every this many runs (and at the end).
        stream: where to write (default ``sys.stderr``); its ``isatty()`` picks the form.

    Yields:
        ``callback(done, total, result)``, to be called after each settled run.
    """
    out = sys.stderr if stream is None else stream
    if not enabled:
        yield lambda done, total_, result: None
        return
    failed = 0
    if out.isatty():
        from rich.console import Console  # only on a terminal
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("runs, {task.fields[failed]} failed,"), TimeElapsedColumn(),
                      TextColumn("elapsed,"), TimeRemainingColumn(), TextColumn("left"),
                      console=Console(file=out)) as bar:
            task_id = bar.add_task(description, total=total, failed=0)

            def update(done: int, total_: int, result: RunResult) -> None:
                nonlocal failed
                failed += result.status != "ok"
                bar.update(task_id, completed=done, total=total_, failed=failed)

            yield update
        return

    started = time.perf_counter()
    last_printed = 0
    done_now = 0
    total_now = total

    def log(done: int, total_: int, result: RunResult) -> None:
        nonlocal failed, last_printed, done_now, total_now
        failed += result.status != "ok"
        done_now, total_now = done, total_
        if done - last_printed >= every or done >= total_:
            elapsed = time.perf_counter() - started
            print(f"{description}: {_status_line(done, total_, failed, elapsed)}", file=out,
                  flush=True)
            last_printed = done

    try:
        yield log
    finally:
        if done_now != last_printed:  # stopped between two lines: say where
            elapsed = time.perf_counter() - started
            print(f"{description}: {_status_line(done_now, total_now, failed, elapsed)}",
                  file=out, flush=True)
