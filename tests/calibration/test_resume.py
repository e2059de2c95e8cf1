"""A calibration killed at any moment (SIGKILL: no clean-up runs) loses nothing: run again
into the same folder, it ends with exactly the result of a calibration never stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WAIT = 180.0  # seconds before giving up on a condition (a failure, never a measurement)
COMMAND = [sys.executable, "-m", "sim", "calibrate", str(ROOT / "scenarios" / "default.yaml"),
           "--customers", "2000", "--periods", "24", "--replications", "2", "--budget", "80",
           "--batch", "4", "--jobs", "2", "--target", "share_units@Beta=0.3:0.03",
           "--target", "churn_rate@Alpha=0.1:0.02",
           "--param", "market.behaviour.choice_scale=5.0:25.0",
           "--param", "firms.Beta.quality=0.5:0.9"]
COMPARED = ("candidates.json", "candidates.csv", "fit.csv", "parameters.csv")


def _finished(folder: Path) -> int:
    runs = folder / "runs"
    return len(list(runs.glob("c*.parquet"))) if runs.is_dir() else 0


def test_a_killed_calibration_resumes_to_the_result_it_would_have_had(tmp_path):
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    proc = subprocess.Popen([*COMMAND, "--out", str(killed), "-q"], cwd=tmp_path,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT
    while _finished(killed) < 12:
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail("the calibration ended (or stalled) before it could be killed")
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers, mid-round
    proc.wait()
    stopped_at = _finished(killed)
    assert 12 <= stopped_at < 80
    assert not (killed / "calibration.json").exists()
    resumed = subprocess.run([*COMMAND, "--out", str(killed)], cwd=tmp_path,
                             capture_output=True, text=True, timeout=WAIT)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{80 - stopped_at} runs done, {stopped_at} already there, 0 failed" in " ".join(
        resumed.stdout.split())
    complete = subprocess.run([*COMMAND, "--out", str(whole), "-q"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=WAIT)
    assert complete.returncode == 0, complete.stderr
    for name in COMPARED:
        assert (killed / name).read_bytes() == (whole / name).read_bytes(), name
    assert not list(killed.rglob("*.tmp"))  # the killed writer's temporary files are gone
