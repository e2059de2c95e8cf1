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
number format, colours and time axis of :mod:`sim.report.style`, and the labels, axes and
legends of :mod:`sim.report.experiment_axes`.

Groups (arms, grid levels) are drawn in the ``styles`` the caller passes
(:func:`sim.report.style.arm_styles`, from the runs table and each point's scenario): arms that
are one firm's strategies in that firm's colour, each with its strategy's line style and
marker, as the firm's line is drawn in the run figures; every other group in a grey with a
marker of its own, never a firm's colour. A group without a style is such a variant. Lines that
are no group (an ungrouped response curve) are dark ink. Every line and band has a legend
entry.

What an interval means here is stated in :mod:`sim.experiment.intervals`: a Student-t interval
of the mean over runs (replications), at the level the table was computed with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.report.experiment_axes import (
    BAND_ALPHA,
    band_handle,
    check_frame,
    complete_styles,
    floats,
    group_label,
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
    INK,
    LINE_WIDTH,
    MARKER_MAX_PERIODS,
    GroupStyle,
    compact_number,
    new_figure,
    period_locator,
    plain_text,
    save,
    to_data_uri,
    variant_greys,
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
BAND_MARKERS = 10
"""About how many markers a long band line carries (every point when the run is short)."""
STAT_COLUMNS = frozenset({"period", "mean", "low", "high", "n", "sd"})
INK_STYLE = GroupStyle(INK, "-", "o")


def _ordered_groups(values: pd.Series, styles: Mapping[Any, GroupStyle] | None) -> list[Any]:
    """The groups in the styles' (design) order, then any others in order of appearance."""
    present = list(dict.fromkeys(values))
    return [g for g in (styles or {}) if g in present] + [
        g for g in present if g not in (styles or {})]


def _group_title(group_col: str, styles: Mapping[Any, GroupStyle]) -> str:
    """The legend's title: what the colours mean when some groups are a firm's strategies."""
    firm = next((s.firm for s in styles.values() if s.strategy is not None), None)
    if firm is None:
        return group_col
    variants = any(s.strategy is None for s in styles.values())
    return f"{group_col} ({firm}'s colour: its strategies{'; grey: variants' if variants else ''})"


# --- bands over time ------------------------------------------------------------------------


@plain_text
def band_figure(
    bands: pd.DataFrame,
    group_col: str,
    title: str,
    ylabel: str,
    *,
    panel_col: str | None = None,
    percent: bool = False,
    period_unit: str = "month",
    styles: Mapping[Any, GroupStyle] | None = None,
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
        styles: each group's look, in design order (:func:`sim.report.style.arm_styles`);
            groups without one are grey variants. A group keeps its look in every panel.

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
    groups = _ordered_groups(bands[group_col], styles)
    looks = complete_styles(groups, styles)
    rows, columns = (1, len(panels)) if len(panels) <= 3 else (-(-len(panels) // 3), 3)
    height = FIGURE_SIZE_IN[1] + max(0, rows - 1) * 2.0
    figure = new_figure((FIGURE_SIZE_IN[0], height))
    grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    first, last = float(bands["period"].min()), float(bands["period"].max())
    span = np.arange(int(first), int(last) + 1)
    every = 1 if len(span) <= MARKER_MAX_PERIODS else max(1, len(span) // BAND_MARKERS)
    for axes, panel in zip(grid.ravel(), panels, strict=False):
        rows_here = bands if panel_col is None else bands[bands[panel_col] == panel]
        for group in groups:
            line = rows_here[rows_here[group_col] == group].set_index("period").sort_index()
            if line.empty:
                continue
            line = line.reindex(span)  # a missing period is a gap, never a straight join
            look = looks[group]
            axes.fill_between(span, floats(line["low"]), floats(line["high"]), color=look.colour,
                              alpha=BAND_ALPHA, linewidth=0)
            axes.plot(span, floats(line["mean"]), color=look.colour, linewidth=LINE_WIDTH,
                      linestyle=look.linestyle, marker=look.marker, markevery=every,
                      markersize=4)
        if panel_col is not None:
            axes.set_title(f"{panel_col} = {label_text(panel)}", fontsize="medium")
        pad = 0.5 if first == last else 0.0
        axes.set_xlim(first - pad, last + pad)
        axes.xaxis.set_major_locator(period_locator())
        axes.grid(True, color="#e0e0e0", linewidth=0.6)
        value_axis(axes, percent)
    for axes in grid.ravel()[len(panels):]:
        axes.set_visible(False)
    for axes in grid[-1, :]:
        axes.set_xlabel(f"period ({period_unit})")
    for axes in grid[:, 0]:
        axes.set_ylabel(ylabel)
    figure.suptitle(title)
    legend_below(figure, [band_handle(looks[g]) for g in groups],
                 [group_label(g, looks[g]) for g in groups],
                 f"{_group_title(group_col, looks)}: line = mean, band = {level_text(bands)}"
                 f" ({n_text(bands)})")
    return figure


# --- response to one parameter --------------------------------------------------------------


@plain_text
def response_figure(
    summary: pd.DataFrame,
    x: str,
    value: str,
    title: str,
    *,
    group_col: str | None = None,
    ylabel: str | None = None,
    percent: bool = False,
    styles: Mapping[Any, GroupStyle] | None = None,
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
        styles: the look of each group (the values of ``group_col``) or, without groups, of
            each categorical ``x`` value (:func:`sim.report.style.arm_styles`); missing ones
            are grey variants. An ungrouped numeric response is one line in dark ink.

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
    numeric = is_numeric(rows[x])
    positions = ordered_values(rows[x])
    groups = _ordered_groups(rows[group_col], styles) if group_col else [None]
    looks = complete_styles(groups, styles) if group_col else {None: INK_STYLE}
    # Ungrouped points of a categorical parameter: each value in its own look, as its arm.
    points = complete_styles(positions, styles) if not numeric and not group_col else {}
    figure = new_figure()
    axes = figure.subplots()
    dodge = 0.0 if numeric or len(groups) == 1 else min(0.3, 0.6 / len(groups))
    for index, group in enumerate(groups):
        line = rows if group_col is None else rows[rows[group_col] == group]
        look = looks[group]
        if numeric:
            line = line.sort_values(x)
            where = floats(line[x])
            axes.fill_between(where, floats(line["low"]), floats(line["high"]),
                              color=look.colour, alpha=BAND_ALPHA, linewidth=0)
            axes.plot(where, floats(line[mean_col]), color=look.colour, linewidth=LINE_WIDTH,
                      linestyle=look.linestyle, marker=look.marker, markersize=4)
            continue
        offset = (index - (len(groups) - 1) / 2) * dodge
        where = np.array([positions.index(v) for v in line[x]], dtype=float) + offset
        mean = floats(line[mean_col])
        errors = np.nan_to_num(np.vstack([mean - floats(line["low"]),
                                          floats(line["high"]) - mean]))
        point_looks = [points[v] for v in line[x]] if group_col is None else [look] * len(line)
        for at, centre, below, above, shade in zip(where, mean, errors[0], errors[1],
                                                   point_looks, strict=True):
            axes.errorbar([at], [centre], yerr=[[below], [above]], fmt=shade.marker,
                          color=shade.colour, markersize=6, capsize=4, linewidth=LINE_WIDTH)
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
    what = (f"{'line' if numeric else 'point'} = mean, "
            f"{'band' if numeric else 'bar'} = {level_text(rows)} ({n_text(rows)})")
    axes.set_title(what, fontsize="small", color="#444444")
    figure.suptitle(title)
    if group_col:
        legend_below(figure, [band_handle(looks[g], band=numeric, line=numeric) for g in groups],
                     [group_label(g, looks[g]) for g in groups], _group_title(group_col, looks))
    elif numeric:
        legend_below(figure, [band_handle(INK_STYLE)], [f"mean of {value}"])
    else:
        legend_below(figure, [band_handle(points[v], band=False, line=False) for v in positions],
                     [group_label(v, points[v]) for v in positions], _group_title(x, points))
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


@plain_text
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
                  xerr=errors, color=variant_greys(len(measures) + 1)[index + 1], label=label,
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
