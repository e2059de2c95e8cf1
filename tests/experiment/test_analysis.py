"""Tests for sim/experiment/analysis.py: small-sample warnings, sensitivity tables with their
intervals, the arms table by outcome, and no library warning reaching the user."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.experiment.analysis import Analysis, analyze, interval_text
from sim.experiment.design import build_plan
from sim.experiment.runner import run_plan
from sim.experiment.sensitivity import MORRIS_MIN_TRAJECTORIES, SOBOL_MIN_SAMPLES, sample_size_note
from sim.experiment.spec import ExperimentSpec

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["market.customers=300", "periods=6"]
QUALITY = {"firms.Alpha.quality": {"low": 0.3, "high": 0.9},
           "firms.Beta.quality": {"low": 0.3, "high": 0.9}}


def run_experiment(directory: Path, design: dict[str, Any], outcomes: list[dict[str, str]],
                   replications: int = 1) -> Analysis:
    """Run a small experiment on the default scenario in this process and analyse it."""
    spec = ExperimentSpec.model_validate({
        "name": directory.name, "scenario": str(ROOT / "scenarios" / "default.yaml"),
        "set": SMALL, "seed": 3, "replications": replications, "design": design,
        "outcomes": outcomes})
    plan = build_plan(spec, ROOT)
    store, _ = run_plan(plan, directory, jobs=1, quiet=True)
    return analyze(store)


@pytest.fixture(scope="module")
def tiny_sobol(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, list[Any]]:
    """Sobol' indices from N = 4 base samples, with every warning recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analysis = run_experiment(
            tmp_path_factory.mktemp("sobol"), {"kind": "sobol", "parameters": QUALITY,
                                               "samples": 4},
            [{"name": "cumulative_profit@Alpha"}, {"name": "loyal_share@Alpha"}])
    return analysis, list(caught)


def test_sobol_needs_512_base_samples_and_says_how_many_runs() -> None:
    note = sample_size_note("sobol", 4, parameters=2)
    assert SOBOL_MIN_SAMPLES == 512
    assert "N = 4" in note and "N >= 512" in note and "--samples 512" in note
    assert "2,048 runs" in note  # 512 x (2 + 2)
    assert "Saltelli" in note and "\n" not in note
    assert sample_size_note("sobol", 4, parameters=3, replications=2).endswith("5,120 runs)")
    assert sample_size_note("sobol", 512, parameters=2) == ""


def test_morris_needs_ten_trajectories() -> None:
    note = sample_size_note("morris", 4, parameters=2)
    assert MORRIS_MIN_TRAJECTORIES == 10
    assert "r = 4" in note and "r >= 10" in note and "30 runs" in note  # 10 x (2 + 1)
    assert "Campolongo" in note and "Sobol" not in note
    assert sample_size_note("morris", 10, parameters=2) == ""
    assert sample_size_note("lhs", 4, parameters=2) == ""


def test_a_tiny_sobol_sample_gives_exactly_one_warning_note(
        tiny_sobol: tuple[Analysis, list[Any]]) -> None:
    analysis, _ = tiny_sobol
    about_size = [n for n in analysis.notes if "512" in n]
    assert len(about_size) == 1
    assert about_size[0].startswith("too few samples for stable Sobol' indices: N = 4")
    assert not analysis.stable_indices


def test_no_library_warning_escapes_the_analysis(tiny_sobol: tuple[Analysis, list[Any]]) -> None:
    _, caught = tiny_sobol
    from_libraries = [f"{w.category.__name__}: {w.message} ({w.filename})" for w in caught
                      if "site-packages" in w.filename or issubclass(w.category, RuntimeWarning)]
    assert from_libraries == []


def test_an_outcome_that_does_not_vary_has_a_note_instead_of_indices(
        tiny_sobol: tuple[Analysis, list[Any]]) -> None:
    analysis, _ = tiny_sobol
    assert set(analysis.indices) == {"cumulative_profit@Alpha"}
    assert any(n.startswith("loyal_share@Alpha: it does not vary") for n in analysis.notes)


def test_sobol_tables_carry_the_confidence_half_widths(
        tiny_sobol: tuple[Analysis, list[Any]]) -> None:
    analysis, _ = tiny_sobol
    ((caption, table),) = analysis.tables
    assert list(table.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(table["parameter"]) == list(QUALITY)
    assert "S1_conf, ST_conf: half-width of the 95% bootstrap interval" in caption
    assert table[["S1_conf", "ST_conf"]].notna().all().all()
    assert (table[["S1_conf", "ST_conf"]] >= 0).all().all()


def test_morris_tables_carry_the_confidence_half_width_of_mu_star(tmp_path: Path) -> None:
    analysis = run_experiment(tmp_path / "morris", {"kind": "morris", "parameters": QUALITY,
                                                    "samples": 4},
                              [{"name": "cumulative_profit@Alpha"}])
    ((_, table),) = analysis.tables
    assert list(table.columns) == ["parameter", "mu_star", "mu_star_conf", "mu", "sigma"]
    assert [n for n in analysis.notes if "r >= 10" in n] != []


def test_the_arms_table_has_one_row_per_outcome_and_a_column_per_arm(tmp_path: Path) -> None:
    arms = {"A": {"firms.Gamma.quality": 0.5}, "B": {"firms.Gamma.quality": 0.9}}
    outcomes = [{"name": "cumulative_profit@Gamma"},
                {"name": "churn_rate@Gamma", "direction": "minimize"}]
    analysis = run_experiment(tmp_path / "arms", {"kind": "arms", "arms": arms}, outcomes,
                              replications=2)
    caption, table = analysis.tables[0]
    assert caption.startswith("Outcomes per arm")
    assert list(table.columns) == ["outcome", "better", "A", "B"]
    assert list(table["outcome"]) == ["cumulative_profit@Gamma", "churn_rate@Gamma"]
    assert list(table["better"]) == ["higher", "lower"]
    assert analysis.outcomes == [{"name": "cumulative_profit@Gamma", "direction": "maximize"},
                                 {"name": "churn_rate@Gamma", "direction": "minimize"}]
    assert isinstance(analysis.runs, pd.DataFrame) and len(analysis.runs) == 4


@pytest.mark.parametrize(("mean", "low", "high", "text"), [
    (0.924, 0.601, 1.0, "0.924 [0.601, 1.000]"),  # a share's bound keeps three decimals
    (0.5, float("nan"), float("nan"), "0.500"),
    (-91479.2, -91999.0, -90958.4, "-91,479 [-91,999, -90,958]"),
    (12.34, 10.0, 14.71, "12.3 [10.0, 14.7]"),
    (float("nan"), float("nan"), float("nan"), "–"),
])
def test_interval_text(mean: float, low: float, high: float, text: str) -> None:
    assert interval_text(mean, low, high) == text


def test_the_arms_figures_share_the_real_market_and_name_the_period(tmp_path: Path) -> None:
    """300 agents standing for the default market's 10,000 customers: the loyalty band is a
    share of the real market (the runs table's loyal_share), and the time axis names the
    scenario's period unit."""
    arms = {"A": {"firms.Gamma.quality": 0.5, "period_unit": "week", "periods": 24},
            "B": {"firms.Gamma.quality": 0.9, "period_unit": "week", "periods": 24}}
    analysis = run_experiment(tmp_path / "arms", {"kind": "arms", "arms": arms},
                              [{"name": "loyal_share@Gamma"}], replications=2)
    figures = {key: figure for key, _, figure in analysis.figures}
    axes = figures["loyalty"].axes[0]
    assert axes.get_xlabel() == "period (week)"
    last = {line.get_ydata()[-1] for line in axes.get_lines()}
    expected = set(analysis.runs.groupby("arm")["loyal_share@Gamma"].mean())
    assert len(last) == 2 and max(last) < 1.0
    assert sorted(last) == pytest.approx(sorted(expected))
