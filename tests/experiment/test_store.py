"""The result store: layout, atomic writes, resume bookkeeping, manifest, CSV export."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim.experiment import store as store_module
from sim.experiment.manifest import ExperimentError, fingerprint_of
from sim.experiment.store import ResultStore
from sim.experiment.task import RunResult, RunTask, run_task

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def results() -> list[RunResult]:
    """Three finished runs of a small market: two arms, labels with a parameter path."""
    out = []
    for arm, promotion in (("base", 12000), ("push", 20000)):
        scenario = sim.load_scenario(ROOT / "scenarios" / "default.yaml",
                                     ["market.customers=300", "periods=4",
                                      f"firms.Alpha.promotion={promotion}"])
        for replication in range(2 if arm == "base" else 1):
            task = RunTask(f"{arm}-r{replication}", scenario.model_dump(mode="json"),
                           seed=10 + replication,
                           labels={"arm": arm, "replication": replication,
                                   "firms.Alpha.promotion": promotion})
            out.append(run_task(task))
    assert all(r.status == "ok" for r in out)
    return out


def failed_result(run_id: str = "base-r9", attempts: int = 3) -> RunResult:
    return RunResult(run_id=run_id, seed=19, labels={"arm": "base", "replication": 9},
                     status="failed", error="RuntimeError: boom\nTraceback ...",
                     attempts=attempts)


def test_layout_and_tables(tmp_path: Path, results: list[RunResult]) -> None:
    store = ResultStore(tmp_path)
    for result in reversed(results):
        store.write_result(result)
    assert store.finished_ids() == {"base-r0", "base-r1", "push-r0"}
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "base-r0.parquet", "base-r1.parquet", "push-r0.parquet"]
    assert sorted(p.name for p in (tmp_path / "timeseries").iterdir()) == [
        "base-r0.parquet", "base-r1.parquet", "push-r0.parquet"]

    runs = store.runs()
    assert runs["run_id"].tolist() == ["base-r0", "base-r1", "push-r0"]
    assert list(runs.columns[:8]) == ["run_id", "seed", "status", "attempts", "seconds", "arm",
                                      "replication", "firms.Alpha.promotion"]
    assert runs["firms.Alpha.promotion"].tolist() == [12000, 12000, 20000]
    by_id = {r.run_id: r for r in results}
    for row in runs.to_dict(orient="records"):
        result = by_id[row["run_id"]]
        assert row["seed"] == result.seed and row["status"] == "ok" and row["attempts"] == 1
        assert {k: row[k] for k in result.outcomes} == pytest.approx(result.outcomes,
                                                                      nan_ok=True)
    assert len([c for c in runs.columns if "@" in c]) == len(results[0].outcomes)

    series = store.timeseries()
    assert list(series.columns[:4]) == ["run_id", "arm", "replication",
                                        "firms.Alpha.promotion"]
    expected = pd.concat([r.timeseries.assign(run_id=r.run_id) for r in results])
    assert len(series) == len(expected) == 3 * 4 * 3  # runs x periods x firms
    one = series[series.run_id == "push-r0"].drop(
        columns=["run_id", "arm", "replication", "firms.Alpha.promotion"])
    pd.testing.assert_frame_equal(one.reset_index(drop=True),
                                  by_id["push-r0"].timeseries.reset_index(drop=True),
                                  check_dtype=False)
    assert series[["run_id", "period", "firm"]].equals(
        series[["run_id", "period", "firm"]].sort_values(["run_id", "period", "firm"]))
    assert store.timeseries(["push-r0", "never-ran"])["run_id"].unique().tolist() == [
        "push-r0"]
    assert store.runs(["push-r0", "never-ran"])["run_id"].tolist() == ["push-r0"]


def test_empty_store_reads_as_empty_tables(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    assert store.finished_ids() == set()
    runs = store.runs()
    assert len(runs) == 0 and list(runs.columns) == ["run_id", "seed", "status", "attempts",
                                                     "seconds"]
    assert len(store.timeseries()) == 0 and store.failures() == []


def test_timeseries_is_written_before_the_runs_row(tmp_path: Path, results: list[RunResult],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        replaced.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(store_module.os, "replace", spy)
    store = ResultStore(tmp_path)
    store.write_result(results[0])
    assert [Path(dst).relative_to(tmp_path).as_posix() for _, dst in replaced] == [
        "timeseries/base-r0.parquet", "runs/base-r0.parquet"]
    for src, dst in replaced:  # every final file arrives by rename of a temporary beside it
        assert Path(src).parent == Path(dst).parent and src.endswith(".tmp")


def test_a_crash_while_writing_leaves_no_file_under_its_final_name(
        tmp_path: Path, results: list[RunResult], monkeypatch: pytest.MonkeyPatch) -> None:
    store = ResultStore(tmp_path)
    real_write = pq.write_table
    calls = []

    def crash_midway(table, where, **kwargs) -> None:  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:  # the runs row: half a file, then the disk fills up
            where.write(b"PAR1\x00\x01")
            raise OSError(28, "No space left on device")
        real_write(table, where, **kwargs)

    monkeypatch.setattr(store_module.pq, "write_table", crash_midway)
    with pytest.raises(OSError, match="No space"):
        store.write_result(results[0])
    assert not (tmp_path / "runs" / "base-r0.parquet").exists()
    assert list((tmp_path / "runs").iterdir()) == []  # the temporary file is gone too
    assert store.finished_ids() == set() and len(store.runs()) == 0
    # the time series made it, but a run without its runs row is not finished
    assert (tmp_path / "timeseries" / "base-r0.parquet").exists()
    assert len(store.timeseries()) == 0


def test_leftover_temporary_files_are_ignored_and_cleaned(tmp_path: Path,
                                                          results: list[RunResult]) -> None:
    store = ResultStore(tmp_path)
    store.write_result(results[0])
    leftovers = [tmp_path / "runs" / ".base-r1.parquet.4242.deadbeef.tmp",
                 tmp_path / "timeseries" / ".base-r1.parquet.4242.deadbeef.tmp",
                 tmp_path / ".manifest.json.4242.deadbeef.tmp"]
    for path in leftovers:
        path.write_bytes(b"PAR1 truncated")
    assert store.finished_ids() == {"base-r0"}  # ignored by readers
    assert store.runs()["run_id"].tolist() == ["base-r0"]
    ResultStore(tmp_path)  # nobody writing: leftovers of a killed process are removed
    assert not any(p.exists() for p in leftovers)
    assert store.runs()["run_id"].tolist() == ["base-r0"]
    with store.exclusive():  # a writer is active: its temporary files are not leftovers
        for path in leftovers:
            path.write_bytes(b"PAR1 half written")
        ResultStore(tmp_path)
        assert all(p.exists() for p in leftovers)
        with pytest.raises(ExperimentError, match="another stratsim process"):
            _exclusive_in_other_process(tmp_path)
    with ResultStore(tmp_path).exclusive():  # the lock was released with the writer
        pass


def _exclusive_in_other_process(directory: Path) -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom sim.experiment.store import ResultStore, ExperimentError\n"
            "try:\n    ResultStore(sys.argv[1]).exclusive().__enter__()\n"
            "except ExperimentError as e:\n    print(e); sys.exit(3)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(directory)], capture_output=True,
                          text=True, check=False, timeout=60)
    if proc.returncode == 3:
        raise ExperimentError(proc.stdout.strip())
    assert proc.returncode == 0, proc.stderr


def test_failures_are_recorded_and_cleared_by_a_later_success(
        tmp_path: Path, results: list[RunResult]) -> None:
    store = ResultStore(tmp_path)
    store.write_result(failed_result("base-r0", attempts=3))
    assert store.finished_ids() == set()
    [failure] = store.failures()
    assert failure["run_id"] == "base-r0" and failure["attempts"] == 3
    assert failure["seed"] == 19 and failure["labels"] == {"arm": "base", "replication": 9}
    assert failure["error"].startswith("RuntimeError: boom")
    assert store.run_statuses(["base-r0", "base-r1"]) == {"base-r0": "failed",
                                                          "base-r1": "pending"}
    store.write_result(results[0])  # the retry on resume succeeded
    assert store.failures() == [] and not (tmp_path / "failed" / "base-r0.json").exists()
    assert store.finished_ids() == {"base-r0"}


def test_bad_run_ids_and_colliding_labels_are_refused(tmp_path: Path,
                                                      results: list[RunResult]) -> None:
    store = ResultStore(tmp_path)
    for bad in ("../escape", ".hidden", "a/b", ""):
        with pytest.raises(ValueError, match="file name"):
            store.write_result(failed_result(bad))
    clash = RunResult(**{**results[0].__dict__, "labels": {"seed": 1}})
    with pytest.raises(ValueError, match="collides"):
        store.write_result(clash)
    clash = RunResult(**{**results[0].__dict__, "labels": {"price": 1}})
    with pytest.raises(ValueError, match="collide with time-series columns"):
        store.write_result(clash)
    assert store.finished_ids() == set()


def test_manifest_records_sessions_and_run_statuses(tmp_path: Path,
                                                    results: list[RunResult]) -> None:
    store = ResultStore(tmp_path, fingerprint="f" * 64)
    assert store.read_manifest()["fingerprint"] == "f" * 64
    store.update_manifest(design={"kind": "arms"}, seeds=[10, 11])
    store.record_start()
    store.write_result(results[0])
    store.write_result(failed_result("base-r1"))
    statuses = store.record_end(["base-r0", "base-r1", "push-r0"], interrupted=True, done=1)
    assert statuses == {"base-r0": "ok", "base-r1": "failed", "push-r0": "pending"}
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["design"] == {"kind": "arms"} and manifest["seeds"] == [10, 11]
    assert manifest["runs"] == statuses and manifest["status"] == "interrupted"
    assert manifest["counts"] == {"ok": 1, "failed": 1, "pending": 1}
    assert manifest["stratsim_version"] == sim.__version__
    [session] = manifest["sessions"]
    assert session["interrupted"] is True and session["done"] == 1
    assert session["started_at"] <= session["ended_at"] == manifest["ended_at"]
    store.record_start()
    store.record_end(["base-r0"])
    manifest = store.read_manifest()
    assert len(manifest["sessions"]) == 2 and manifest["status"] == "complete"


def test_a_folder_of_another_experiment_is_refused(tmp_path: Path) -> None:
    first = fingerprint_of({"arms": ["4P", "4R"], "seeds": [1, 2]})
    assert first == fingerprint_of({"seeds": [1, 2], "arms": ["4P", "4R"]})
    ResultStore(tmp_path, fingerprint=first)
    ResultStore(tmp_path, fingerprint=first)  # the same experiment resumes
    ResultStore(tmp_path)  # readers need no fingerprint
    other = fingerprint_of({"arms": ["4P", "4C"], "seeds": [1, 2]})
    with pytest.raises(ExperimentError, match="different experiment") as info:
        ResultStore(tmp_path, fingerprint=other)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(ExperimentError, match="no such results folder"):
        ResultStore(tmp_path / "missing", create=False)


def test_a_hand_broken_manifest_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"fingerprint": "abc",\n  oops}')
    with pytest.raises(ExperimentError, match=r"manifest.json:2:3: not valid JSON"):
        ResultStore(tmp_path, fingerprint="abc")


def test_export_csv_writes_runs_and_timeseries(tmp_path: Path,
                                               results: list[RunResult]) -> None:
    store = ResultStore(tmp_path / "exp")
    for result in results:
        store.write_result(result)
    files = store.export_csv(tmp_path / "csv")
    assert [f.name for f in files] == ["runs.csv", "timeseries.csv"]
    runs = pd.read_csv(files[0])
    assert runs["run_id"].tolist() == ["base-r0", "base-r1", "push-r0"]
    pd.testing.assert_frame_equal(runs, store.runs(), check_dtype=False)
    series = pd.read_csv(files[1])
    expected = store.timeseries()
    assert list(series.columns) == list(expected.columns) and len(series) == len(expected)
    pd.testing.assert_frame_equal(series, expected, check_dtype=False)
    assert not list((tmp_path / "csv").glob(".*.tmp"))


def test_names_other_packages_import_stay_where_they_were() -> None:
    # The CLI and the benchmarks import these from store and executor; stats keeps its names.
    from sim.experiment import executor, intervals, manifest, pool, stats

    assert store_module.ExperimentError is manifest.ExperimentError is executor.ExperimentError
    assert store_module.fingerprint_of is manifest.fingerprint_of
    assert executor.WORKER_ENVIRONMENT is pool.WORKER_ENVIRONMENT
    assert stats.mean_ci is intervals.mean_ci and stats.Interval is intervals.Interval
