"""Tests for sim/report/run_folder.py: a run's output folder, its figures in PNG or SVG."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.report.run_folder import write_outputs
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"loyalty", "profit", "share", "satisfaction", "classes"}


@pytest.fixture(scope="module")
def entrant_run() -> tuple[sim.MarketModel, pd.DataFrame]:
    spec = load_scenario(ROOT / "scenarios" / "entrant.yaml",
                         ["market.customers=200"])
    model = sim.MarketModel(spec, seed=2)
    model.run()
    return model, model.timeseries()


def test_figures_are_written_as_svg_on_request(
        tmp_path: Path, entrant_run: tuple[sim.MarketModel, pd.DataFrame]) -> None:
    model, table = entrant_run
    files = write_outputs(table, model.spec, model.seed, model.period, tmp_path, "test",
                          fmt="svg")
    assert {f"figure_{name}" for name in FIGURES} <= set(files)
    for name in FIGURES:
        path = files[f"figure_{name}"]
        assert path == tmp_path / "figures" / f"{name}.svg"
        assert ET.parse(path).getroot().tag.endswith("svg")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["files"]["figure_classes"] == "figures/classes.svg"


def test_png_is_the_default_and_an_unknown_format_writes_nothing(
        tmp_path: Path, entrant_run: tuple[sim.MarketModel, pd.DataFrame]) -> None:
    model, table = entrant_run
    files = write_outputs(table, model.spec, model.seed, model.period, tmp_path / "png", "test")
    assert files["figure_loyalty"].name == "loyalty.png"
    with pytest.raises(ValueError, match="figure format"):
        write_outputs(table, model.spec, model.seed, model.period, tmp_path / "bad", "test",
                      fmt="jpeg")
    assert not (tmp_path / "bad").exists()
