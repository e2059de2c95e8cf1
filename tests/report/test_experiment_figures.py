"""Tests for the experiment figures (sim/report/experiment_figures.py, heatmap.py, style.py),
from small synthetic tables."""

import base64
import os
import stat
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from sim.experiment.stats import arm_summary, timeseries_bands
from sim.report.experiment_figures import band_figure, response_figure, sensitivity_figure
from sim.report.heatmap import heatmap_figure
from sim.report.style import (
    FIGURE_DPI,
    FIGURE_SIZE_IN,
    FIRM_PALETTE,
    VARIANT_GREYS,
    firm_colours,
    group_styles,
    save,
    to_data_uri,
    variant_greys,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ARMS = ("4P", "4C", "4R")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def synthetic_timeseries(periods: int = 12, runs: int = 4, seed: int = 5) -> pd.DataFrame:
    """Three arms × runs × periods × two firms; loyal grows fastest under 4R."""
    rng = np.random.default_rng(seed)
    rows = []
    for arm_index, arm in enumerate(ARMS):
        for run in range(runs):
            for period in range(1, periods + 1):
                for firm in ("Alpha", "Beta"):
                    loyal = (20 + 15 * arm_index) * period + rng.normal(0, 10)
                    rows.append({"run_id": f"{arm}-r{run}", "arm": arm, "replication": run,
                                 "period": period, "firm": firm, "loyal": max(loyal, 0.0),
                                 "cumulative_profit": 1000.0 * period * (arm_index - 1)
                                 + rng.normal(0, 500)})
    return pd.DataFrame(rows)


def synthetic_grid(seed: int = 2) -> pd.DataFrame:
    """Runs over relationship level × customers × strategy with two replications."""
    rng = np.random.default_rng(seed)
    rows = []
    for level in (0.2, 0.4, 0.6, 0.8):
        for customers in (1000, 2000, 5000):
            for strategy_index, strategy in enumerate(ARMS):
                for replication in range(2):
                    profit = (level - 0.5) * customers * (strategy_index - 1) + rng.normal(0, 50)
                    rows.append({"status": "ok", "firms.Alpha.relationship_level": level,
                                 "market.customers": customers, "strategy": strategy,
                                 "replication": replication, "cumulative_profit@Alpha": profit})
    return pd.DataFrame(rows)


def assert_png_figure(figure: Figure) -> bytes:
    assert isinstance(figure, Figure)
    uri = to_data_uri(figure)
    assert uri.startswith("data:image/png;base64,")
    data = base64.b64decode(uri.removeprefix("data:image/png;base64,"))
    width, height = png_size(data)
    assert width == round(figure.get_figwidth() * FIGURE_DPI)
    assert height == round(figure.get_figheight() * FIGURE_DPI)
    return data


# --- bands over time ------------------------------------------------------------------------


def test_band_figure_draws_a_line_and_a_band_per_arm() -> None:
    table = synthetic_timeseries()
    bands = timeseries_bands(table[table["firm"] == "Alpha"], ["arm", "firm"], "loyal_share",
                             customers=1000)
    alpha = firm_colours(["Alpha", "Beta"])["Alpha"]
    styles = group_styles(ARMS, dict(zip(ARMS, ARMS, strict=True)), alpha, "Alpha")
    figure = band_figure(bands, "arm", "Loyal customers", "loyal share", percent=True,
                         styles=styles)
    assert_png_figure(figure)
    (axes,) = figure.axes
    lines = axes.get_lines()
    assert {to_hex(line.get_color()) for line in lines} == {alpha}  # the focus firm's colour
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-."]  # 4P, 4C, 4R
    assert [line.get_marker() for line in lines] == ["o", "s", "^"]
    assert len(axes.collections) == len(ARMS)  # one shaded band per arm
    (legend,) = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == list(ARMS)
    assert "95% CI" in legend.get_title().get_text()
    assert "Alpha's colour" in legend.get_title().get_text()
    assert tuple(figure.get_size_inches()) == pytest.approx(FIGURE_SIZE_IN)


def test_band_figure_without_styles_draws_arms_as_grey_variants_in_given_order() -> None:
    table = synthetic_timeseries()
    bands = timeseries_bands(table[table["firm"] == "Alpha"], "arm", "loyal").iloc[::-1]
    figure = band_figure(bands, "arm", "Loyal", "loyal customers")
    lines = figure.axes[0].get_lines()
    colours = [to_hex(line.get_color()) for line in lines]
    assert colours == list(VARIANT_GREYS)
    assert not set(colours) & set(FIRM_PALETTE)
    assert len({line.get_marker() for line in lines}) == len(ARMS)
    (legend,) = figure.legends
    # Without styles the arms keep the table's order (here reversed) ...
    assert [t.get_text() for t in legend.get_texts()] == list(ARMS)[::-1]
    # ... and with styles the design order (4P, 4C, 4R).
    ordered = band_figure(bands, "arm", "Loyal", "loyal customers", styles=group_styles(ARMS))
    assert [t.get_text() for t in ordered.legends[0].get_texts()] == list(ARMS)


def test_band_figure_with_one_panel_per_firm() -> None:
    bands = timeseries_bands(synthetic_timeseries(), ["arm", "firm"], "cumulative_profit")
    figure = band_figure(bands, "arm", "Profit", "cumulative profit", panel_col="firm")
    assert_png_figure(figure)
    titles = [axes.get_title() for axes in figure.axes if axes.get_visible()]
    assert titles == ["firm = Alpha", "firm = Beta"]


def test_band_figure_refuses_a_table_mixing_firms_in_a_line() -> None:
    bands = timeseries_bands(synthetic_timeseries(), ["arm", "firm"], "loyal")
    with pytest.raises(ValueError, match="panel_col='firm'"):
        band_figure(bands, "arm", "Loyal", "loyal customers")


def test_band_figure_draws_a_missing_period_as_a_gap() -> None:
    table = synthetic_timeseries()
    table = table[(table["firm"] == "Alpha") & ~((table["arm"] == "4P") & (table["period"] == 5))]
    bands = timeseries_bands(table, "arm", "loyal")
    figure = band_figure(bands, "arm", "Loyal", "loyal customers")
    y = figure.axes[0].get_lines()[0].get_ydata()
    assert len(y) == 12 and np.isnan(y[4]) and not np.isnan(y[3])


# --- grids ----------------------------------------------------------------------------------


def test_numeric_heatmap_has_a_cell_per_grid_point_and_a_colour_bar() -> None:
    runs = synthetic_grid()
    cells = arm_summary(runs[runs["strategy"] == "4R"],
                        ["firms.Alpha.relationship_level", "market.customers"],
                        ["cumulative_profit@Alpha"])
    figure = heatmap_figure(cells, "firms.Alpha.relationship_level", "market.customers", "mean",
                            "Profit under 4R")
    assert_png_figure(figure)
    axes, colour_bar = figure.axes
    assert colour_bar.get_ylabel() == "mean"
    (image,) = axes.get_images()
    assert image.get_array().shape == (3, 4)  # customers up, relationship level across
    assert len(axes.texts) == 12
    assert [t.get_text() for t in axes.get_xticklabels()] == ["0.2", "0.4", "0.6", "0.8"]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["1,000", "2,000", "5,000"]
    # Profits of both signs: the colour scale is centred on zero.
    low, high = image.get_clim()
    assert low == pytest.approx(-high)


def test_categorical_heatmap_shows_the_winner_per_cell_with_a_legend() -> None:
    means = arm_summary(synthetic_grid(), ["firms.Alpha.relationship_level", "market.customers",
                                           "strategy"], ["cumulative_profit@Alpha"])
    winners = means.sort_values("mean").groupby(
        ["firms.Alpha.relationship_level", "market.customers"]).tail(1)
    figure = heatmap_figure(winners, "firms.Alpha.relationship_level", "market.customers",
                            "strategy", "Winning strategy", categorical_values=True,
                            categories=list(ARMS))
    assert_png_figure(figure)
    (legend,) = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == list(ARMS)
    assert legend.get_title().get_text() == "strategy"
    patches = [to_hex(patch.get_facecolor()) for patch in legend.get_patches()]
    assert patches == variant_greys(len(ARMS))  # greys: a category is not a firm
    assert not set(patches) & set(FIRM_PALETTE)
    axes = figure.axes[0]
    labels = {text.get_text() for text in axes.texts}
    assert labels == {"4P", "4R"}  # low levels: 4P wins; high levels: 4R wins
    assert len(axes.texts) == 12


def test_categorical_heatmap_refuses_an_unknown_category() -> None:
    table = pd.DataFrame({"x": [1, 2], "y": [1, 1], "winner": ["4P", "4Q"]})
    with pytest.raises(ValueError, match="4Q"):
        heatmap_figure(table, "x", "y", "winner", "t", categorical_values=True,
                       categories=list(ARMS))


def test_heatmap_refuses_a_repeated_cell() -> None:
    table = pd.DataFrame({"x": [1, 1], "y": [1, 1], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match="repeated"):
        heatmap_figure(table, "x", "y", "v", "t")


def test_a_large_grid_is_not_annotated_and_missing_cells_stay_empty() -> None:
    xs, ys = np.meshgrid(np.arange(20), np.arange(15))
    table = pd.DataFrame({"x": xs.ravel(), "y": ys.ravel(), "v": (xs * ys).ravel() + 1.0})
    table = table.drop(index=[0, 7])
    figure = heatmap_figure(table, "x", "y", "v", "Large")
    assert_png_figure(figure)
    axes = figure.axes[0]
    assert len(axes.texts) == 0
    assert np.ma.is_masked(axes.get_images()[0].get_array()[0, 0])


# --- response -------------------------------------------------------------------------------


def test_response_to_a_numeric_parameter_draws_lines_with_bands() -> None:
    summary = arm_summary(synthetic_grid(), ["market.customers", "strategy"],
                          ["cumulative_profit@Alpha"])
    figure = response_figure(summary, "market.customers", "cumulative_profit@Alpha",
                             "Profit and market size", group_col="strategy")
    assert_png_figure(figure)
    axes = figure.axes[0]
    assert len(axes.get_lines()) == 3 and len(axes.collections) == 3
    assert list(axes.get_lines()[0].get_xdata()) == [1000, 2000, 5000]
    assert "95% CI" in axes.get_title()


def test_response_to_a_categorical_parameter_draws_error_bars_in_design_order() -> None:
    runs = synthetic_grid()
    summary = arm_summary(runs, "strategy", ["cumulative_profit@Alpha"])
    figure = response_figure(summary, "strategy", "cumulative_profit@Alpha", "Profit by arm")
    assert_png_figure(figure)
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == list(ARMS)
    error_bars = [c for c in axes.containers if isinstance(c, ErrorbarContainer)]
    colours = [to_hex(c.lines[0].get_color()) for c in error_bars]
    assert colours == list(VARIANT_GREYS) and not set(colours) & set(FIRM_PALETTE)
    assert [t.get_text() for t in figure.legends[0].get_texts()] == list(ARMS)
    # Passed the arms' strategies of Alpha, the points take Alpha's colour and each
    # strategy's marker.
    alpha = firm_colours(["Alpha"])["Alpha"]
    styles = group_styles(ARMS, dict(zip(ARMS, ARMS, strict=True)), alpha, "Alpha")
    figure = response_figure(summary, "strategy", "cumulative_profit@Alpha", "Profit by arm",
                             styles=styles)
    error_bars = [c for c in figure.axes[0].containers if isinstance(c, ErrorbarContainer)]
    assert {to_hex(c.lines[0].get_color()) for c in error_bars} == {alpha}
    assert [c.lines[0].get_marker() for c in error_bars] == ["o", "s", "^"]
    with pytest.raises(ValueError, match="no rows"):
        response_figure(summary, "strategy", "loyal_share@Alpha", "Nothing")


# --- sensitivity ----------------------------------------------------------------------------


def test_sobol_indices_as_bars_with_error_bars_ranked_by_total_order() -> None:
    indices = pd.DataFrame(
        {"S1": [0.1, 0.5, 0.02], "S1_conf": [0.03, 0.05, np.nan],
         "ST": [0.2, 0.7, 0.05], "ST_conf": [0.04, 0.06, 0.02]},
        index=["market.customers", "firms.Alpha.price", "firms.Alpha.promotion"])
    figure = sensitivity_figure(indices, "Sobol", "Sobol indices")
    assert_png_figure(figure)
    axes = figure.axes[0]
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert labels == ["firms.Alpha.promotion", "market.customers", "firms.Alpha.price"]
    assert len(axes.patches) == 6
    error_bars = [c for c in axes.containers if isinstance(c, ErrorbarContainer)]
    assert len(error_bars) == 2  # S1 and ST


def test_morris_indices_as_bars() -> None:
    indices = pd.DataFrame({"parameter": ["a", "b"], "mu_star": [5.0, 20.0],
                            "mu_star_conf": [1.0, 3.0], "sigma": [2.0, 8.0]})
    figure = sensitivity_figure(indices, "morris", "Morris")
    assert_png_figure(figure)
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["a", "b"]


def test_sensitivity_refuses_an_unknown_method_or_missing_column() -> None:
    indices = pd.DataFrame({"parameter": ["a"], "S1": [0.1]})
    with pytest.raises(ValueError, match="method"):
        sensitivity_figure(indices, "fast", "t")
    with pytest.raises(ValueError, match="S1_conf"):
        sensitivity_figure(indices, "sobol", "t")


# --- output ---------------------------------------------------------------------------------


def test_save_writes_a_png_atomically_with_ordinary_permissions(tmp_path: Path) -> None:
    figure = response_figure(arm_summary(synthetic_grid(), "strategy",
                                         ["cumulative_profit@Alpha"]),
                             "strategy", "cumulative_profit@Alpha", "Profit")
    path = save(figure, tmp_path / "sub" / "response.png")
    assert path == tmp_path / "sub" / "response.png"
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not a temporary file's 0600
    assert sorted(p.name for p in path.parent.iterdir()) == ["response.png"]  # no temporary
    save(figure, path)  # replacing works, and the same figure gives the same bytes
    assert path.read_bytes() == base64.b64decode(to_data_uri(figure).split(",", 1)[1])


def test_no_pyplot_is_imported() -> None:
    code = ("import sys, sim.report.experiment_figures, sim.report.heatmap, sim.report.html; "
            "sys.exit('matplotlib.pyplot' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
