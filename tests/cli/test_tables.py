"""Tests for sim/cli/tables.py: an experiment's analysis on an 80-column console, every firm
name and column header whole; and the commands' notes, with no library warning."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from sim.cli import app
from sim.cli.tables import fit_table, print_analysis
from sim.experiment.analysis import analyze
from sim.experiment.store import ResultStore

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = str(ROOT / "scenarios" / "default.yaml")
SMALL = ["--set", "market.customers=300", "--set", "periods=6"]
FIRMS = ("Alpha", "Beta", "Gamma")
runner = CliRunner()


def render(renderable: object, width: int = 80) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def assert_fits(text: str, width: int = 80) -> None:
    assert max(len(line) for line in text.splitlines()) <= width


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare")
    result = runner.invoke(app, ["compare", DEFAULT, "--firm", "Gamma", "--strategies",
                                 "4P,4C,4R", "--replications", "2", *SMALL, "--out", str(out),
                                 "--jobs", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def test_a_compare_at_80_columns_shows_every_firm_and_header_whole(compare_dir: Path) -> None:
    analysis = analyze(ResultStore(compare_dir, create=False))
    console = Console(width=80, record=True, color_system=None)
    print_analysis(console, analysis)
    text = console.export_text()
    assert_fits(text)
    for _, table in analysis.tables:
        for header in table.columns:
            assert str(header) in text, header
        for value in table.iloc[:, 0]:
            assert str(value) in text, value
    for firm in ("Gamma", "4P", "4C", "4R"):
        assert firm in text
    for outcome in ("cumulative_profit@Gamma", "loyal_share@Gamma", "customer_equity@Gamma"):
        assert outcome in text
    assert "…" not in text  # rich cut nothing short
    assert "mean [interval]" in text  # not eaten as console markup
    assert re.search(r"^finding: On cumulative_profit@Gamma \(higher is better\), 4[PCR] has",
                     text, flags=re.MULTILINE)


def test_a_table_that_fits_is_printed_as_it_is() -> None:
    frame = pd.DataFrame({"arm": ["4P", "4R"], "mean": [1.5, 2.25], "n": [3, 3]})
    text = render(fit_table(frame, "caption", 80))
    assert re.search(r"┃ arm ┃ +mean ┃ +n ┃", text)
    assert re.search(r"│ 4R +│ +2\.25 │ +3 │", text)


def test_a_wide_table_of_few_rows_is_transposed() -> None:
    names = [f"cumulative_profit@{firm}_Holdings" for firm in FIRMS]
    frame = pd.DataFrame({"arm": ["4P", "4R"], **{n: ["-91,479 [-91,999, -90,958]"] * 2
                                                   for n in names}})
    text = render(fit_table(frame, "Outcomes", 80))
    assert_fits(text)
    assert re.search(r"┃ arm +┃ 4P +┃ 4R +┃", text)  # the arms became the columns
    for name in names:
        assert name in text


def test_a_wide_table_with_repeated_keys_is_one_table_per_key() -> None:
    frame = pd.DataFrame({
        "outcome": ["customer_equity@Northwind_Traders"] * 2 + ["loyal_share@Gamma"] * 2,
        "difference": ["4R - 4P", "4C - 4P"] * 2,
        "mean [interval]": ["-1,393 [-11,321, 8,535]"] * 4, "pairs": [30] * 4,
        "excludes zero": ["no", "yes *"] * 2})
    text = render(fit_table(frame, "Paired differences", 80))
    assert_fits(text)
    assert "outcome: customer_equity@Northwind_Traders" in text
    assert "outcome: loyal_share@Gamma" in text
    assert text.count("mean [interval]") == 2 and text.count("excludes zero") == 2


def _grid_rows(margins: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"accounts": ["many", "many"], "margin": margins,
                         "firms.Alpha.relationship_level": ["basic", "partnership"],
                         "cumulative_profit@Alpha": ["377,992 [346,617, 409,367]"] * 2,
                         "retention_rate@Alpha": ["0.944 [0.940, 0.948]"] * 2,
                         "loyal_share@Alpha": ["0.005 [0.000, 0.069]"] * 2})


def test_a_table_too_wide_for_anything_else_is_a_block_per_row() -> None:
    frame = _grid_rows(["high", "high"])
    text = render(fit_table(frame, "Outcomes per design point", 80))
    assert_fits(text)
    assert text.count("accounts: many") == 1  # the key the rows share heads their blocks
    for header in frame.columns[1:]:
        assert text.count(header) == 2  # once per row's block
    assert re.search(r"│ firms\.Alpha\.relationship_level +│ partnership +│", text)


def test_a_group_whose_rows_have_names_is_transposed() -> None:
    frame = _grid_rows(["high", "low"])
    text = render(fit_table(frame, "Outcomes per design point", 80))
    assert_fits(text)
    assert re.search(r"┃ margin +┃ high +┃ low +┃", text)
    for header in frame.columns[2:]:
        assert text.count(header) == 1


def test_markup_in_names_is_shown_as_written() -> None:
    frame = pd.DataFrame({"[bold]firm[/bold]": ["[red]x"], "v": [1]})
    text = render(fit_table(frame, "[b]caption", 80))
    assert "[bold]firm[/bold]" in text and "[red]x" in text and "[b]caption" in text


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_a_tiny_sensitivity_sample_gives_one_plain_note_and_no_warning(
        tmp_path: Path, method: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = runner.invoke(app, [
            "sensitivity", DEFAULT, "--method", method, "--samples", "4",
            "--param", "firms.Alpha.quality=0.3:0.9", "--param", "firms.Beta.quality=0.3:0.9",
            "--outcome", "cumulative_profit@Alpha", "--outcome", "loyal_share@Alpha", *SMALL,
            "--out", str(tmp_path), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    needed = "512" if method == "sobol" else "10"
    notes = [line for line in result.output.splitlines() if line.startswith("note: too few")]
    assert len(notes) == 1
    assert f"--samples {needed}" in result.output.replace("\n", " ")
    assert "Warning" not in result.output and "site-packages" not in result.output
    assert [str(w.message) for w in caught] == []
    conf = "ST_conf" if method == "sobol" else "mu_star_conf"
    assert conf in result.output
