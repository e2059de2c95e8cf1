"""Tests for sim/report/figures.py: the five run figures written from a tidy table."""

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D

from sim.report.figures import run_figures, write_run_figures
from sim.report.run_table import LOYALTY_CLASSES, prepare_run
from sim.report.style import (
    FIGURE_DPI,
    FIGURE_SIZE_IN,
    FIRM_PALETTE,
    OUTSIDE_OPTION_COLOUR,
    firm_colours,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIGURE_NAMES = {"loyalty", "profit", "share", "satisfaction", "classes"}
CUSTOMERS = 1000


def synthetic_timeseries(periods: int = 36, seed: int = 7) -> pd.DataFrame:
    """Three firms over `periods` periods: Gamma enters at period 10, Beta goes 4P -> 4C at 18.

    Satisfaction and trust are NaN in an entrant's first period (no active customers yet), and
    Alpha has no row at period 25 (a gap in its lines).
    """
    rng = np.random.default_rng(seed)
    # firm: (entry period, first strategy, strength of its relationships)
    plans = {"Alpha": (1, "4P", 0.7), "Beta": (1, "4P", 1.0), "Gamma": (10, "4R", 1.4)}
    rows = []
    for period in range(1, periods + 1):
        present = [firm for firm, (entry, _, _) in plans.items() if period >= entry]
        weights = {f: 1.0 + 0.02 * plans[f][2] * (period - plans[f][0]) for f in present}
        total = sum(weights.values()) / 0.85  # 15% choose the outside option
        for firm in present:
            if firm == "Alpha" and period == 25:
                continue
            entry, strategy, strength = plans[firm]
            if firm == "Beta" and period >= 18:
                strategy = "4C"
            age = period - entry
            share = weights[firm] / total
            buyers = int(share * CUSTOMERS)
            loyal = int(min(age * 8 * strength, 300))
            repeat = int(min(age * 10 * strength, 250))
            new = int(rng.integers(20, 60))
            lapsed = int(age * 4)
            potential = max(CUSTOMERS - loyal - repeat - new - lapsed - 100, 0)
            profit = float(rng.normal(500 + 40 * strength * age, 300)) - (4000 if age == 0 else 0)
            first = age == 0
            rows.append(
                {
                    "period": period,
                    "firm": firm,
                    "strategy": strategy,
                    "customers": buyers,
                    "share_units": share,
                    "share_value": share,
                    "acquired": new,
                    "retained": repeat + loyal,
                    "churned": int(rng.integers(0, 20)),
                    "retention_rate": np.nan if first else 0.8,
                    "potential": potential,
                    "new": new,
                    "repeat": repeat,
                    "loyal": loyal,
                    "lapsed": lapsed,
                    "unaware": 100,
                    "satisfaction": np.nan if first else min(0.5 + 0.01 * strength * age, 1.0),
                    "trust": np.nan if first else min(0.3 + 0.015 * strength * age, 1.0),
                    "commitment": np.nan if first else 0.4,
                    "revenue": buyers * 20.0,
                    "profit": profit,
                }
            )
    table = pd.DataFrame(rows)
    table["cumulative_profit"] = table.groupby("firm")["profit"].cumsum()
    table["discounted_profit"] = table["profit"] * 0.99 ** table["period"]
    table["customer_equity"] = table["cumulative_profit"] * 3
    return table


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def assert_figures_written(paths: dict[str, Path], out_dir: Path) -> None:
    assert set(paths) == FIGURE_NAMES
    for name, path in paths.items():
        assert path == out_dir / f"{name}.png"
        assert path.is_file()
        assert path.stat().st_size > 5_000, f"{name}.png is suspiciously small"
        assert path.read_bytes()[:8] == PNG_SIGNATURE
    # No temporary files are left behind.
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(f"{n}.png" for n in FIGURE_NAMES)


def test_writes_every_figure_for_three_firms_with_entrant_and_switch(tmp_path: Path) -> None:
    out_dir = tmp_path / "figures" / "run-1"  # does not exist yet
    paths = write_run_figures(
        synthetic_timeseries(),
        out_dir,
        customers=CUSTOMERS,
        title="Three firms",
        period_unit="week",
    )
    assert_figures_written(paths, out_dir)
    expected = (round(FIGURE_SIZE_IN[0] * FIGURE_DPI), round(FIGURE_SIZE_IN[1] * FIGURE_DPI))
    for name in FIGURE_NAMES:
        assert png_size(paths[name]) == expected, name


def test_single_firm_works(tmp_path: Path) -> None:
    table = synthetic_timeseries(periods=12)
    alone = table[table["firm"] == "Alpha"]
    paths = write_run_figures(alone, tmp_path, customers=CUSTOMERS)
    assert_figures_written(paths, tmp_path)


def test_single_period_and_eight_firms_work(tmp_path: Path) -> None:
    base = synthetic_timeseries(periods=20)
    alpha = base[base["firm"] == "Alpha"]
    firms = [alpha.assign(firm=f"Firm {i}", share_units=alpha["share_units"] / 8) for i in range(8)]
    many = pd.concat(firms, ignore_index=True)
    assert_figures_written(write_run_figures(many, tmp_path / "many", customers=CUSTOMERS),
                           tmp_path / "many")  # fmt: skip
    one_period = many[many["period"] == 5]
    assert_figures_written(write_run_figures(one_period, tmp_path / "one", customers=CUSTOMERS),
                           tmp_path / "one")  # fmt: skip


def test_rewriting_replaces_files(tmp_path: Path) -> None:
    table = synthetic_timeseries(periods=12)
    first = write_run_figures(table, tmp_path, customers=CUSTOMERS)
    second = write_run_figures(table, tmp_path, customers=CUSTOMERS, title="again")
    assert first == second
    assert_figures_written(second, tmp_path)


def test_empty_table_raises_clear_error(tmp_path: Path) -> None:
    empty = synthetic_timeseries().iloc[0:0]
    with pytest.raises(ValueError, match="timeseries is empty"):
        write_run_figures(empty, tmp_path, customers=CUSTOMERS)
    assert not list(tmp_path.iterdir())


def test_missing_column_is_named(tmp_path: Path) -> None:
    table = synthetic_timeseries().drop(columns=["trust", "lapsed"])
    with pytest.raises(ValueError, match=r"lacks columns.*trust, lapsed"):
        write_run_figures(table, tmp_path, customers=CUSTOMERS)


def test_repeated_period_firm_rows_are_refused(tmp_path: Path) -> None:
    table = synthetic_timeseries(periods=5)
    two_runs = pd.concat([table, table], ignore_index=True)
    with pytest.raises(ValueError, match=r"repeated \(period, firm\) rows.*one run"):
        write_run_figures(two_runs, tmp_path, customers=CUSTOMERS)


@pytest.mark.parametrize("customers", [0, -5, 2.5, True])
def test_customers_must_be_a_positive_whole_number(tmp_path: Path, customers: object) -> None:
    with pytest.raises(ValueError, match="customers"):
        write_run_figures(synthetic_timeseries(periods=5), tmp_path, customers=customers)  # type: ignore[arg-type]


def test_firm_order_labels_switches_and_gaps() -> None:
    # Rows in reverse firm order: order of first appearance is by period, then row order.
    table = synthetic_timeseries().sort_values(["firm", "period"], ascending=[False, True])
    run = prepare_run(table)
    assert run.firms == ["Beta", "Alpha", "Gamma"]
    assert run.labels == {"Beta": "Beta (4P→4C)", "Alpha": "Alpha (4P)", "Gamma": "Gamma (4R)"}
    assert run.switches == {"Beta": [18], "Alpha": [], "Gamma": []}
    assert run.periods[0] == 1 and run.periods[-1] == 36
    gamma_periods, gamma_trust = run.series("Gamma", "trust")
    assert gamma_periods[0] == 10 and np.isnan(gamma_trust[0]) and not np.isnan(gamma_trust[1])
    alpha_periods, alpha_profit = run.series("Alpha", "profit")
    assert len(alpha_periods) == 36  # the missing row at period 25 is a gap, not dropped
    assert np.isnan(alpha_profit[24]) and np.isfinite(alpha_profit[23])


def test_firm_colours_are_distinct_stable_and_never_grey() -> None:
    firms = [f"F{i}" for i in range(8)]
    colours = firm_colours(firms)
    assert list(colours) == firms
    assert len(set(colours.values())) == 8
    assert OUTSIDE_OPTION_COLOUR not in colours.values()
    assert colours == firm_colours(firms)
    assert firm_colours(["A", "B", "A"]) == {"A": FIRM_PALETTE[0], "B": FIRM_PALETTE[1]}
    assert (
        firm_colours([f"F{i}" for i in range(len(FIRM_PALETTE) + 1)])[f"F{len(FIRM_PALETTE)}"]
        == FIRM_PALETTE[0]
    )


def test_no_pyplot_and_no_global_matplotlib_state_is_touched(tmp_path: Path) -> None:
    # In a fresh interpreter, so that other tests importing pyplot cannot hide a regression.
    script = f"""
import sys
sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parents[2])!r}]
import matplotlib
from test_figures import synthetic_timeseries
from sim.report.figures import write_run_figures
def settings():  # reading "backend" would resolve it by importing pyplot, so skip that key
    return {{k: matplotlib.rcParams[k] for k in matplotlib.rcParams if k != "backend"}}
before = settings()
write_run_figures(synthetic_timeseries(periods=6), {str(tmp_path)!r}, customers=1000)
assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
assert settings() == before, "rcParams changed"
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_names_other_packages_import_stay_where_they_were() -> None:
    # The dashboard imports these from sim.report.figures; sim.report.experiment_figures keeps
    # its public names too (they are defined in sim.report.style and sim.report.heatmap).
    from sim.report import experiment_figures, figures, heatmap, style

    assert figures.firm_colours is style.firm_colours
    assert figures.OUTSIDE_OPTION_COLOUR == style.OUTSIDE_OPTION_COLOUR
    assert experiment_figures.heatmap_figure is heatmap.heatmap_figure
    assert experiment_figures.save is style.save
    assert experiment_figures.to_data_uri is style.to_data_uri


# --- the figures agree: styles, legends, ticks, files ---------------------------------------


def legend_texts(figure) -> list[str]:
    (legend,) = figure.legends
    return [text.get_text() for text in legend.get_texts()]


def test_classes_show_the_unaware_as_a_labelled_band_up_to_all_customers() -> None:
    figures = run_figures(synthetic_timeseries(), customers=CUSTOMERS)
    classes = figures["classes"]
    texts = legend_texts(classes)
    assert texts[:6] == ["unaware", "potential", "new", "repeat", "loyal", "lapsed"]
    assert "strategy switch" in texts  # Beta switched
    alpha = classes.axes[0]
    assert alpha.get_ylim() == (0, CUSTOMERS)
    # The top band is the unaware; its upper edge is the sum of all classes (here N - 100 +
    # the 100 unaware of the synthetic table), not a blank gap below the top.
    top = alpha.collections[-1].get_paths()[0].vertices[:, 1].max()
    table = synthetic_timeseries()
    sums = table[table["firm"] == "Alpha"][list(LOYALTY_CLASSES)].sum(axis=1)
    assert top == pytest.approx(sums.max())
    # every area has a legend entry of its colour
    (legend,) = classes.legends
    patches = {to_hex(p.get_facecolor()) for p in legend.get_patches()}
    for axes in classes.axes:
        assert {to_hex(area.get_facecolor()[0]) for area in axes.collections} <= patches


def test_every_time_axis_of_a_run_has_the_same_ticks() -> None:
    figures = run_figures(synthetic_timeseries(), customers=CUSTOMERS)
    ticks = {name: [list(axes.get_xticks()) for axes in figure.axes if axes.get_visible()]
             for name, figure in figures.items()}
    expected = ticks["loyalty"][0]
    assert expected == [0, 6, 12, 18, 24, 30, 36]  # 36 periods: steps of 6, in every panel
    for name, per_axes in ticks.items():
        for axis_ticks in per_axes:
            assert axis_ticks == expected, name
    # the class panels' time axes carry the same label as the other figures
    labels = {axes.get_xlabel() for axes in figures["classes"].axes if axes.get_xlabel()}
    assert labels == {"period (month)"}


def test_a_firms_line_takes_the_style_of_the_strategy_it_runs() -> None:
    figure = run_figures(synthetic_timeseries(), customers=CUSTOMERS)["profit"]
    run = prepare_run(synthetic_timeseries())
    lines = [line for line in figure.axes[0].get_lines()
             if len(set(line.get_xdata())) > 1]  # not the switch ticks
    by_colour: dict[str, list] = {}
    for line in lines:
        by_colour.setdefault(to_hex(line.get_color()), []).append(line)
    beta = by_colour[run.colours["Beta"]]  # 4P until period 18, then 4C
    assert [line.get_linestyle() for line in beta] == ["-", "--"]
    assert beta[0].get_xdata()[-1] == 18 == beta[1].get_xdata()[0]  # joined at the switch
    assert [line.get_linestyle() for line in by_colour[run.colours["Gamma"]]] == ["-."]  # 4R
    texts = legend_texts(figure)
    assert {"4P line", "4C line", "strategy switch", "zero (break-even)"} <= set(texts)


@pytest.mark.parametrize("name", sorted(FIGURE_NAMES))
def test_every_line_has_a_legend_entry(name: str) -> None:
    figure = run_figures(synthetic_timeseries(), customers=CUSTOMERS)[name]
    (legend,) = figure.legends
    samples = {(to_hex(h.get_color()), h.get_linestyle()) for h in legend.legend_handles
               if isinstance(h, Line2D) and h.get_linestyle() != "None"}
    styles = {style for _, style in samples}
    colours = {colour for colour, _ in samples}
    for axes in figure.axes:
        for line in axes.get_lines():
            if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]:
                assert "strategy switch" in legend_texts(figure)  # a switch mark
                continue
            colour = to_hex(line.get_color())
            assert colour in colours, (name, colour)
            assert line.get_linestyle() in styles, (name, line.get_linestyle())


def test_figures_are_150_dpi_pngs_or_svg_on_request(tmp_path: Path) -> None:
    table = synthetic_timeseries(periods=12)
    pngs = write_run_figures(table, tmp_path / "png", customers=CUSTOMERS)
    for path in pngs.values():
        data = path.read_bytes()
        at = data.index(b"pHYs")
        per_metre = struct.unpack(">I", data[at + 4 : at + 8])[0]
        assert per_metre * 0.0254 >= 150 - 0.5
    svgs = write_run_figures(table, tmp_path / "svg", customers=CUSTOMERS, fmt="svg")
    assert {p.name for p in svgs.values()} == {f"{n}.svg" for n in FIGURE_NAMES}
    for path in svgs.values():
        text = path.read_text(encoding="utf-8")
        assert text.startswith(("<?xml", "<svg"))
        assert ET.fromstring(text.encode()).tag.endswith("svg")
    with pytest.raises(ValueError, match="figure format"):
        write_run_figures(table, tmp_path / "gif", customers=CUSTOMERS, fmt="gif")
    assert not (tmp_path / "gif").exists()
