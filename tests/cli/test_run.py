"""The command line: run, validate, overrides, outputs, reproducibility, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.columns import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.yaml"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    result = invoke("run", DEFAULT, "--customers", "800", "--periods", "8", "--out", out,
                    "--seed", "3")
    assert result.exit_code == 0, result.output
    return out


def test_run_writes_every_output(small_run: Path) -> None:
    for name in ("timeseries.csv", "summary.json", "scenario.resolved.yaml",
                 "figures/loyalty.png", "figures/profit.png", "figures/share.png",
                 "figures/satisfaction.png"):
        assert (small_run / name).stat().st_size > 0, name
    df = pd.read_csv(small_run / "timeseries.csv")
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == 8 * 3  # periods x firms
    summary = json.loads((small_run / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["customers"] == 800 and summary["complete"]
    assert {f["firm"] for f in summary["firms"]} == {"Alpha", "Beta", "Gamma"}


def test_resolved_scenario_reproduces_the_run(small_run: Path, tmp_path: Path) -> None:
    result = invoke("run", small_run / "scenario.resolved.yaml", "--out", tmp_path,
                    "--no-figures", "--quiet")
    assert result.exit_code == 0, result.output
    first = (small_run / "timeseries.csv").read_bytes()
    assert (tmp_path / "timeseries.csv").read_bytes() == first


def test_summary_table_printed(tmp_path: Path) -> None:
    result = invoke("run", DEFAULT, "--customers", "500", "--periods", "3", "--out", tmp_path,
                    "--no-figures")
    assert result.exit_code == 0
    for word in ("Alpha", "Beta", "Gamma", "market share", "retention", "cumulative"):
        assert word in result.output


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    result = invoke("run", DEFAULT, "--customers", "300", "--periods", "2", "--out", tmp_path,
                    "--quiet", "--no-figures")
    assert result.exit_code == 0 and result.output == ""


def test_set_override_changes_the_run(tmp_path: Path) -> None:
    result = invoke("run", DEFAULT, "--customers", "500", "--periods", "2", "--out", tmp_path,
                    "--no-figures", "--quiet", "--set", "firms.Gamma.strategy=fixed",
                    "--set", "firms.Gamma.price=123.5")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(tmp_path / "timeseries.csv")
    gamma = df[df.firm == "Gamma"]
    assert (gamma.price == 123.5).all() and (gamma.strategy == "fixed").all()


def test_default_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", DEFAULT, "--customers", "300", "--periods", "1", "--quiet",
                    "--no-figures", "--seed", "9")
    assert result.exit_code == 0
    assert (tmp_path / "runs" / "default-seed9" / "timeseries.csv").exists()


def test_validate_accepts_shipped_scenarios() -> None:
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    result = invoke("validate", *files)
    assert result.exit_code == 0, result.output


BAD = """\
name: bad
periods: 0
market:
  segments:
    a: {share: 0.5}
    b: {share: 0.4}
firms:
  Alpha:
    strategy: 4Q
    pirce: 90
"""


def test_validate_reports_problems_with_positions(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert f"{bad}:2:1: periods: must be >= 1 (got 0)" in lines
    assert any(ln.startswith(f"{bad}:9:5: firms.Alpha.strategy: unknown strategy '4Q'")
               for ln in lines)
    assert any(ln.startswith(f"{bad}:10:5: firms.Alpha.pirce: unknown key 'pirce'; did you"
                             " mean 'price'?") for ln in lines)
    assert "Traceback" not in result.output


def test_segment_shares_must_sum_to_one(tmp_path: Path) -> None:
    bad = tmp_path / "shares.yaml"
    bad.write_text("firms: {A: {}}\nmarket:\n  segments:\n    a: {share: 0.5}\n"
                   "    b: {share: 0.4}\n")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "segment shares must sum to 1 (they sum to 0.9)" in result.output
    assert f"{bad}:3:3: market.segments" in result.output


def test_run_on_invalid_file_exits_2_with_the_same_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    validate = runner.invoke(app, ["validate", str(bad)])
    run = runner.invoke(app, ["run", str(bad), "--out", str(tmp_path / "o")])
    assert run.exit_code == 2 and run.output == validate.output


def test_bad_override_value_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(DEFAULT), "--set", "firms.Alpha.quality=2",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--set 1: firms.Alpha.quality: must be <= 1 (got 2)" in result.output


def test_user_strategy_needs_allow_code(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(DEFAULT), "--set",
                                 "firms.Alpha.strategy=os:system", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "needs --allow-code" in result.output


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "nope.yaml" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [[], ["run"], ["validate"]])
def test_help_explains_every_option(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    if command == ["run"]:
        for opt in ("--seed", "--periods", "--customers", "--out", "--set", "--quiet",
                    "--allow-code"):
            assert opt in result.output


def test_python_dash_m_sim_is_the_same_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "sim", "--version"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("stratsim ")


USER_STRATEGY = '''
from sim import Strategy, StrategyParams


class PriceLadder(Strategy):
    """Raise the price by a fixed step at every review (a test strategy)."""

    name = "price-ladder"
    review_every = 1
    observation_delay = 0
    decides = {"price": "step"}

    class Params(StrategyParams):
        step: float = 1.0

    def decide(self, view):
        return {"price": view.levers.price + self.params.step}
'''


def test_user_strategy_class_runs_with_allow_code(tmp_path: Path) -> None:
    (tmp_path / "ladder_strategy.py").write_text(USER_STRATEGY)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: ladder\nperiods: 4\nmarket: {customers: 300}\nfirms:\n"
                        "  A: {strategy: 'ladder_strategy:PriceLadder', params: {step: 2.5},"
                        " initial: {price: 100}}\n  B: {strategy: 4P}\n")
    refused = runner.invoke(app, ["validate", str(scenario)])
    assert refused.exit_code == 2 and "needs --allow-code" in refused.output
    result = runner.invoke(app, ["run", str(scenario), "--allow-code", "--out",
                                 str(tmp_path / "o"), "--quiet", "--no-figures"])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(tmp_path / "o" / "timeseries.csv")
    assert df[df.firm == "A"].price.tolist() == [102.5, 105.0, 107.5, 110.0]
    scenario.write_text(scenario.read_text().replace("step: 2.5", "stp: 2.5"))
    bad = runner.invoke(app, ["validate", str(scenario), "--allow-code"])
    assert bad.exit_code == 2 and "firms.A.params: strategy" in bad.output
    assert "stp: unknown parameter (parameters: step)" in bad.output


def test_user_strategy_with_invalid_levers_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "bad_strategy.py").write_text(USER_STRATEGY.replace("PriceLadder",
                                                                    "Broken"))
    scenario = tmp_path / "s.yaml"
    scenario.write_text("periods: 5\nmarket: {customers: 200}\nfirms:\n"
                        "  A: {strategy: 'bad_strategy:Broken', params: {step: -60},"
                        " initial: {price: 100}}\n")
    result = runner.invoke(app, ["run", str(scenario), "--allow-code", "--out",
                                 str(tmp_path / "o"), "--quiet"])
    assert result.exit_code == 2
    assert "firm A (bad_strategy:Broken) set invalid levers: price:" in result.output
    assert "Traceback" not in result.output
    partial = pd.read_csv(tmp_path / "o.partial" / "timeseries.partial.csv")
    assert partial.period.tolist() == [1]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_shipped_scenario_reproduces_from_its_resolved_file(path: Path,
                                                                  tmp_path: Path) -> None:
    """Events (lever changes, entrants, strategy switches, programs) survive the round trip."""
    first = tmp_path / "first"
    result = invoke("run", path, "--customers", "400", "--out", first, "--no-figures", "--quiet")
    assert result.exit_code == 0, result.output
    again = invoke("run", first / "scenario.resolved.yaml", "--out", tmp_path / "again",
                   "--no-figures", "--quiet")
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again" / "timeseries.csv").read_bytes() == (
        first / "timeseries.csv").read_bytes()


def test_promotion_set_for_a_strategy_firm_is_the_promotion_booked(tmp_path: Path) -> None:
    result = invoke("run", ROOT / "scenarios" / "default.yaml", "--set",
                    "firms.Alpha.promotion=30000", "--customers", "500", "--periods", "6",
                    "--out", tmp_path / "o", "--no-figures", "--quiet")
    assert result.exit_code == 0, result.output
    alpha = pd.read_csv(tmp_path / "o" / "timeseries.csv").query("firm == 'Alpha'")
    assert (alpha.cost_promotion == 30000).all()
    assert alpha.goodwill.tolist() == pytest.approx([150_000.0] * 6)  # the steady state


def test_validate_explain_lists_each_firms_levers(tmp_path: Path) -> None:
    result = invoke("validate", "--explain", ROOT / "scenarios" / "default.yaml")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Alpha: 4P, reviews every 3 periods, sees results 1 period late" in text
    assert ("decided by 4P: price (markup, floor, cost_floor, match_cuts, payback_window;"
            " starts at 89.0)") in text
    assert "as written (4R does not change them): quality 0.7, position [0.6, 0.62]" in text


def test_figures_can_be_svg(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    result = invoke("run", ROOT / "scenarios" / "default.yaml", "--customers", "300",
                    "--periods", "4", "--figure-format", "svg", "--out", tmp_path / "o",
                    "--quiet")
    assert result.exit_code == 0, result.output
    figures = sorted((tmp_path / "o" / "figures").iterdir())
    assert [f.name for f in figures] == ["classes.svg", "loyalty.svg", "profit.svg",
                                         "satisfaction.svg", "share.svg"]
    for f in figures:
        assert ET.parse(f).getroot().tag.endswith("svg")


def test_transactions_are_written_and_a_rerun_into_the_folder_works(tmp_path: Path) -> None:
    out = tmp_path / "tx"
    args = ["run", str(DEFAULT), "--customers", "300", "--periods", "6", "--transactions",
            "--no-figures", "-q", "--out", str(out)]
    assert invoke(*args).exit_code == 0
    log = pd.read_parquet(out / "transactions.parquet")
    assert len(log) > 0 and log["date"].min() == pd.Timestamp("2026-01-01")
    assert log["date"].max() == pd.Timestamp("2026-06-01")  # a month a period
    assert invoke("export", str(out), "--format", "lifetimes").exit_code == 0
    again = invoke(*args)  # the folder (with its lifetimes/ export) is this run's: no --force
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize(("args", "message"), [
    (["--start-date", "2026-01-02"], "--start-date and --period-length set the calendar of"
                                     " the transactions: add --transactions"),
    (["--transactions", "--start-date", "01/02/2026"], "--start-date: a date is YYYY-MM-DD"),
    (["--transactions", "--period-length", "month"], "--period-length: a length is a whole"
                                                      " number and D, W, M or Y"),
    (["--transactions", "--set", "period_unit=sprint"],
     "--period-length: the scenario's period unit 'sprint' is not a day, week, month"),
])
def test_bad_calendar_options_are_one_line(tmp_path: Path, args: list[str], message: str):
    result = invoke("run", str(DEFAULT), "--customers", "200", "--periods", "3", "-q",
                    "--out", str(tmp_path / "r"), *args)
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    assert not (tmp_path / "r").exists()


def test_export_lifetimes_needs_transactions(tmp_path: Path) -> None:
    out = tmp_path / "plain"
    assert invoke("run", str(DEFAULT), "--customers", "200", "--periods", "3", "-q",
                  "--no-figures", "--out", str(out)).exit_code == 0
    result = invoke("export", str(out), "--format", "lifetimes")
    assert result.exit_code == 2 and "no transactions.parquet here" in result.output
    assert "--transactions" in result.output
    bad = invoke("export", str(out), "--format", "xml")
    assert bad.exit_code == 2 and "--format: must be csv or lifetimes" in bad.output
