"""Figures of an experiment's means and intervals: bands over time, responses, sensitivity.

Core objects:
    band_figure: one line per arm over time, with a shaded confidence band.
    response_figure: an outcome's mean and interval against one parameter.
    sensitivity_figure: Sobol (S1, ST) or Morris (mu*, sigma) indices as bars with error bars.
    heatmap_figure (:mod:`sim.report.heatmap`), and save and to_data_uri
        (:mod:`sim.report.style`), are importable from here as well.

The figures draw the tables of :mod:`sim.experiment.stats` (``timeseries_bands``,
``arm_summary``) and SALib's index tables, never a live model (DESIGN.md, principle 6). As in
:mod:`sim.report.figures`, every figure is a ``matplotlib.figure.Figure`` on its own Agg canvas
with no pyplot, so nothing global is touched; they share the size, resolution, line width,
number format and palette of :mod:`sim.report.style` (``firm_colours`` gives arms and categories
their colours in order of first appearance, so an arm keeps its colour across figures of one
experiment), and the labels, axes and legends of :mod:`sim.report.experiment_axes`.

What an interval means here is stated in :mod:`sim.experiment.intervals`: a Student-t interval
of the mean over runs (replications), at the level the table was computed with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.report.experiment_axes import (
    BAND_ALPHA,
    band_handle,
    check_frame,
    floats,
    is_numeric,
    label_text,
    legend_below,
    level_text,
    n_text,
    ordered_values,
    value_axis,
)
from sim.report.heatmap import heatmap_figure
from sim.report.style import (
    FIGURE_SIZE_IN,
    FIRM_PALETTE,
    LINE_WIDTH,
    MARKER_MAX_PERIODS,
    compact_number,
    firm_colours,
    new_figure,
    save,
    to_data_uri,
)

__all__ = [
    "band_figure",
    "heatmap_figure",
    "response_figure",
    "save",
    "sensitivity_figure",
    "to_data_uri",
]

RESPONSE_MAX_TICKS = 12
"""A numeric parameter with this many values or fewer gets one tick per value."""
SENSITIVITY_BAR_HEIGHT_IN = 0.42
"""Height per parameter in a sensitivity chart, inches (the chart grows with parameters)."""
STAT_COLUMNS = frozenset({"period", "mean", "low", "high", "n", "sd"})


# --- bands over time ------------------------------------------------------------------------


def band_figure(
    bands: pd.DataFrame,
    group_col: str,
    title: str,
    ylabel: str,
    *,
    panel_col: str | None = None,
    percent: bool = False,
    period_unit: str = "month",
) -> Figure:
    """One line per arm over time (the mean across runs) with its shaded confidence band.

    Args:
        bands: a table from ``timeseries_bands``: ``group_col``, ``period``, ``mean``, ``low``,
            ``high`` (``n`` optional), one row per group and period.
        group_col: the column naming a line, e.g. ``"arm"``.
        title: the figure's title.
        ylabel: the value axis label, with its unit.
        panel_col: another group column, e.g. ``"firm"``: one panel per value, sharing the
            value axis. Without it every other column must hold a single value.
        percent: show the values (shares, 0..1) as percentages.
        period_unit: what one period is, for the time axis label.

    Raises:
        ValueError: a column is missing, the table is empty, or a column other than the group
            and panel columns holds more than one value (lines would mix groups).
    """
    required = [group_col, "period", "mean", "low", "high"] + ([panel_col] if panel_col else [])
    bands = check_frame(bands, "bands", required)
    for column in bands.columns:
        if column in STAT_COLUMNS or column in (group_col, panel_col):
            continue
        if bands[column].nunique(dropna=False) > 1:
            raise ValueError(
                f"bands has several values of {column!r}: pass panel_col={column!r}, or filter "
                "the table to one value, so each line is one group"
            )
    panels = ordered_values(bands[panel_col]) if panel_col else [None]
    groups = list(dict.fromkeys(bands[group_col]))
    colours = firm_colours([str(g) for g in groups])
    rows, columns = (1, len(panels)) if len(panels) <= 3 else (-(-len(panels) // 3), 3)
    height = FIGURE_SIZE_IN[1] + max(0, rows - 1) * 2.0
    figure = new_figure((FIGURE_SIZE_IN[0], height))
    grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    first, last = float(bands["period"].min()), float(bands["period"].max())
    span = np.arange(int(first), int(last) + 1)
    marker = "o" if len(span) <= MARKER_MAX_PERIODS else None
    for axes, panel in zip(grid.ravel(), panels, strict=False):
        rows_here = bands if panel_col is None else bands[bands[panel_col] == panel]
        for group in groups:
            line = rows_here[rows_here[group_col] == group].set_index("period").sort_index()
            if line.empty:
                continue
            line = line.reindex(span)  # a missing period is a gap, never a straight join
            colour = colours[str(group)]
            axes.fill_between(span, floats(line["low"]), floats(line["high"]), color=colour,
                              alpha=BAND_ALPHA, linewidth=0)
            axes.plot(span, floats(line["mean"]), color=colour, linewidth=LINE_WIDTH,
                      marker=marker, markersize=3)
        if panel_col is not None:
            axes.set_title(f"{panel_col} = {label_text(panel)}", fontsize="medium")
        pad = 0.5 if first == last else 0.0
        axes.set_xlim(first - pad, last + pad)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(True, color="#e0e0e0", linewidth=0.6)
        value_axis(axes, percent)
    for axes in grid.ravel()[len(panels):]:
        axes.set_visible(False)
    for axes in grid[-1, :]:
        axes.set_xlabel(f"period ({period_unit})")
    for axes in grid[:, 0]:
        axes.set_ylabel(ylabel)
    figure.suptitle(title)
    legend_below(figure, [band_handle(colours[str(g)]) for g in groups],
                 [label_text(g) for g in groups],
                 f"{group_col}: line = mean, band = {level_text(bands)} ({n_text(bands)})")
    return figure


# --- response to one parameter --------------------------------------------------------------


def response_figure(
    summary: pd.DataFrame,
    x: str,
    value: str,
    title: str,
    *,
    group_col: str | None = None,
    ylabel: str | None = None,
    percent: bool = False,
) -> Figure:
    """An outcome's mean with its confidence interval against one parameter.

    A numeric parameter is drawn as a line with a shaded band; a categorical one (arm names) as
    points with error bars, in order of first appearance.

    Args:
        summary: a table from ``arm_summary(runs, x, outcomes)`` (long: ``x``, ``outcome``,
            ``mean``, ``low``, ``high``), whose rows with ``outcome == value`` are drawn; or a
            table with a ``value`` column and ``low``/``high``.
        x: the parameter column.
        value: the outcome to draw (e.g. ``"loyal_share@Alpha"``).
        title: the figure's title.
        group_col: a column with one line per value (e.g. a second parameter).
        ylabel: the value axis label (default: ``value``).
        percent: show the values (shares, 0..1) as percentages.

    Raises:
        ValueError: a column is missing, or no row is left for ``value``.
    """
    if isinstance(summary, pd.DataFrame) and "outcome" in summary.columns:
        rows = summary[summary["outcome"] == value]
        mean_col = "mean"
        if rows.empty:
            raise ValueError(f"summary has no rows for outcome {value!r} "
                             f"(outcomes: {list(dict.fromkeys(summary['outcome']))})")
    else:
        rows, mean_col = summary, value
    extra = [group_col] if group_col else []
    rows = check_frame(rows, "summary", [x, mean_col, "low", "high", *extra])
    groups = list(dict.fromkeys(rows[group_col])) if group_col else [None]
    colours = firm_colours([str(g) for g in groups])
    figure = new_figure()
    axes = figure.subplots()
    numeric = is_numeric(rows[x])
    positions = ordered_values(rows[x])
    # Ungrouped arms are coloured as their lines are in the band figures.
    arm_colours = firm_colours([str(v) for v in positions])
    dodge = 0.0 if numeric or len(groups) == 1 else min(0.3, 0.6 / len(groups))
    for index, group in enumerate(groups):
        line = rows if group_col is None else rows[rows[group_col] == group]
        colour = colours[str(group)] if group_col else FIRM_PALETTE[0]
        if numeric:
            line = line.sort_values(x)
            where = floats(line[x])
            axes.fill_between(where, floats(line["low"]), floats(line["high"]), color=colour,
                              alpha=BAND_ALPHA, linewidth=0)
            axes.plot(where, floats(line[mean_col]), color=colour, linewidth=LINE_WIDTH,
                      marker="o", markersize=4)
        else:
            offset = (index - (len(groups) - 1) / 2) * dodge
            where = np.array([positions.index(v) for v in line[x]], dtype=float) + offset
            mean = floats(line[mean_col])
            errors = np.nan_to_num(np.vstack([mean - floats(line["low"]),
                                              floats(line["high"]) - mean]))
            point_colours = ([arm_colours[str(v)] for v in line[x]] if group_col is None
                             else [colour] * len(line))
            for at, centre, below, above, shade in zip(where, mean, errors[0], errors[1],
                                                       point_colours, strict=True):
                axes.errorbar([at], [centre], yerr=[[below], [above]], fmt="o", color=shade,
                              markersize=6, capsize=4, linewidth=LINE_WIDTH)
    if numeric:
        if len(positions) <= RESPONSE_MAX_TICKS:
            axes.set_xticks(positions, labels=[label_text(v) for v in positions])
        else:
            axes.xaxis.set_major_formatter(FuncFormatter(compact_number))
        axes.grid(True, axis="x", color="#e0e0e0", linewidth=0.6)
    else:
        axes.set_xticks(range(len(positions)), labels=[label_text(v) for v in positions])
        axes.set_xlim(-0.6, len(positions) - 0.4)
    value_axis(axes, percent)
    axes.set_xlabel(x)
    axes.set_ylabel(ylabel or value)
    axes.set_title(f"{'line' if numeric else 'point'} = mean, "
                   f"{'band' if numeric else 'bar'} = {level_text(rows)} ({n_text(rows)})",
                   fontsize="small", color="#444444")
    figure.suptitle(title)
    if group_col:
        legend_below(figure, [band_handle(colours[str(g)], band=numeric) for g in groups],
                     [label_text(g) for g in groups], group_col)
    return figure


# --- sensitivity ----------------------------------------------------------------------------

_SENSITIVITY: dict[str, tuple[tuple[str, str | None, str], ...]] = {
    # method: ((column, its confidence column or None, legend label), ...), ranked by the last
    "sobol": (("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total order ST")),
    "morris": (("sigma", None, "σ (spread: interaction, non-linearity)"),
               ("mu_star", "mu_star_conf", "μ* (mean absolute effect)")),
}
_SENSITIVITY_AXIS = {
    "sobol": "sensitivity index (share of output variance)",
    "morris": "elementary effect (outcome units)",
}


def sensitivity_figure(indices: pd.DataFrame, method: str, title: str) -> Figure:
    """Sensitivity indices per parameter as horizontal bars with confidence error bars.

    Args:
        indices: one row per parameter: ``parameter`` (or the index, as SALib's ``to_df()``
            gives it) and, for ``method="sobol"``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``;
            for ``method="morris"``, ``mu_star``, ``mu_star_conf``, ``sigma``.
        method: ``"sobol"`` or ``"morris"``.
        title: the figure's title.

    Parameters are ranked by ST (Sobol) or mu* (Morris), the most influential at the top. The
    error bars are SALib's confidence half-widths (bootstrap); a missing one draws no bar.

    Raises:
        ValueError: an unknown method, a missing column, or an empty table.
    """
    key = method.strip().lower()
    if key not in _SENSITIVITY:
        raise ValueError(f"method must be one of {sorted(_SENSITIVITY)} (got {method!r})")
    if isinstance(indices, pd.DataFrame) and "parameter" not in indices.columns:
        indices = indices.rename_axis("parameter").reset_index()
    measures = _SENSITIVITY[key]
    needed = ["parameter", *(c for m in measures for c in m[:2] if c)]
    indices = check_frame(indices, "indices", needed)
    ranked = indices.sort_values(measures[-1][0], ascending=True, kind="stable")
    count = len(ranked)
    height = max(FIGURE_SIZE_IN[1], 1.6 + SENSITIVITY_BAR_HEIGHT_IN * count * len(measures) / 2)
    figure = new_figure((FIGURE_SIZE_IN[0], height))
    axes = figure.subplots()
    where = np.arange(count, dtype=float)
    bar = 0.8 / len(measures)
    for index, (column, conf, label) in enumerate(measures):
        offset = (index - (len(measures) - 1) / 2) * bar
        errors = np.nan_to_num(floats(ranked[conf])) if conf else None
        axes.barh(where + offset, floats(ranked[column]), height=bar * 0.92,
                  xerr=errors, color=FIRM_PALETTE[index], label=label,
                  error_kw={"ecolor": "#333333", "capsize": 3, "linewidth": 1.0})
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_yticks(where, labels=[str(p) for p in ranked["parameter"]])
    axes.set_ylim(-0.6, count - 0.4)
    axes.set_xlabel(_SENSITIVITY_AXIS[key])
    axes.grid(True, axis="x", color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)
    if key == "morris":
        axes.xaxis.set_major_formatter(FuncFormatter(compact_number))
    handles, labels = axes.get_legend_handles_labels()
    figure.legend(handles[::-1], labels[::-1], loc="outside lower center", ncols=len(measures),
                  frameon=False, fontsize="small",
                  title="error bars: confidence half-widths", title_fontsize="small")
    figure.suptitle(title)
    return figure
