"""Tests for sim.cli.calibrate: ``stratsim calibrate`` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.experiment.design import replication_seeds
from sim.experiment.task import RunTask, run_task
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = str(ROOT / "scenarios" / "default.yaml")
runner = CliRunner()
SMALL = ["--customers", "300", "--periods", "12", "--replications", "2", "--budget", "48",
         "--batch", "4", "--jobs", "1"]
TARGETS = ["--target", "share_units@Beta=0.3:0.03", "--target", "churn_rate@Alpha=0.1:0.02"]
PARAMS = ["--param", "market.behaviour.choice_scale=5.0:25.0",
          "--param", "firms.Beta.quality=0.5:0.9"]


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("cli") / "cal"
    result = invoke("calibrate", DEFAULT, *SMALL, *TARGETS, *PARAMS, "--out", out)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_calibrate_prints_the_fit_and_writes_its_files(calibrated):
    out, text = calibrated
    for words in ("2 targets, 2 parameters, 24 candidates x 2 replications = 48 runs",
                  "targets (residual: (achieved - wanted) / tolerance)", "share_units@Beta",
                  "parameters (95% profile interval)", "market.behaviour.choice_scale",
                  "identified", "48 runs done, 0 already there, 0 failed",
                  "report: stratsim report"):
        assert words in text, words
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        ".lock", "calibrated.yaml", "calibration.json", "candidates.csv", "candidates.json",
        "fit.csv", "manifest.json", "parameters.csv"]
    assert (out / "figures" / "fit.png").stat().st_size > 10_000
    fit = pd.read_csv(out / "fit.csv")
    assert list(fit.columns) == ["target", "wanted", "tolerance", "achieved", "low", "high",
                                 "residual", "met", "origin"]
    # where each target was written (a cell starting with "-" is quoted against spreadsheet
    # formulas, as in every CSV stratsim writes)
    assert list(fit["origin"]) == ["'--target 1", "'--target 2"]
    record = json.loads((out / "calibration.json").read_text())
    assert record["candidates"] == 24 and record["problem"]["budget"] == 48
    assert json.loads((out / "manifest.json").read_text())["kind"] == "calibrate"
    again = invoke("calibrate", DEFAULT, *SMALL, *TARGETS, *PARAMS, "--out", out)
    assert again.exit_code == 0 and "0 runs done, 48 already there" in again.output


def test_the_calibrated_scenario_reproduces_the_best_candidate_exactly(calibrated):
    out, _ = calibrated
    text = (out / "calibrated.yaml").read_text()
    assert text.startswith("# Calibrated by stratsim ")
    assert "# To the targets (wanted ± tolerance -> achieved" in text
    assert "choice_scale:" in text and "# calibrated: 95% interval" in text
    data = yaml.safe_load(text)
    assert "calibration" not in data and data["periods"] == 12
    assert data["market"]["customers"] == 10000  # agents are a precision knob: the file's
    record = json.loads((out / "calibration.json").read_text())
    best, point = record["best"], record["best_point"]
    assert data["market"]["behaviour"]["choice_scale"] == point["market.behaviour.choice_scale"]
    scenario = load_scenario(out / "calibrated.yaml", customers=300)
    seeds = replication_seeds(record["problem"]["seed"], 2)
    stored = pd.read_parquet(out / "runs" / f"{best}-r001.parquet")
    again = run_task(RunTask("again", scenario.model_dump(mode="json"), seeds[1])).outcomes
    for name in ("share_units@Beta", "churn_rate@Alpha", "cumulative_profit@Gamma"):
        assert again[name] == stored[name].iloc[0], name


def test_the_report_of_a_calibration_folder(calibrated):
    out, _ = calibrated
    result = invoke("report", out)
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    for words in ("stratsim calibration", "The fit", "candidate markets", "share_units@Beta",
                  "95% profile interval", "The calibrated scenario", "Provenance"):
        assert words in html, words


def test_diagnostic_and_windowed_targets_from_the_scenario_section(tmp_path):
    scenario = tmp_path / "small.yaml"
    data = yaml.safe_load(Path(DEFAULT).read_text())
    data["calibration"] = {
        "targets": [{"metric": "price_elasticity@Alpha", "value": -2.4, "tolerance": 0.8},
                    {"metric": "purchases_per_buyer", "value": 2.5, "tolerance": 0.5},
                    {"metric": "share_units@Beta", "value": 0.3, "tolerance": 0.05,
                     "window": [7, 12]}],
        "parameters": {"market.behaviour.choice_scale": {"low": 5.0, "high": 25.0}},
        "budget": 24, "replications": 2, "batch": 4}
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    assert invoke("validate", scenario).exit_code == 0
    out = tmp_path / "cal"
    result = invoke("calibrate", scenario, "--customers", "300", "--periods", "12",
                    "--jobs", "2", "--out", out, "-q")
    assert result.exit_code == 0 and result.output == ""
    fit = pd.read_csv(out / "fit.csv").set_index("target")
    assert list(fit.index) == ["price_elasticity@Alpha", "purchases_per_buyer",
                               "share_units@Beta[7-12]"]
    assert fit.loc["price_elasticity@Alpha", "achieved"] < 0
    runs = pd.read_parquet(out / "runs" / "c0001-r000.parquet")
    assert {"elasticity_price@Alpha", "frequency@", "churn_rate@Alpha"} <= set(runs.columns)
    assert "elasticity_price@Beta" not in runs.columns  # only the targeted lever is moved


@pytest.mark.parametrize(("args", "message"), [
    (["--target", "churn_rate@Alpha"], "--target 1: a target looks like"),
    (["--target", "churn_rate@Alpa=0.1"], "--target 1: churn_rate@Alpa: unknown firm 'Alpa';"
                                          " did you mean 'Alpha'?"),
    (["--target", "churn_rat@Alpha=0.1"], "unknown metric 'churn_rat'"),
    (["--target", "churn_rate@Alpha=0.1", "--target", "churn_rate@Alpha=0.2"],
     "--target 2: churn_rate@Alpha: conflicts with the same target at --target 1"),
    (["--param", "market.behaviour.choice_scale"], "--param 1: a parameter looks like"
                                                   " PATH=V1,V2 or PATH=LOW:HIGH"),
    (["--param", "market.behaviour.choice_scale=20:5"], "a range goes from low to high"),
    (["--param", "market.behaviour.choice_scale=a:b"], "--param 1: market.behaviour.choice_scale:"
                                                       " a range looks like LOW:HIGH with"
                                                       " numbers"),
    (["--param", "market.behaviour.choice_scale=1:.inf"], "a range looks like LOW:HIGH with"
                                                          " numbers"),
    (["--param", "market.behaviour.choice_scale=-5:5"],
     "the range's low end is outside what the field allows: must be >= 0"),
    (["--param", "firms.Alpha.quality=0.5:2"], "must be <= 1"),
    (["--param", "firms.Alpha.qualty=0.5:0.9"], "unknown key 'qualty'; did you mean"),
    (["--budget", "1"], "--budget: a budget of 1 runs pays for no candidate"),
    (["--budget", "0"], "--budget"),
    (["--calibration", "missing.yaml"], "missing.yaml"),
    (["--set", "firms.Alhpa.price=70"], "did you mean 'Alpha'"),
])
def test_bad_input_is_one_line_exit_2_and_no_traceback(tmp_path, args, message):
    base = ["--customers", "300", "--periods", "12", "--out", tmp_path / "c"]
    defaults = ([] if any(a == "--target" for a in args) else ["--target",
                                                                "churn_rate@Alpha=0.1"])
    defaults += ([] if any(a == "--param" for a in args) else
                 ["--param", "market.behaviour.choice_scale=5.0:25.0"])
    result = invoke("calibrate", DEFAULT, *base, *defaults, *args)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "c").exists()  # nothing was started


def test_calibrate_has_help():
    result = invoke("calibrate", "--help")
    assert result.exit_code == 0
    for option in ("--target", "--param", "--calibration", "--budget", "--replications",
                   "--customers", "--periods", "--seed", "--jobs", "--scheduler", "--out"):
        assert option in result.output
