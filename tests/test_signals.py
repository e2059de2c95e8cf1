"""SIGTERM and SIGINT end ``stratsim run`` and an experiment cleanly.

Each command runs in its own process; the test waits for a sign that it is at work (a note
line, a finished run on disk), sends the signal, and checks: the exit status (130 for SIGINT,
143 for SIGTERM), the message, partial results kept and marked, the manifest marked
interrupted, no worker process left behind, and that running the same command again resumes
with nothing lost or duplicated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
STRATSIM = [sys.executable, "-m", "sim"]
WAIT = 120.0  # seconds before giving up on a condition (a failure, never a measurement)


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _children(pid: int) -> set[int]:
    """Every descendant process of ``pid`` (from /proc)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == parent and int(entry.name) not in found:
                found.add(int(entry.name))
                frontier.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux)")


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_run_stopped_by_a_signal_keeps_its_partial_results(tmp_path, signum, status):
    out = tmp_path / "run"
    proc = subprocess.Popen(  # about 40 periods x 0.25 s: long enough to be stopped
        [*STRATSIM, "run", str(ROOT / "scenarios" / "05_price_war.yaml"), "--periods", "40",
         "--customers", "400000", "--out", str(out), "--no-figures"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=tmp_path)
    first = proc.stderr.readline()  # the note is printed once the scenario is loaded
    assert first.startswith("note: --periods 40"), first
    progress = proc.stderr.readline()  # a progress line: the run is stepping
    assert ": period " in progress and " of 40 " in progress, progress
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == status, err
    assert "interrupted at period" in err and "partial results kept in" in err
    partial = tmp_path / "run.partial"
    summary = json.loads((partial / "summary.json").read_text())
    assert summary["complete"] is False
    assert (partial / "timeseries.partial.csv").exists() and not out.exists()


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_experiment_stopped_by_a_signal_stops_its_workers_and_resumes(tmp_path, signum,
                                                                         status):
    out = tmp_path / "exp"
    command = [*STRATSIM, "experiment", str(ROOT / "experiments" / "strategies.yaml"),
               "--replications", "30", "--customers", "1500", "--periods", "12", "--out",
               str(out), "--jobs", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path)
    runs = out / "runs"
    # The workers are found before the first run lands, so that the signal follows the first
    # finished run at once: a slow scan of /proc must not let the experiment finish first.
    found: set[int] = set()

    def workers_started() -> bool:
        found.update(_children(proc.pid))
        return len(found) >= 2

    _wait_for(workers_started, "the workers")
    _wait_for(lambda: runs.is_dir() and any(runs.glob("*.parquet")), "a finished run")
    assert proc.poll() is None, "the experiment finished before it could be stopped"
    workers = found | _children(proc.pid)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == status, err
    assert "interrupted; finished runs are kept" in err
    assert "Traceback" not in err
    _wait_for(lambda: not any(_alive(p) for p in workers), "the workers to end")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    kept = set(pd.read_parquet(runs)["run_id"])
    assert 0 < len(kept) < 90
    again = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert again.returncode == 0, again.stderr
    table = pd.read_parquet(runs)
    assert len(table) == 90 and table["run_id"].is_unique
    assert kept <= set(table["run_id"])
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert os.path.exists(out / "timeseries")
