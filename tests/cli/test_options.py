"""Tests for sim.cli.options and sim.cli.designs: the same shortcuts on every command, and every
option problem named by its option and item on one line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = str(ROOT / "scenarios" / "default.yaml")
LESSON = str(ROOT / "scenarios" / "05_price_war.yaml")
runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


SHORT = ["--customers", "300", "--periods", "4", "--seed", "7"]


@pytest.mark.parametrize("command", [
    ["run", DEFAULT, "--no-figures"],
    ["compare", DEFAULT, "--firm", "Gamma", "--strategies", "4P,4R", "--replications", "1"],
    ["sweep", DEFAULT, "--param", "firms.Gamma.price=80,100", "--replications", "1"],
    ["sensitivity", DEFAULT, "--param", "firms.Gamma.price=80:100", "--outcome",
     "profit@Gamma", "--method", "morris", "--samples", "2"],
    ["experiment", str(ROOT / "experiments" / "strategies.yaml"), "--replications", "1"],
], ids=["run", "compare", "sweep", "sensitivity", "experiment"])
def test_customers_periods_and_seed_work_on_every_command(command, tmp_path):
    out = tmp_path / "out"
    result = invoke(*command, *SHORT, "--out", out, "--quiet", *(
        [] if command[0] == "run" else ["--jobs", "1"]))
    assert result.exit_code == 0, result.output
    if command[0] == "run":
        df = pd.read_csv(out / "timeseries.csv")
        summary = json.loads((out / "summary.json").read_text())
        assert summary["seed"] == 7 and summary["customers"] == 300
    else:
        df = pd.read_parquet(out / "timeseries")
        runs = pd.read_parquet(out / "runs")
        first = int(runs["seed"].iloc[0])
        assert first != 0
    assert df["period"].max() == 4
    assert df.groupby(["period"] + (["run_id"] if "run_id" in df else [])).size().max() <= 4


def test_check_takes_the_same_shortcuts(tmp_path):
    result = invoke("check", LESSON, "--customers", "300", "--periods", "40", "--seed", "3",
                    "--replications", "2", "--jobs", "1")
    assert result.exit_code in (0, 1), result.output
    assert "note: --periods 40: 4 expectation(s) after period 40 left out" in result.output
    assert " of 1 expectations held" in result.output


def test_a_shorter_horizon_runs_a_lesson_with_one_note(tmp_path):
    result = invoke("run", LESSON, "--periods", "12", "--customers", "300", "--no-figures",
                    "--out", tmp_path / "o")
    assert result.exit_code == 0, result.output
    notes = [ln for ln in result.output.splitlines() if ln.startswith("note:")]
    assert notes == ["note: --periods 12: 3 event(s) and 5 expectation(s) after period 12 left"
                     " out (stratsim validate checks the file as written)"]
    assert invoke("validate", LESSON).exit_code == 0


@pytest.mark.parametrize(("args", "line"), [
    (["run", DEFAULT, "--set", "periods=3", "--set", "firms.Alhpa.price=70"],
     "--set 2: firms.Alhpa: unknown firm 'Alhpa'; did you mean 'Alpha'? (a firm is added by a"
     " firm block in the file or an add_firm event)"),
    (["compare", DEFAULT, "--firm", "Gama", "--strategies", "4P,4R"],
     "--firm: unknown firm 'Gama'; did you mean 'Gamma'? (firms: Alpha, Beta, Gamma)"
     " (got 'Gama')"),
    (["compare", DEFAULT, "--firm", "Gamma", "--strategies", "4P,4R", "--outcome",
      "profit@Gamma", "--outcome", "profit@Gama"],
     "--outcome 2: unknown firm 'Gama'; did you mean 'Gamma'? (firms: Alpha, Beta, Gamma)"
     " (got 'Gama')"),
    (["compare", DEFAULT, "--firm", "Gamma", "--strategies", "4P,4R", "--outcome",
      "proft@Gamma"],
     "--outcome 1: unknown metric 'proft'; did you mean 'profit'? (metrics: cumulative_profit,"
     " discounted_profit, customer_equity, loyal_share, share_units, retention_rate,"
     " churn_rate, satisfaction, trust, active, profit) (got 'proft@Gamma')"),
    (["compare", DEFAULT, "--firm", "Gamma", "--strategies", "4P,4r"],
     "--strategies: unknown strategy '4r'; did you mean '4R'? (strategies: 4C, 4P, 4R, fixed)"
     " (got '4r')"),
    (["compare", DEFAULT, "--firm", "Gamma", "--arm", "a:firms.Gamma.price=70", "--arm",
      "b:firms.Gama.price=80"],
     "--arm: b: firms.Gama: unknown firm 'Gama'; did you mean 'Gamma'? (a firm is added by a"
     " firm block in the file or an add_firm event)"),
    (["sweep", DEFAULT, "--param", "firms.Gamma.price=80,90", "--param",
      "firms.Gama.price=1,2"],
     "--param 2: unknown firm 'Gama'; did you mean 'Gamma'? (firms: Alpha, Beta, Gamma)"
     " (got 'Gama')"),
    (["sensitivity", DEFAULT, "--param", "firms.Gamma.price=90:80", "--outcome",
      "profit@Gamma"],
     "--param 1: firms.Gamma.price: a range goes from low to high: write 80:90 (got '90:80')"),
])
def test_option_problems_name_the_option_and_item_on_one_line(args, line):
    result = invoke(*args, "--customers", "300", "--periods", "3")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [line]


def test_sobol_samples_must_be_a_power_of_two():
    result = invoke("sensitivity", DEFAULT, "--param", "firms.Gamma.quality=0.5:0.9",
                    "--outcome", "profit@Gamma", "--samples", "6", "--customers", "300")
    assert result.exit_code == 2
    assert result.output.strip() == ("--samples: sobol samples must be a power of two, such as"
                                     " 4 or 8 (got 6)")


def test_option_values_of_the_wrong_type_are_one_line():
    for args, line in [
        (["run", DEFAULT, "--periods", "abc"],
         "--periods: expected an integer (got 'abc') (see stratsim run --help)"),
        (["compare", DEFAULT, "--firm", "Gamma", "--jobs", "0"],
         "--jobs: must be >= 1 (got '0') (see stratsim compare --help)"),
        (["run", DEFAULT, "--seed", "-1"],
         "--seed: must be >= 0 (got '-1') (see stratsim run --help)"),
        (["run", DEFAULT, "--customer", "5"],
         "No such option: --customer (Possible options: --customers) (see stratsim run"
         " --help)"),
    ]:
        result = invoke(*args)
        assert result.exit_code == 2, args
        assert result.output.strip() == line
