"""The experiment commands end to end: compare, sweep, sensitivity, experiment, export, report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = str(ROOT / "scenarios" / "default.yaml")
SMALL = ["--set", "market.customers=300", "--set", "periods=6"]
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_compare_strategies(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    result = invoke("compare", DEFAULT, "--firm", "Gamma", "--strategies", "4P,4R",
                    "--arm", "cheap:firms.Gamma.price=70", "--replications", "3", *SMALL,
                    "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(out / "runs")
    assert sorted(runs.arm.unique()) == ["4P", "4R", "cheap"] and len(runs) == 9
    # common random numbers: replication r has the same seed in every arm
    seeds = runs.pivot(index="replication", columns="arm", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()
    assert "Paired differences" in result.output and "4R - 4P" in result.output
    assert (out / "figures" / "loyalty.png").exists() and (out / "figures" / "profit.png").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["counts"]["ok"] == 9
    assert set(manifest["scenarios"]) == {"4P", "4R", "cheap"}
    # re-running into the same folder skips every finished run
    again = invoke("compare", DEFAULT, "--firm", "Gamma", "--strategies", "4P,4R",
                   "--arm", "cheap:firms.Gamma.price=70", "--replications", "3", *SMALL,
                   "--out", out, "--jobs", "1", "--quiet")
    assert again.exit_code == 0, again.output
    assert json.loads((out / "manifest.json").read_text())["sessions"][-1]["skipped"] == 9


def test_compare_needs_two_arms(tmp_path: Path) -> None:
    result = invoke("compare", DEFAULT, "--firm", "Gamma", "--strategies", "4P", "--out",
                    tmp_path)
    assert result.exit_code == 2 and "two or more arms" in result.output


def test_compare_into_a_folder_of_another_experiment_is_refused(tmp_path: Path) -> None:
    args = ["compare", DEFAULT, "--firm", "Gamma", "--replications", "1", *SMALL, "--out",
            tmp_path, "--jobs", "1", "--quiet"]
    assert invoke(*args, "--strategies", "4P,4R").exit_code == 0
    result = invoke(*args, "--strategies", "4P,4C")
    assert result.exit_code == 2 and "error:" in result.output


def test_resume_needs_an_experiment(tmp_path: Path) -> None:
    result = invoke("compare", DEFAULT, "--firm", "Gamma", "--strategies", "4P,4R",
                    "--out", tmp_path / "none", "--resume", *SMALL)
    assert result.exit_code == 2 and "nothing to resume" in result.output


def test_sweep_grid_two_parameters_heatmap(tmp_path: Path) -> None:
    result = invoke("sweep", DEFAULT, "--param", "firms.Alpha.price=70,90",
                    "--param", "firms.Alpha.relationship_level=basic,partnership",
                    "--set", "firms.Alpha.strategy=fixed", "--set", "firms.Alpha.params={}",
                    "--outcome", "cumulative_profit@Alpha", "--replications", "2", *SMALL,
                    "--out", tmp_path, "--jobs", "1", "--quiet")
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(tmp_path / "runs")
    assert len(runs) == 8
    assert set(runs["firms.Alpha.relationship_level"]) == {"basic", "partnership"}
    assert (tmp_path / "figures" / "heatmap.png").exists()


def test_sweep_lhs_one_parameter(tmp_path: Path) -> None:
    result = invoke("sweep", DEFAULT, "--design", "lhs", "--samples", "4",
                    "--param", "market.customers=200:400", "--replications", "1",
                    "--set", "periods=4", "--out", tmp_path, "--jobs", "1", "--quiet")
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(tmp_path / "runs")
    assert runs["market.customers"].between(200, 400).all()
    assert runs["market.customers"].dtype.kind == "i"


def test_bad_parameter_option(tmp_path: Path) -> None:
    result = invoke("sweep", DEFAULT, "--param", "firms.Alpha.price", "--out", tmp_path)
    assert result.exit_code == 2 and "--param 1:" in result.output
    bad_value = invoke("sweep", DEFAULT, "--param", "firms.Alpha.quality=0.5,3", *SMALL,
                       "--out", tmp_path)
    assert bad_value.exit_code == 2
    assert "firms.Alpha.quality: must be <= 1 (got 3)" in bad_value.output


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity(tmp_path: Path, method: str) -> None:
    result = invoke("sensitivity", DEFAULT, "--method", method, "--samples", "4",
                    "--param", "firms.Alpha.price=60:110", "--param",
                    "firms.Alpha.quality=0.3:0.9", "--outcome", "cumulative_profit@Alpha",
                    *SMALL, "--out", tmp_path, "--jobs", "1")
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(tmp_path / "runs")
    assert len(runs) == 4 * (2 + (2 if method == "sobol" else 1))
    assert ("ST" if method == "sobol" else "mu_star") in result.output
    assert (tmp_path / "figures" / "sensitivity-cumulative_profit_Alpha.png").exists()


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml")))
def test_shipped_experiment_small_version(tmp_path: Path, name: str) -> None:
    """CI runs a small version of every shipped experiment, then reports and exports it."""
    periods = {"price_war": 21}.get(name, 5)  # the price war starts at period 18
    result = invoke("experiment", ROOT / "experiments" / f"{name}.yaml", "--replications", "2",
                    "--set", f"periods={periods}", "--set", "market.customers=150",
                    "--out", tmp_path, "--jobs", "1", "--quiet")
    assert result.exit_code == 0, result.output
    report = invoke("report", tmp_path)
    assert report.exit_code == 0, report.output
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html
    exported = invoke("export", tmp_path, "--csv")
    assert exported.exit_code == 0
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert (runs.status == "ok").all()


def test_bad_experiment_file(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\nscenario: nope.yaml\ndesign: {kind: arms}\n")
    result = invoke("experiment", f)
    assert result.exit_code == 2
    assert f"{f}:3:1: design: an arms design needs 'arms'" in result.output


def test_inconsistent_options_are_a_message(tmp_path: Path) -> None:
    result = invoke("sweep", DEFAULT, "--design", "lhs", "--param", "firms.Alpha.price=60:120",
                    "--out", tmp_path)
    assert result.exit_code == 2
    assert "--param: design: a lhs design needs 'samples'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_sweep_over_a_price_gives_different_rows(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    result = invoke("sweep", DEFAULT, "--param", "firms.Gamma.price=80,90,100",
                    "--replications", "1", "--customers", "400", "--periods", "6", "--out", out,
                    "--jobs", "1", "--quiet")
    assert result.exit_code == 0, result.output
    series = pd.read_parquet(out / "timeseries")
    runs = pd.read_parquet(out / "runs")
    gamma = series[series.firm == "Gamma"]
    by_point = gamma.groupby("run_id")["price"].unique()
    assert sorted(float(v[0]) for v in by_point) == [80.0, 90.0, 100.0]
    assert all(len(v) == 1 for v in by_point)  # the price is kept in every period
    assert runs["profit@Gamma"].nunique() == 3


def test_an_experiment_keeps_each_runs_transactions_and_exports_them(tmp_path: Path) -> None:
    from sim.experiment.store import ResultStore

    args = ["compare", DEFAULT, "--firm", "Gamma", "--strategies", "4P,4R", "--replications",
            "2", "--customers", "400", "--periods", "8", "-q", "--jobs", "1"]
    logged, plain = tmp_path / "logged", tmp_path / "plain"
    assert invoke(*args, "--transactions", "--out", str(logged)).exit_code == 0
    assert invoke(*args, "--out", str(plain)).exit_code == 0
    store = ResultStore(logged, create=False)
    paths = store.transaction_paths()
    assert sorted(paths) == ["4P-r000", "4P-r001", "4R-r000", "4R-r001"]
    assert not (plain / "transactions").exists()
    runs = store.runs().drop(columns="seconds")
    pd.testing.assert_frame_equal(runs, ResultStore(plain, create=False).runs().drop(
        columns="seconds"))  # keeping the logs changes no result
    log = pd.read_parquet(paths["4R-r001"])
    series = store.timeseries(["4R-r001"]).set_index(["period", "firm"])
    sums = (log.assign(r=log["revenue"].astype(float) * log["weight"])
            .groupby(["period", "firm"], observed=True)["r"].sum())
    joined = series.join(sums.rename("r")).fillna(0.0)
    assert ((joined["r"] - joined["revenue"]).abs() <= 1e-9 * joined["revenue"].abs().max()).all()
    assert "date" in log and log["date"].min() == pd.Timestamp("2026-01-01")
    # the folder of the same design without logs is another experiment: refused, not mixed
    again = invoke(*args, "--transactions", "--out", str(plain))
    assert again.exit_code == 2 and "different experiment" in again.output
    assert invoke("export", str(logged), "--format", "lifetimes").exit_code == 0
    assert (logged / "lifetimes" / "4P-r000" / "rfm-Alpha.csv").is_file()
    assert sorted(p.name for p in (logged / "lifetimes").iterdir()) == sorted(paths)
