"""One test for each finding of the hardening issue: every bad input a one-line message, every
output folder whole and safe to open (signals: tests/test_signals.py; the fuzzers:
tests/test_fuzz_files.py and tests/test_fuzz_options.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = str(ROOT / "scenarios" / "default.yaml")
SMALL = ["--customers", "200", "--periods", "3"]
RUN = [*SMALL, "--no-figures"]
runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(result, *expected: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for part in expected:
        assert part in lines[0], lines[0]
    return lines[0]


# 1 ------------------------------------------------------------------- names of arms and factors
def test_arms_that_make_the_same_run_id_are_refused_before_any_folder(tmp_path):
    out = tmp_path / "cmp"
    result = invoke("compare", DEFAULT, "--firm", "Gamma", "--arm", "a b:firms.Gamma.price=80",
                    "--arm", "a_b:firms.Gamma.price=90", *SMALL, "--out", out)
    one_line_error(result, "arms 'a b' and 'a_b' make the same run id 'a_b'")
    assert not out.exists()


def test_odd_arm_and_factor_names(tmp_path):
    result = invoke("compare", DEFAULT, "--firm", "Gamma", "--arm", "-x:firms.Gamma.price=80",
                    "--arm", ".y:firms.Gamma.price=90", *SMALL, "--replications", "1",
                    "--jobs", "1", "--out", tmp_path / "ok", "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(pd.read_parquet(tmp_path / "ok" / "runs")["run_id"]) == ["x-r000", "y-r000"]
    one_line_error(invoke("compare", DEFAULT, "--firm", "Gamma", "--arm",
                          f"{'n' * 200}:firms.Gamma.price=80", "--arm", "b:firms.Gamma.price=9",
                          *SMALL), "is not usable: 1 to 60 characters")
    spec = tmp_path / "e.yaml"
    spec.write_text(f"name: e\nscenario: {DEFAULT}\ndesign:\n  kind: grid\n  parameters:\n"
                    "    x@y: {a: {periods: 2}}\n")
    one_line_error(invoke("experiment", spec), "factor names ['x@y'] are not usable")


# 2 ------------------------------------------------------------------------- unhashable values
@pytest.mark.parametrize(("args", "expected"), [
    (["experiment", ROOT / "experiments" / "price_war.yaml", "--set", "periods=[]"],
     "--set 1: periods: expected an integer (got [])"),
    (["experiment", ROOT / "experiments" / "price_war.yaml", "--set", "expectations.0=-1"],
     "--set 1: expectations: expected a list"),
])
def test_lists_and_mappings_where_a_value_belongs_are_messages(args, expected):
    one_line_error(invoke(*args), expected)


def test_a_grid_of_odd_values_is_a_message_per_point(tmp_path):
    result = invoke("sweep", DEFAULT, "--param", "firms.Alpha.service=[1,2],{a: 1}", *SMALL)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "--param: p000: firms.Alpha.service: expected a number (got [1, 2])",
        "--param: p001: firms.Alpha.service: expected a number (got {a: 1})"]


# 3 -------------------------------------------------------------------------- $ in names
def test_dollar_signs_in_names_are_drawn_as_text(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text('name: "$x^$ market"\nperiod_unit: "$mo$"\nperiods: 3\n'
                        'market: {customers: 200}\nfirms:\n  "$x^$": {}\n  B: {}\n')
    out = tmp_path / "run"
    result = invoke("run", scenario, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "summary.json").read_text())["complete"] is True
    assert len(list((out / "figures").glob("*.png"))) == 5
    cmp = tmp_path / "cmp"
    result = invoke("compare", scenario, "--firm", "B", "--arm", "$a$:firms.B.price=80",
                    "--arm", "b:firms.B.price=90", "--replications", "1", "--jobs", "1",
                    "--out", cmp, "--quiet")
    assert result.exit_code == 0, result.output
    assert invoke("report", cmp).exit_code == 0
    assert (cmp / "report.html").stat().st_size > 10_000


# 4 ------------------------------------------------------------------------ lone surrogates
def test_lone_surrogates_are_refused_where_they_are_written(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text('firms:\n  A: {strategy: "\\ud800"}\nperiod_unit: "m\\ud800"\n')
    result = invoke("validate", bad)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"{bad}:2:17: firms.A.strategy: text holds a lone surrogate (an escape such as \\ud800"
        " that is no character) (got '\\\\ud800')",
        f"{bad}:3:14: period_unit: text holds a lone surrogate (an escape such as \\ud800 that"
        " is no character) (got 'm\\\\ud800')"]


# 5 --------------------------------------------------------------------------- bounded work
def test_work_is_counted_before_anything_is_built(tmp_path):
    one_line_error(invoke("experiment", ROOT / "experiments" / "strategies.yaml",
                          "--replications", str(2**70)), "--replications: must be <= 100000")
    one_line_error(invoke("sweep", DEFAULT, "--design", "lhs", "--samples", "1000000",
                          "--param", "firms.Gamma.quality=0.5:0.9", "--quiet"),
                   "makes 10,000,000 runs (1,000,000 design points x 10 replications), more"
                   " than max_runs 20,000")


def test_new_refuses_what_it_cannot_write_and_quotes_every_name(tmp_path):
    one_line_error(invoke("new", "n" * 300, "--out", tmp_path), "NAME: a name is 1 to 60")
    (tmp_path / "afile").write_text("")
    one_line_error(invoke("new", "x", "--out", tmp_path / "afile"), "is a file, not a folder")
    for name in ("123", "yes", "null", "0x10"):
        assert invoke("new", name, "--out", tmp_path).exit_code == 0
        assert invoke("validate", tmp_path / f"{name}.yaml").exit_code == 0


# 7 ---------------------------------------------------------------------- whole output folders
def test_a_run_never_mixes_with_another_runs_folder(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", DEFAULT, *RUN, "--out", out, "--quiet").exit_code == 0
    before = (out / "timeseries.csv").read_bytes()
    assert invoke("run", DEFAULT, *RUN, "--out", out, "--quiet").exit_code == 0  # the same run
    one_line_error(invoke("run", DEFAULT, "--customers", "200", "--periods", "4", "--out", out,
                          "--no-figures"), "holds another run", "--force")
    assert (out / "timeseries.csv").read_bytes() == before
    assert invoke("run", DEFAULT, "--customers", "200", "--periods", "4", "--out", out,
                  "--force", "--quiet", "--no-figures").exit_code == 0
    assert (out / "timeseries.csv").read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporary folder left


def test_a_failing_user_strategy_keeps_its_partial_results_apart(tmp_path):
    (tmp_path / "boom.py").write_text(
        "from sim import Strategy\n\n\nclass Boom(Strategy):\n"
        '    """Fails at period 3 (a test strategy)."""\n\n    name = "boom"\n'
        '    decides = {"price": "none"}\n\n    def decide(self, view):\n'
        "        if view.period >= 3:\n            return {'price': 1 / 0}\n        return {}\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text("periods: 6\nmarket: {customers: 200}\nfirms:\n"
                        "  A: {strategy: 'boom:Boom'}\n  B: {}\n")
    out = tmp_path / "run"
    line = one_line_error(invoke("run", scenario, "--allow-code", "--out", out))
    assert line == ("period 3: firm A's strategy boom:Boom failed: ZeroDivisionError: division"
                    f" by zero; partial results kept in {out}.partial/")
    partial = tmp_path / "run.partial"
    assert json.loads((partial / "summary.json").read_text())["complete"] is False
    assert pd.read_csv(partial / "timeseries.partial.csv")["period"].max() == 2
    assert not out.exists()


def test_odd_output_folders_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    one_line_error(invoke("run", DEFAULT, *RUN, "--out", ""), "--out: give a folder")
    one_line_error(invoke("run", DEFAULT, *RUN, "--out", "."), "--out: give a folder")
    one_line_error(invoke("run", DEFAULT, *RUN, "--out", tmp_path),
                   "holds files that are not a stratsim run's")
    spec = tmp_path / "dots.yaml"
    spec.write_text("name: ..\nscenario: " + DEFAULT
                    + "\ndesign: {kind: arms, arms: {a: {}, b: {periods: 2}}}\n")
    result = invoke("experiment", spec)
    assert result.exit_code == 2 and "name: must match" in result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"


# 8 ---------------------------------------------------------------------------- CSV injection
def test_names_that_look_like_formulas_are_quoted_in_every_csv(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("periods: 2\nmarket: {customers: 200}\nfirms:\n"
                        "  \"=cmd|' /C calc'!A0\": {}\n  '@SUM(1)': {}\n  '-x': {}\n")
    out = tmp_path / "run"
    assert invoke("run", scenario, "--out", out, "--quiet", "--no-figures").exit_code == 0
    firms = pd.read_csv(out / "timeseries.csv")["firm"].unique().tolist()
    assert firms == ["'=cmd|' /C calc'!A0", "'@SUM(1)", "'-x"]
    cmp = tmp_path / "cmp"
    assert invoke("compare", scenario, "--firm", "-x", "--strategies", "4P,fixed",
                  "--replications", "1", "--jobs", "1", "--out", cmp, "--quiet").exit_code == 0
    assert invoke("export", cmp).exit_code == 0
    exported = pd.read_csv(cmp / "timeseries.csv")["firm"].unique().tolist()
    assert set(exported) == {"'=cmd|' /C calc'!A0", "'@SUM(1)", "'-x"}
    runs = pd.read_csv(cmp / "runs.csv", dtype=str, keep_default_na=False)
    assert "profit@-x" in runs.columns
    assert not any(str(v).startswith(("=", "+", "@")) for v in runs.to_numpy().ravel())


# 9 ------------------------------------------------------------------- export and report
def test_export_and_report_touch_only_results_folders(tmp_path):
    folder = tmp_path / "mine"
    (folder / "runs").mkdir(parents=True)
    (folder / ".draft.tmp").write_text("keep")
    (folder / "runs" / ".x.tmp").write_text("keep")
    for command in ("export", "report"):
        one_line_error(invoke(command, folder), "not an experiment's results folder")
    assert sorted(p.name for p in folder.rglob("*")) == [".draft.tmp", ".x.tmp", "runs"]


# 10 ------------------------------------------------------------------------ names with spaces
def test_names_with_spaces_work_on_every_command(tmp_path):
    scenario = tmp_path / "my scenario.yaml"
    scenario.write_text("periods: 2\nmarket: {customers: 200}\nfirms:\n"
                        "  Big Co: {strategy: 4P}\n  Small: {}\n")
    for args in (["compare", scenario, "--firm", "Big Co", "--strategies", "4P,4R"],
                 ["sweep", scenario, "--param", "firms.Big Co.quality=0.6,0.8"],
                 ["sensitivity", scenario, "--param", "firms.Big Co.quality=0.6:0.8",
                  "--outcome", "profit@Big Co", "--method", "morris", "--samples", "2"]):
        out = tmp_path / args[0]
        result = invoke(*args, "--replications", "1", "--jobs", "1", "--out", out, "--quiet")
        assert result.exit_code == 0, (args, result.output)


# 12 ----------------------------------------------------------------------------- huge seeds
def test_a_seed_that_the_resolved_file_could_not_hold_is_refused(tmp_path):
    one_line_error(invoke("run", DEFAULT, "--seed", str(2**63), *RUN),
                   "--seed: must be <= 9223372036854775807")
    out = tmp_path / "run"
    assert invoke("run", DEFAULT, "--seed", str(2**63 - 1), *RUN, "--out", out,
                  "--quiet").exit_code == 0
    again = tmp_path / "again"
    assert invoke("run", out / "scenario.resolved.yaml", "--out", again,
                  "--quiet").exit_code == 0
    assert (out / "timeseries.csv").read_bytes() == (again / "timeseries.csv").read_bytes()


# 13 ---------------------------------------------------------------------------- named pipes
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_waiting(tmp_path):
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    for command in ("validate", "run"):
        one_line_error(invoke(command, pipe), "not a regular file (a pipe, device or socket)")


def test_the_dashboards_download_quotes_formula_names_too():
    import sim
    from sim.dashboard.state import timeseries_csv

    scenario = sim.scenario_from_dict({"periods": 2, "market": {"customers": 150},
                                       "firms": {"=1+1": {}, "B": {}}})
    model = sim.MarketModel(scenario, seed=1).run()
    lines = timeseries_csv(model).decode().splitlines()
    assert lines[1].split(",")[1] == "'=1+1"


# 14 ------------------------------------------------------------------ the dashboard's doors
# (Host and Origin checks and the hidden debug page: tests/dashboard/test_guard.py)
