"""Tests for sim/report/style.py: one colour rule and one style rule for every figure.

The rules: a firm's colour is its position among the scenario's firms (incumbents, then
entrants); a strategy has a line style and marker of its own; an experiment's arms that are a
firm's strategies are drawn in that firm's colour with each strategy's style, and any other
group is a grey variant, never a firm's colour. Figures are >= 150 dpi PNG, or SVG.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import sim
from sim.experiment.analysis import analyze
from sim.experiment.design import ExperimentSpec, build_plan
from sim.experiment.runner import run_plan, write_figures
from sim.experiment.store import ResultStore
from sim.report.figures import run_figures
from sim.report.style import (
    FIGURE_DPI,
    FIRM_PALETTE,
    OUTSIDE_OPTION_COLOUR,
    STRATEGY_LOOKS,
    arm_styles,
    figure_bytes,
    firm_colours,
    group_styles,
    new_figure,
    save,
    scenario_firms,
    strategy_look,
    variant_greys,
    variant_style,
)
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["market.customers=300", "periods=8"]


def png_dpi(data: bytes) -> float:
    """Dots per inch from a PNG's pHYs chunk (pixels per metre, unit 1)."""
    at = data.index(b"pHYs")
    per_metre_x, per_metre_y, unit = struct.unpack(">IIB", data[at + 4 : at + 13])
    assert unit == 1 and per_metre_x == per_metre_y
    return per_metre_x * 0.0254


def line_colours(figure: Figure) -> set[str]:
    return {to_hex(line.get_color()) for axes in figure.axes for line in axes.get_lines()}


@pytest.fixture(scope="module")
def default_run() -> tuple[sim.MarketModel, pd.DataFrame]:
    spec = load_scenario(ROOT / "scenarios" / "default.yaml", SMALL)
    model = sim.MarketModel(spec, seed=3)
    model.run()
    return model, model.timeseries()


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compare of Beta's strategies (as `stratsim compare --firm Beta --strategies 4P,4C,4R
    --arm cheap:firms.Beta.price=70` builds it): Beta is the second firm of the scenario, so
    its colour is not the colour of the first arm's position."""
    arms = {s: {"firms.Beta.strategy": s, "firms.Beta.params": {}} for s in ("4P", "4C", "4R")}
    arms["cheap"] = {"firms.Beta.price": 70}
    spec = ExperimentSpec.model_validate({
        "name": "compare-default-Beta", "scenario": str(ROOT / "scenarios" / "default.yaml"),
        "set": SMALL, "replications": 2, "design": {"kind": "arms", "arms": arms},
        "outcomes": [{"name": "loyal_share@Beta"}, {"name": "cumulative_profit@Beta"}]})
    out = tmp_path_factory.mktemp("compare")
    run_plan(build_plan(spec, ROOT), out, jobs=1, quiet=True)
    return out


# --- firm colours ---------------------------------------------------------------------------


def test_a_firm_is_coloured_by_its_position_among_the_scenarios_firms() -> None:
    spec = load_scenario(ROOT / "scenarios" / "entrant.yaml")
    names = spec.all_firm_names()
    assert scenario_firms(spec) == names
    assert scenario_firms(spec.model_dump(mode="json")) == names  # as a manifest stores it
    colours = firm_colours(names)
    assert list(colours.values()) == list(FIRM_PALETTE[: len(names)])
    assert OUTSIDE_OPTION_COLOUR not in colours.values()


def test_the_run_figures_colour_firms_by_the_scenario_not_by_the_tables_row_order(
        default_run: tuple[sim.MarketModel, pd.DataFrame]) -> None:
    model, table = default_run
    backwards = table.sort_values(["period", "firm"], ascending=[True, False])  # Gamma first
    figures = run_figures(backwards, customers=300, firms=model.spec.all_firm_names())
    loyalty = figures["loyalty"]
    legend = {t.get_text().split(" ")[0]: to_hex(h.get_color())
              for t, h in zip(loyalty.legends[0].get_texts(), loyalty.legends[0].legend_handles,
                              strict=True)}
    assert legend == firm_colours(["Alpha", "Beta", "Gamma"])
    assert [t.get_text().split(" ")[0] for t in loyalty.legends[0].get_texts()] == [
        "Alpha", "Beta", "Gamma"]


def legend_colours(figure: Figure) -> dict[str, str]:
    """Legend label -> the colour of its sample."""
    (legend,) = figure.legends
    return {text.get_text(): to_hex(handle.get_color()) for text, handle in
            zip(legend.get_texts(), legend.legend_handles, strict=True)
            if hasattr(handle, "get_color")}


def test_the_same_firm_has_the_same_colour_in_run_and_experiment_figures(
        default_run: tuple[sim.MarketModel, pd.DataFrame], compare_folder: Path) -> None:
    model, table = default_run
    run_loyalty = run_figures(table, customers=300, firms=model.spec.all_firm_names())["loyalty"]
    beta = legend_colours(run_loyalty)["Beta (4C)"]
    assert beta in {to_hex(line.get_color()) for line in run_loyalty.axes[0].get_lines()}
    figures = {stem: figure for stem, _, figure in analyze(ResultStore(compare_folder)).figures}
    assert set(figures) == {"loyalty", "profit"}
    for figure in figures.values():
        lines = figure.axes[0].get_lines()
        by_arm = dict(zip([t.get_text() for t in figure.legends[0].get_texts()], lines,
                          strict=True))
        # Beta's strategy arms, in design order, are in Beta's colour from the run figure (the
        # second firm's), not in the colour of an arm's position ("4P" first would be blue).
        assert list(by_arm) == ["4P", "4C", "4R", "cheap"]
        assert {to_hex(by_arm[a].get_color()) for a in ("4P", "4C", "4R")} == {beta}
        styles = [by_arm[a].get_linestyle() for a in ("4P", "4C", "4R")]
        assert styles == ["-", "--", "-."]
        # The variant arm (Beta's price, not its strategy) is grey, no firm's colour.
        assert to_hex(by_arm["cheap"].get_color()) not in FIRM_PALETTE
        assert "Beta's colour" in figure.legends[0].get_title().get_text()


def test_the_dashboard_takes_its_colours_from_the_same_rule(
        default_run: tuple[sim.MarketModel, pd.DataFrame]) -> None:
    pytest.importorskip("solara")
    from sim.dashboard.layout import _colours

    model, _ = default_run
    assert _colours(model) == firm_colours(model.spec.all_firm_names())  # type: ignore[arg-type]
    assert _colours(model) == {"Alpha": FIRM_PALETTE[0], "Beta": FIRM_PALETTE[1],
                               "Gamma": FIRM_PALETTE[2]}


# --- strategies and experiment groups -------------------------------------------------------


def test_every_strategy_has_a_look_of_its_own() -> None:
    looks = [strategy_look(s) for s in ("4P", "4C", "4R", "fixed", "my_module:MyStrategy")]
    assert len({repr(look[0]) for look in looks}) == 5  # line styles
    assert len({look[1] for look in looks}) == 5  # markers
    assert strategy_look("other:Class") == strategy_look("my_module:MyStrategy")  # custom
    assert set(STRATEGY_LOOKS) == {"4P", "4C", "4R", "fixed"}


def test_strategy_groups_take_the_firms_colour_and_variants_never_a_firm_colour() -> None:
    beta = FIRM_PALETTE[1]
    strategies = {"4P": "4P", "4C": "4C", "cheap": "4C", "dear": "4C", "custom": "4R"}
    styles = group_styles(strategies, strategies, beta, "Beta")
    # named after its strategy, or the only one with it: a strategy group in Beta's colour
    assert {g for g, s in styles.items() if s.strategy} == {"4P", "4C", "custom"}
    assert {styles[g].colour for g in ("4P", "4C", "custom")} == {beta}
    assert styles["custom"].strategy == "4R" and styles["custom"].linestyle == "-."
    # sharing 4C with the arm named "4C": variants, grey, with their own markers
    for group in ("cheap", "dear"):
        assert styles[group].colour not in FIRM_PALETTE and styles[group].strategy is None
    assert styles["cheap"].marker != styles["dear"].marker
    looks = {(s.colour, repr(s.linestyle), s.marker) for s in styles.values()}
    assert len(looks) == len(styles)  # no two groups look alike


def test_variants_are_greys_and_all_differ() -> None:
    styles = [variant_style(i) for i in range(21)]
    assert len({(s.colour, s.marker) for s in styles}) == 21
    assert not {s.colour for s in styles} & {*FIRM_PALETTE, OUTSIDE_OPTION_COLOUR}
    greys = variant_greys(5)
    assert len(set(greys)) == 5 and all(g[1:3] == g[3:5] == g[5:7] for g in greys)


def test_arm_styles_reads_the_runs_table_and_each_points_scenario() -> None:
    spec = load_scenario(ROOT / "scenarios" / "default.yaml")
    base = spec.model_dump(mode="json")

    def with_strategy(firm: str, strategy: str) -> dict:
        data = {**base, "firms": {**base["firms"]}}
        data["firms"][firm] = {**data["firms"][firm], "strategy": strategy}
        return data

    runs = pd.DataFrame({"arm": ["a", "a", "b", "b"], "point": ["a", "a", "b", "b"]})
    # The arms change Gamma's strategy: Gamma's colour (third), its strategies' styles.
    varied = {"a": with_strategy("Gamma", "4P"), "b": with_strategy("Gamma", "4C")}
    styles = arm_styles(runs, "arm", varied, firm="Alpha")
    assert [s.colour for s in styles.values()] == [FIRM_PALETTE[2]] * 2
    assert [s.strategy for s in styles.values()] == ["4P", "4C"]
    assert {s.firm for s in styles.values()} == {"Gamma"}
    # The arms change no strategy (hold / match): greys, never a firm's colour.
    same = arm_styles(runs, "arm", {"a": base, "b": base}, firm="Alpha")
    assert all(s.colour not in FIRM_PALETTE and s.strategy is None for s in same.values())
    assert arm_styles(runs, "arm", None) == same  # nothing known: variants too


# --- files ----------------------------------------------------------------------------------


def test_png_files_are_at_least_150_dpi(tmp_path: Path) -> None:
    figure = new_figure()
    figure.subplots().plot([1, 2, 3])
    path = save(figure, tmp_path / "figure.png")
    data = path.read_bytes()
    assert FIGURE_DPI >= 150
    assert png_dpi(data) == pytest.approx(FIGURE_DPI, abs=0.5)
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (round(8 * FIGURE_DPI), round(4.5 * FIGURE_DPI))


def test_svg_on_request_is_valid_xml(tmp_path: Path) -> None:
    figure = new_figure()
    figure.subplots().plot([1, 2, 3])
    path = save(figure, tmp_path / "figure.svg", "svg")
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith(("<?xml", "<svg"))
    assert ET.fromstring(text.encode()).tag.endswith("svg")
    assert figure_bytes(figure, "svg").lstrip().startswith(b"<?xml")


def test_unknown_formats_and_mismatched_names_are_refused(tmp_path: Path) -> None:
    figure = new_figure()
    with pytest.raises(ValueError, match="png, svg"):
        save(figure, tmp_path / "figure.jpg", "jpg")
    with pytest.raises(ValueError, match=r"ends in \.svg"):
        save(figure, tmp_path / "figure.png", "svg")
    assert not list(tmp_path.iterdir())


def test_experiment_figures_are_written_as_svg_on_request(compare_folder: Path) -> None:
    store = ResultStore(compare_folder)
    _, paths = write_figures(store, fmt="svg")
    assert sorted(p.name for p in paths) == ["loyalty.svg", "profit.svg"]
    for path in paths:
        assert ET.parse(path).getroot().tag.endswith("svg")
    with pytest.raises(ValueError, match="figure format"):
        write_figures(store, fmt="pdf")
