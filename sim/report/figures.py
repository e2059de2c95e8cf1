"""Figures of one run: loyalty, profit, market share, satisfaction and loyalty classes.

Core objects:
    write_run_figures: one run's tidy time-series table -> five PNG (or SVG) files.
    run_figures: the same five figures as ``Figure`` objects (to embed or inspect).
    firm_colours: one stable colour per firm, shared by every figure (defined in
        :mod:`sim.report.style`, importable from here as well).

The figures read the tidy table a run emits (one row per period and firm), never a live model
(DESIGN.md, principle 6); :mod:`sim.report.run_table` checks and splits it by firm, and
:mod:`sim.report.run_axes` draws the parts every figure shares. Each figure is a
``matplotlib.figure.Figure`` on its own Agg canvas, without pyplot (:mod:`sim.report.style`).

What the figures show (MODEL.md, section 1: "loyalty and profit over time"):
    loyalty       loyal customers toward each firm as a share of the market's N customers;
                  beside it, repeat + loyal (repeat buying with or without attitude, so the
                  gap between the panels is the behavioural, possibly spurious, part of
                  loyalty; Dick & Basu 1994).
    profit        profit per period and cumulative profit, each with a zero line.
    share         market share in units per firm, and the outside option as 1 - the sum of
                  the firms' shares (grey, dashed).
    satisfaction  mean satisfaction and mean trust over each firm's active customers (0..1).
    classes       all N customers by their class toward each firm (unaware, potential, new,
                  repeat, loyal, lapsed), stacked, one small panel per firm.

Conventions: firms keep their order and colour (the scenario's order, when given), a line takes
the style of the firm's strategy, lines break at gaps, and strategy switches are marked, as
stated in :mod:`sim.report.run_table` and :mod:`sim.report.run_axes`; every line and area has a
legend entry; every time axis has the same ticks. Files are written to a temporary name and
renamed, so a reader never sees half a file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.report.run_axes import figure_title, firm_legend, firm_lines, legend_columns, time_axis
from sim.report.run_table import LOYALTY_CLASSES, RunTable, prepare_run
from sim.report.style import (
    FIGURE_SIZE_IN,
    LINE_WIDTH,
    OUTSIDE_OPTION_COLOUR,
    check_format,
    compact_number,
    firm_colours,
    new_figure,
    plain_text,
    save,
)

__all__ = ["firm_colours", "run_figures", "write_run_figures"]

CLASS_ROW_HEIGHT_IN = 2.0
"""Extra height per row of class panels beyond two rows, inches."""
CLASS_PANEL_COLUMNS = 4
"""Most class panels in one row."""
CLASS_STACK_ORDER: tuple[str, ...] = ("loyal", "repeat", "new", "potential", "lapsed", "unaware")
"""Bottom to top in the class panels: the firm's core at the base, then the lost, and on top
those who do not know the firm yet (so every panel fills up to the N customers)."""
CLASS_COLOURS: dict[str, str] = {
    "unaware": "#e3e3e3",
    "loyal": "#1b7837",
    "repeat": "#5aae61",
    "new": "#a6dba0",
    "potential": "#d1e5f0",
    "lapsed": "#f4a582",
}


def write_run_figures(
    timeseries: pd.DataFrame,
    out_dir: Path,
    *,
    customers: int,
    title: str = "",
    period_unit: str = "month",
    firms: Sequence[str] | None = None,
    fmt: str = "png",
) -> dict[str, Path]:
    """Draw the five standard figures of one run and write them as PNG (or SVG) files.

    Args:
        timeseries: one run's tidy table, one row per (period, firm), with at least the columns
            in ``REQUIRED_COLUMNS``; other columns are ignored. Firms may enter mid-run and
            change strategy mid-run; NaN values are drawn as gaps.
        out_dir: directory for the files; created if missing. Existing files are replaced.
        customers: N, the number of customers in the scenario (the denominator of the loyalty
            shares).
        title: scenario or run title, put before each figure's own title.
        period_unit: what one period is ("month", "week", ...), used in axis labels.
        firms: the scenario's firms in order (``Scenario.all_firm_names()``), which gives each
            firm its colour (:func:`sim.report.style.firm_colours`); default: their order of
            first appearance in the table.
        fmt: ``"png"`` (at ``FIGURE_DPI``) or ``"svg"``.

    Returns:
        ``{"loyalty", "profit", "share", "satisfaction", "classes"}`` mapped to the paths of
        ``loyalty.<fmt>``, ``profit.<fmt>``, ``share.<fmt>``, ``satisfaction.<fmt>``,
        ``classes.<fmt>``.

    Raises:
        ValueError: the table is empty, lacks a required column, has a period that is not a
            whole number, or has more than one row for a (period, firm); ``customers`` is
            not a positive whole number; or ``fmt`` is not png or svg.
    """
    check_format(fmt)
    figures = run_figures(timeseries, customers=customers, title=title,
                          period_unit=period_unit, firms=firms)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {name: save(figure, out / f"{name}.{fmt}", fmt) for name, figure in figures.items()}


@plain_text
def run_figures(
    timeseries: pd.DataFrame,
    *,
    customers: int,
    title: str = "",
    period_unit: str = "month",
    firms: Sequence[str] | None = None,
) -> dict[str, Figure]:
    """The five figures of one run as ``Figure`` objects (arguments as in
    :func:`write_run_figures`), by name: loyalty, profit, share, satisfaction, classes."""
    if isinstance(customers, bool) or not isinstance(customers, int | np.integer):
        raise ValueError(f"customers must be a whole number of customers (got {customers!r})")
    if customers <= 0:
        raise ValueError(f"customers must be positive (got {customers})")
    run = prepare_run(timeseries, firms)
    unit = period_unit.strip() or "period"
    drawers: dict[str, Callable[[], Figure]] = {
        "loyalty": lambda: _draw_loyalty(run, customers, title, unit),
        "profit": lambda: _draw_profit(run, title, unit),
        "share": lambda: _draw_share(run, title, unit),
        "satisfaction": lambda: _draw_satisfaction(run, title, unit),
        "classes": lambda: _draw_classes(run, customers, title, unit),
    }
    return {name: draw() for name, draw in drawers.items()}


# --- the figures ----------------------------------------------------------------------------


def _draw_loyalty(run: RunTable, customers: int, title: str, period_unit: str) -> Figure:
    figure = new_figure()
    loyal_axes, repeat_axes = figure.subplots(1, 2, sharey=True)
    firm_lines(loyal_axes, run, "loyal", scale=1.0 / customers)
    firm_lines(repeat_axes, run, ("repeat", "loyal"), scale=1.0 / customers)
    loyal_axes.set_title("Loyal (repeat buying + attitude)", fontsize="medium")
    repeat_axes.set_title("Repeat + loyal (all repeat buyers)", fontsize="medium")
    loyal_axes.set_ylabel(f"share of all {customers:,} customers")
    for axes in (loyal_axes, repeat_axes):
        time_axis(axes, run, period_unit)
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    top = loyal_axes.get_ylim()[1]
    loyal_axes.set_ylim(0, max(min(top, 1.0), 0.01))
    figure.suptitle(figure_title(title, "Loyal customers"))
    firm_legend(figure, run)
    return figure


def _draw_profit(run: RunTable, title: str, period_unit: str) -> Figure:
    figure = new_figure()
    period_axes, cumulative_axes = figure.subplots(1, 2)
    firm_lines(period_axes, run, "profit")
    firm_lines(cumulative_axes, run, "cumulative_profit")
    period_axes.set_title(f"Profit per {period_unit}", fontsize="medium")
    cumulative_axes.set_title("Cumulative profit", fontsize="medium")
    period_axes.set_ylabel(f"profit per {period_unit} (money)")
    cumulative_axes.set_ylabel("cumulative profit (money)")
    for axes in (period_axes, cumulative_axes):
        axes.axhline(0, color="black", linewidth=0.8, zorder=1.5)
        time_axis(axes, run, period_unit)
        axes.yaxis.set_major_formatter(FuncFormatter(compact_number))
    figure.suptitle(figure_title(title, "Profit"))
    zero = Line2D([], [], color="black", linewidth=0.8, label="zero (break-even)")
    firm_legend(figure, run, extra=[zero])
    return figure


def _draw_share(run: RunTable, title: str, period_unit: str) -> Figure:
    figure = new_figure()
    axes = figure.subplots()
    outside = _outside_option_share(run)
    axes.plot(
        run.periods,
        outside,
        color=OUTSIDE_OPTION_COLOUR,
        linestyle="--",
        linewidth=LINE_WIDTH,
    )
    firm_lines(axes, run, "share_units")
    # From 0 to a little above the highest share, in whole tenths, at most 100%.
    plotted = np.concatenate([outside, *(run.series(f, "share_units")[1] for f in run.firms)])
    highest = float(np.nanmax(plotted, initial=0.0))
    axes.set_ylim(0, min(1.0, max(0.1, np.ceil(highest * 1.1 * 10) / 10)))
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylabel("market share (units)")
    time_axis(axes, run, period_unit)
    figure.suptitle(figure_title(title, "Market share in units"))
    outside_handle = Line2D(
        [],
        [],
        color=OUTSIDE_OPTION_COLOUR,
        linestyle="--",
        linewidth=LINE_WIDTH,
        label="outside option (1 − sum)",
    )
    firm_legend(figure, run, extra=[outside_handle])
    return figure


def _outside_option_share(run: RunTable) -> np.ndarray:
    """1 - the sum of the firms' unit shares, per period of the run.

    A firm counts only within its own span (0 before it enters); a missing share within its
    span makes the outside option unknown (NaN) for that period rather than wrongly high.
    """
    shares = np.zeros((len(run.periods), len(run.firms)))
    for column, firm in enumerate(run.firms):
        x, share = run.series(firm, "share_units")
        shares[(x - run.periods[0]).astype(int), column] = share
    return 1.0 - shares.sum(axis=1)


def _draw_satisfaction(run: RunTable, title: str, period_unit: str) -> Figure:
    figure = new_figure()
    satisfaction_axes, trust_axes = figure.subplots(1, 2, sharey=True)
    firm_lines(satisfaction_axes, run, "satisfaction")
    firm_lines(trust_axes, run, "trust")
    satisfaction_axes.set_title("Satisfaction", fontsize="medium")
    trust_axes.set_title("Trust", fontsize="medium")
    satisfaction_axes.set_ylabel("mean over active customers (0–1)")
    for axes in (satisfaction_axes, trust_axes):
        time_axis(axes, run, period_unit)
        axes.set_ylim(-0.02, 1.02)
        axes.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    figure.suptitle(figure_title(title, "Satisfaction and trust"))
    firm_legend(figure, run)
    return figure


def _class_grid(count: int) -> tuple[int, int]:
    if count <= 3:
        return 1, count
    if count == 4:
        return 2, 2
    columns = min(CLASS_PANEL_COLUMNS, -(-count // 2))
    return -(-count // columns), columns


def _draw_classes(run: RunTable, customers: int, title: str, period_unit: str) -> Figure:
    """All N customers by class toward each firm: the stack of a panel fills up to N, the
    unaware on top (a labelled band, not a blank gap); ticks as in every run figure."""
    rows, columns = _class_grid(len(run.firms))
    height = FIGURE_SIZE_IN[1] + max(0, rows - 2) * CLASS_ROW_HEIGHT_IN
    figure = new_figure((FIGURE_SIZE_IN[0], height))
    grid = np.atleast_1d(figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False))
    panels = list(grid.ravel())
    for axes, firm in zip(panels, run.firms, strict=False):
        x, _ = run.series(firm, "loyal")
        lower = np.zeros_like(x)
        for name in CLASS_STACK_ORDER:
            _, counts = run.series(firm, name)
            upper = lower + counts
            if len(x) == 1:
                axes.bar(x, counts, bottom=lower, width=0.8, color=CLASS_COLOURS[name], linewidth=0)
            else:
                axes.fill_between(x, lower, upper, color=CLASS_COLOURS[name], linewidth=0)
            lower = upper
        for period in run.switches[firm]:
            axes.axvline(period, color="#222222", linestyle=":", linewidth=1.2)
        axes.set_title(
            run.labels[firm], fontsize="medium", color=run.colours[firm], fontweight="bold"
        )
        time_axis(axes, run, period_unit, label=False)
        axes.set_ylim(0, max(customers, float(np.nanmax(lower, initial=0.0))))
        axes.yaxis.set_major_formatter(FuncFormatter(compact_number))
    for axes in panels[len(run.firms) :]:
        axes.set_visible(False)
    # The lowest panel of each column carries the time axis (above a hidden panel, too).
    for index in range(len(run.firms)):
        if index + columns >= len(run.firms):
            panels[index].xaxis.set_tick_params(labelbottom=True)
            panels[index].set_xlabel(f"period ({period_unit})")
    figure.supylabel("customers (count)", fontsize="medium")
    figure.suptitle(figure_title(title, "Customers by loyalty class"))
    handles: list[Artist] = [
        Patch(facecolor=CLASS_COLOURS[name], label=name) for name in LOYALTY_CLASSES
    ]
    if run.any_switch():
        handles.append(
            Line2D([], [], color="#222222", linestyle=":", linewidth=1.2, label="strategy switch")
        )
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncols=legend_columns([str(h.get_label()) for h in handles]),
        frameon=False,
        fontsize="small",
    )
    return figure
