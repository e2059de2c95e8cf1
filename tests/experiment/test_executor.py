"""Executing experiments: identical results on every executor, retries, dead workers,
interrupts and resuming after a kill; and the progress reporter."""

from __future__ import annotations

import io
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sim
from sim.experiment.executor import ExecutionSummary, default_jobs, execute
from sim.experiment.manifest import ExperimentError, fingerprint_of
from sim.experiment.progress import format_duration, progress_reporter
from sim.experiment.store import ResultStore
from sim.experiment.task import RunResult, RunTask

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.yaml"
SMALL = ["market.customers=300", "periods=4"]

EXPLODING_STRATEGY = '''
import os
from sim import Strategy, StrategyParams


class Explodes(Strategy):
    """Fails at its first decision (a test strategy): raises, or kills its process."""

    name = "explodes"
    review_every = 1
    observation_delay = 0

    class Params(StrategyParams):
        log: str
        mode: str = "raise"

    def decide(self, view):
        with open(self.params.log, "a") as fh:
            fh.write(f"{os.getpid()}\\n")
        if self.params.mode == "exit":
            os._exit(7)
        raise RuntimeError("the strategy exploded")
'''


def scenario(*overrides: str) -> dict[str, Any]:
    return sim.load_scenario(DEFAULT, [*SMALL, *overrides], allow_code=True
                             ).model_dump(mode="json")


def make_tasks(replications: int = 6) -> list[RunTask]:
    """Two arms (Alpha's quality) x replications, common seeds across arms."""
    tasks = []
    for arm, quality in (("base", 0.7), ("better", 0.9)):
        data = scenario(f"firms.Alpha.quality={quality}")
        tasks += [RunTask(f"{arm}-r{r:02d}", data, seed=100 + r,
                          labels={"arm": arm, "replication": r,
                                  "firms.Alpha.quality": quality})
                  for r in range(replications)]
    return tasks


def tables(store: ResultStore) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs table without timings, and the time series."""
    return store.runs().drop(columns=["seconds"]), store.timeseries()


def assert_same_results(store: ResultStore, reference: tuple[pd.DataFrame, pd.DataFrame],
                        run_ids: set[str] | None = None) -> None:
    runs, series = tables(store)
    ref_runs, ref_series = reference
    if run_ids is not None:
        runs = runs[runs.run_id.isin(run_ids)].reset_index(drop=True)
        series = series[series.run_id.isin(run_ids)].reset_index(drop=True)
        ref_runs = ref_runs[ref_runs.run_id.isin(run_ids)].reset_index(drop=True)
        ref_series = ref_series[ref_series.run_id.isin(run_ids)].reset_index(drop=True)
        assert set(runs.run_id) == run_ids
    pd.testing.assert_frame_equal(runs.drop(columns=["attempts"]),
                                  ref_runs.drop(columns=["attempts"]))
    pd.testing.assert_frame_equal(series, ref_series)


@pytest.fixture(scope="module")
def tasks() -> list[RunTask]:
    return make_tasks()


@pytest.fixture(scope="module")
def reference(tasks: list[RunTask], tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The serial run of every task: the results every other executor must reproduce."""
    store = ResultStore(tmp_path_factory.mktemp("serial"))
    summary = execute(tasks, store=store, jobs=1)
    assert (summary.done, summary.skipped, summary.failed) == (len(tasks), 0, 0)
    runs, series = tables(store)
    assert (runs.attempts == 1).all() and runs.status.eq("ok").all()
    # the arms differ (the test would be blind otherwise) and share seeds per replication
    base, better = runs[runs.arm == "base"], runs[runs.arm == "better"]
    assert base["seed"].tolist() == better["seed"].tolist()
    assert (base["cumulative_profit@Alpha"].to_numpy()
            < better["cumulative_profit@Alpha"].to_numpy()).all()
    return runs, series


@pytest.fixture
def exploding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A user strategy module (importable here and in workers) and the file it logs to."""
    module = f"exploding_{tmp_path.name}".replace("-", "_")
    (tmp_path / f"{module}.py").write_text(EXPLODING_STRATEGY)
    monkeypatch.syspath_prepend(str(tmp_path))  # workers start with the parent's sys.path
    yield f"{module}:Explodes", tmp_path / "attempts.log"
    sys.modules.pop(module, None)


def exploding_task(strategy: str, log: Path, mode: str = "raise") -> RunTask:
    data = scenario(f"firms.Beta.strategy={strategy}", f"firms.Beta.params.log={log}",
                    f"firms.Beta.params.mode={mode}")
    return RunTask("boom", data, seed=7, labels={"arm": "boom", "replication": 0,
                                                 "firms.Alpha.quality": 0.0},
                   allow_code=True)


def attempts_logged(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


# ---------------------------------------------------------------------- same results
def test_two_processes_give_the_serial_results_bit_for_bit(
        tasks: list[RunTask], reference: tuple[pd.DataFrame, pd.DataFrame],
        tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    summary = execute(tasks, store=store, jobs=2)
    assert (summary.done, summary.skipped, summary.failed) == (len(tasks), 0, 0)
    assert_same_results(store, reference)
    assert (store.runs().attempts == 1).all()


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        yield cluster.scheduler_address


def test_dask_gives_the_serial_results_bit_for_bit(
        tasks: list[RunTask], reference: tuple[pd.DataFrame, pd.DataFrame],
        dask_scheduler: str, tmp_path: Path) -> None:
    store = ResultStore(tmp_path, fingerprint=fingerprint_of([t.run_id for t in tasks]))
    summary = execute(tasks, store=store, scheduler=dask_scheduler)
    assert (summary.done, summary.skipped, summary.failed) == (len(tasks), 0, 0)
    assert_same_results(store, reference)


def test_dask_retries_then_records_a_failing_run(
        tasks: list[RunTask], reference: tuple[pd.DataFrame, pd.DataFrame],
        dask_scheduler: str, tmp_path: Path) -> None:
    broken = scenario()
    broken["firms"]["Alpha"]["strategy"] = "no-such-strategy"
    bad = RunTask("bad", broken, seed=1, labels={"arm": "bad"})
    store = ResultStore(tmp_path)
    summary = execute([*tasks[:3], bad], store=store, scheduler=dask_scheduler, retries=1)
    assert (summary.done, summary.failed, summary.failed_ids) == (3, 1, ("bad",))
    [failure] = store.failures()
    assert failure["attempts"] == 2 and "unknown strategy" in failure["error"]
    assert_same_results(store, reference, {t.run_id for t in tasks[:3]})


def test_a_missing_dask_is_a_message(tasks: list[RunTask], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    with pytest.raises(ExperimentError, match=r"install stratsim\[dask\]"):
        execute(tasks, store=ResultStore(tmp_path), scheduler="tcp://127.0.0.1:1")
    assert not (tmp_path / "manifest.json").exists()


# ---------------------------------------------------------------------- resuming
def test_finished_runs_are_skipped(tasks: list[RunTask], tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    execute(tasks[:4], store=store, jobs=1)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/*.parquet")}
    summary = execute(tasks, store=store, jobs=1)
    assert (summary.done, summary.skipped) == (len(tasks) - 4, 4)
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())
    assert execute(tasks, store=store, jobs=2) == ExecutionSummary(
        done=0, skipped=len(tasks), failed=0, seconds=pytest.approx(0, abs=5))
    assert store.read_manifest()["status"] == "complete"


def test_duplicate_run_ids_are_refused(tasks: list[RunTask], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="appears twice"):
        execute([tasks[0], tasks[0]], store=ResultStore(tmp_path), jobs=1)


RESUMABLE_SCRIPT = """
import pickle, sys, time
from sim.experiment.executor import execute
from sim.experiment.store import ResultStore

if __name__ == "__main__":
    with open(sys.argv[1], "rb") as fh:
        tasks, fingerprint = pickle.load(fh)
    store = ResultStore(sys.argv[2], fingerprint=fingerprint)
    execute(tasks, store=store, jobs=2, progress=lambda *_: time.sleep(0.15))
"""


def test_resume_after_a_kill_loses_nothing_and_duplicates_nothing(
        tasks: list[RunTask], reference: tuple[pd.DataFrame, pd.DataFrame],
        tmp_path: Path) -> None:
    fingerprint = fingerprint_of([t.run_id for t in tasks])
    (tmp_path / "tasks.pkl").write_bytes(pickle.dumps((tasks, fingerprint)))
    (tmp_path / "experiment.py").write_text(RESUMABLE_SCRIPT)
    out = tmp_path / "results"
    proc = subprocess.Popen([sys.executable, str(tmp_path / "experiment.py"),
                             str(tmp_path / "tasks.pkl"), str(out)], start_new_session=True,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "runs").glob("*.parquet"))) < 3:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the experiment wrote nothing"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the experiment, its forkserver, its workers
        proc.wait()
        if proc.stderr:
            proc.stderr.close()

    store = ResultStore(out, fingerprint=fingerprint)
    finished = store.finished_ids()
    assert 3 <= len(finished) < len(tasks)
    written = {p: (p.read_bytes(), p.stat().st_mtime_ns)
               for run_id in finished
               for p in (out / "runs" / f"{run_id}.parquet",
                         out / "timeseries" / f"{run_id}.parquet")}
    summary = execute(tasks, store=store, jobs=1)
    assert (summary.done, summary.skipped, summary.failed) == (
        len(tasks) - len(finished), len(finished), 0)
    for path, (content, mtime) in written.items():
        assert path.read_bytes() == content and path.stat().st_mtime_ns == mtime, path
    runs = store.runs()
    assert runs.run_id.is_unique and set(runs.run_id) == {t.run_id for t in tasks}
    assert not list(out.rglob("*.tmp"))
    assert_same_results(store, reference)
    with pytest.raises(ExperimentError, match="different experiment"):
        ResultStore(out, fingerprint=fingerprint_of(["another design"]))


# ---------------------------------------------------------------------- failures
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_run_is_retried_then_recorded(
        jobs: int, tasks: list[RunTask], reference: tuple[pd.DataFrame, pd.DataFrame],
        exploding: tuple[str, Path], tmp_path: Path) -> None:
    strategy, log = exploding
    good = tasks[:4]
    store = ResultStore(tmp_path / "results")
    summary = execute([good[0], exploding_task(strategy, log), *good[1:]], store=store,
                      jobs=jobs, retries=2)
    assert (summary.done, summary.failed, summary.failed_ids) == (4, 1, ("boom",))
    assert attempts_logged(log) == 3
    [failure] = store.failures()
    assert failure["attempts"] == 3 and failure["seed"] == 7
    assert failure["labels"]["arm"] == "boom"
    assert failure["error"].startswith("StrategyFailed: period 1: firm Beta's strategy")
    assert "failed: RuntimeError: the strategy exploded" in failure["error"]
    assert_same_results(store, reference, {t.run_id for t in good})
    assert store.read_manifest()["runs"]["boom"] == "failed"
    # resuming tries the failed run again, and only it
    summary = execute([*good, exploding_task(strategy, log)], store=store, jobs=jobs,
                      retries=0)
    assert (summary.done, summary.skipped, summary.failed) == (0, 4, 1)
    assert attempts_logged(log) == 4


def test_a_dying_worker_breaks_the_pool_but_not_the_experiment(
        tasks: list[RunTask], reference: tuple[pd.DataFrame, pd.DataFrame],
        exploding: tuple[str, Path], tmp_path: Path) -> None:
    strategy, log = exploding
    good = tasks[:6]
    store = ResultStore(tmp_path / "results")
    summary = execute([good[0], exploding_task(strategy, log, mode="exit"), *good[1:]],
                      store=store, jobs=2, retries=1)
    assert (summary.done, summary.failed, summary.failed_ids) == (6, 1, ("boom",))
    assert attempts_logged(log) == 2  # once among others, once alone: then it is known
    [failure] = store.failures()
    assert failure["attempts"] == 2 and "worker process" in failure["error"]
    runs = store.runs()
    assert runs.attempts.between(1, 2).all()  # runs in flight with it were charged once
    assert_same_results(store, reference, {t.run_id for t in good})


def test_ctrl_c_keeps_what_was_written_and_resumes(
        tasks: list[RunTask], reference: tuple[pd.DataFrame, pd.DataFrame],
        tmp_path: Path) -> None:
    store = ResultStore(tmp_path)

    def interrupt_after_three(done: int, total: int, result: RunResult) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute(tasks, store=store, jobs=2, progress=interrupt_after_three)
    assert len(store.finished_ids()) == 3
    manifest = store.read_manifest()
    assert manifest["status"] == "interrupted"
    assert manifest["counts"] == {"ok": 3, "failed": 0, "pending": len(tasks) - 3}
    summary = execute(tasks, store=store, jobs=2)  # the writer's lock was released
    assert (summary.done, summary.skipped) == (len(tasks) - 3, 3)
    assert_same_results(store, reference)


def test_default_jobs_is_the_usable_cpu_count() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    assert default_jobs() >= 1
    if expected is not None and not hasattr(os, "process_cpu_count"):
        assert default_jobs() == expected


# ---------------------------------------------------------------------- progress
def ok(run_id: str = "r") -> RunResult:
    return RunResult(run_id=run_id, seed=1, labels={}, status="ok")


def failed(run_id: str = "f") -> RunResult:
    return RunResult(run_id=run_id, seed=1, labels={}, status="failed", error="x")


class Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_without_a_terminal_prints_a_line_every_n_runs() -> None:
    stream = Pipe()
    with progress_reporter(5, "grid", enabled=True, every=2, stream=stream) as report:
        for done, result in enumerate([ok(), failed(), ok(), ok(), ok()], start=1):
            report(done, 5, result)
    lines = stream.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "grid: 2/5 runs done", "grid: 4/5 runs done", "grid: 5/5 runs done"]
    assert "1 failed" in lines[0] and "left" in lines[0] and "left" not in lines[-1]


def test_progress_says_where_an_interrupted_command_stopped() -> None:
    stream = Pipe()
    with pytest.raises(KeyboardInterrupt), progress_reporter(
            40, "arms", enabled=True, every=10, stream=stream) as report:
        for done in range(1, 13):
            report(done, 40, ok())
        raise KeyboardInterrupt
    lines = stream.getvalue().splitlines()
    assert lines[-1].startswith("arms: 12/40 runs done, 0 failed")
    assert "about" in lines[-1]


def test_progress_on_a_terminal_is_a_bar_and_disabled_is_silent() -> None:
    terminal = Terminal()
    with progress_reporter(3, "arms", enabled=True, stream=terminal) as report:
        for done in (1, 2, 3):
            report(done, 3, failed() if done == 2 else ok())
    assert "3/3" in terminal.getvalue() and "1 failed" in terminal.getvalue()
    silent = Pipe()
    with progress_reporter(3, "arms", enabled=False, stream=silent) as report:
        report(3, 3, ok())
    assert silent.getvalue() == ""


@pytest.mark.parametrize(("seconds", "text"), [(0.4, "0 s"), (35, "35 s"), (60, "1 min"),
                                               (250, "4 min 10 s"), (7500, "2 h 5 min")])
def test_durations_read_like_speech(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
