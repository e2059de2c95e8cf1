"""Tests for sim.cli.diagnose: ``stratsim diagnose`` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = str(ROOT / "scenarios" / "default.yaml")
runner = CliRunner()
SMALL = ["--customers", "800", "--periods", "14", "--window", "6", "--replications", "2",
         "--jobs", "1"]


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_diagnose_prints_and_writes_the_diagnosis(tmp_path):
    out = tmp_path / "d"
    result = invoke("diagnose", DEFAULT, *SMALL, "--out", out)
    assert result.exit_code == 0, result.output
    text = result.output
    for words in ("elasticities of units", "price", "mean -2.62", "churn/period",
                  "penetration b", "w(1-b)", "loyal", "NBD of purchases per customer",
                  "Double Jeopardy", "2 replications done"):
        assert words in text, words
    data = json.loads((out / "diagnostics.json").read_text())
    assert data["firms"] == ["Alpha", "Beta", "Gamma"]
    assert data["options"] == {"window": 6, "step": 0.05, "seed": 1, "replications": 2}
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "double_jeopardy.png", "elasticities.png", "purchases_nbd.png"]
    again = invoke("diagnose", DEFAULT, *SMALL, "--out", out)
    assert again.exit_code == 0 and "0 replications done, 2 already there" in again.output


def test_svg_figures_and_quiet(tmp_path):
    out = tmp_path / "d"
    result = invoke("diagnose", DEFAULT, *SMALL, "--out", out, "--figure-format", "svg", "-q")
    assert result.exit_code == 0 and result.output == ""
    assert (out / "figures" / "elasticities.svg").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["--window", "40"], "--window: must be at most the scenario's 14 periods (got 40)"),
    (["--replications", "1"], "--replications"),
    (["--step", "0.9"], "--step"),
    (["--step", "nan"], "--step"),
    (["--set", "firms.Alhpa.price=70"], "did you mean 'Alpha'"),
])
def test_bad_options_are_one_line(tmp_path, args, message):
    result = invoke("diagnose", DEFAULT, *SMALL, *args, "--out", tmp_path / "d")
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], result.output


def test_a_diagnosis_folder_is_not_an_experiment_report(tmp_path):
    out = tmp_path / "d"
    assert invoke("diagnose", DEFAULT, *SMALL, "--out", out, "-q").exit_code == 0
    result = invoke("report", out)
    assert result.exit_code == 2 and "a diagnosis folder" in result.output
    assert invoke("export", out).exit_code == 0  # its runs as CSV, like any results folder


def test_diagnose_has_help():
    result = invoke("diagnose", "--help")
    assert result.exit_code == 0 and "elasticities" in result.output


def test_a_diagnosis_whose_replications_all_fail_says_so(tmp_path, monkeypatch):
    import sim.experiment.measurement as measurement

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(measurement, "measure_market", broken)
    result = invoke("diagnose", DEFAULT, *SMALL, "--out", tmp_path / "d")
    assert result.exit_code == 1, result.output
    assert "no replication has finished" in result.output
    assert "2 replication(s) failed" in result.output
    assert "Traceback" not in result.output


def test_a_firm_named_market_is_a_firm_like_any_other(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: s\nperiods: 10\nmarket: {customers: 400}\nfirms:\n"
                        "  market: {price: 80}\n  Other: {price: 90}\n", encoding="utf-8")
    out = tmp_path / "d"
    result = invoke("diagnose", scenario, "--window", "4", "--replications", "2", "--jobs", "1",
                    "--out", out, "-q")
    assert result.exit_code == 0, result.output
    data = json.loads((out / "diagnostics.json").read_text())
    assert set(data["nbd"]) <= {"market", "Other"} and data["nbd_category"] is not None
    firms = {row["firm"] for row in data["measures"]}
    assert firms == {"market", "Other", ""}
