"""Figures of an experiment: bands over time, grids, responses and sensitivity indices.

Core objects:
    band_figure: one line per arm over time, with a shaded confidence band.
    heatmap_figure: a two-parameter grid of numbers, or of categories (e.g. the winning arm).
    response_figure: an outcome's mean and interval against one parameter.
    sensitivity_figure: Sobol (S1, ST) or Morris (mu*, sigma) indices as bars with error bars.
    save: write a figure as a PNG atomically; to_data_uri: a figure as an embeddable PNG;

The figures draw the tables of :mod:`sim.experiment.stats` (``timeseries_bands``,
``arm_summary``) and SALib's index tables, never a live model (DESIGN.md, principle 6). As in
:mod:`sim.report.figures`, every figure is a ``matplotlib.figure.Figure`` on its own Agg canvas
with no pyplot, so nothing global is touched; they share that module's size, resolution, line
width, number format and palette (``firm_colours`` gives arms and categories their colours in
order of first appearance, so an arm keeps its colour across figures of one experiment).

What an interval means here is stated in :mod:`sim.experiment.stats`: a Student-t interval of
the mean over runs (replications), at the level the table was computed with.
"""

from __future__ import annotations

import base64
import io
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.files import atomic_write
from sim.report.figures import (
    FIGURE_DPI,
    FIGURE_SIZE_IN,
    FIRM_PALETTE,
    LEGEND_ENTRY_EXTRA_CHARS,
    LEGEND_ROW_CHARS,
    LINE_WIDTH,
    MARKER_MAX_PERIODS,
    _compact_number,
    _new_figure,
    firm_colours,
)

__all__ = [
    "band_figure",
    "heatmap_figure",
    "response_figure",
    "save",
    "sensitivity_figure",
    "to_data_uri",
]

BAND_ALPHA = 0.18
"""Opacity of a confidence band (lines stay opaque, so overlapping bands remain readable)."""
MISSING_CELL_COLOUR = "#eeeeee"
"""Grid cells with no value (no ok run, or not in the design)."""
ANNOTATION_FONT_SIZES: tuple[tuple[int, str], ...] = ((36, "medium"), (100, "small"),
                                                      (225, "x-small"))
"""Font size of cell labels by the grid's number of cells; larger grids are not annotated."""
RESPONSE_MAX_TICKS = 12
"""A numeric parameter with this many values or fewer gets one tick per value."""
SENSITIVITY_BAR_HEIGHT_IN = 0.42
"""Height per parameter in a sensitivity chart, inches (the chart grows with parameters)."""
STAT_COLUMNS = frozenset({"period", "mean", "low", "high", "n", "sd"})


# --- small helpers --------------------------------------------------------------------------


def _check_frame(table: Any, name: str, columns: Sequence[str]) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame (got {type(table).__name__})")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{name} lacks column(s) {', '.join(map(repr, missing))} "
            f"(has: {', '.join(map(str, table.columns))})"
        )
    if table.empty:
        raise ValueError(f"{name} is empty: there is nothing to plot")
    return table


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _label(value: Any) -> str:
    """A parameter value as a tick or legend label: 3.0 -> '3', 0.25 -> '0.25'."""
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer | float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "–"
        if number.is_integer() and abs(number) >= 1000:
            return f"{number:,.0f}"
        return f"{number:g}"
    return str(value)


def _ordered(values: pd.Series) -> list[Any]:
    """Distinct values: ascending for numbers, else in order of first appearance."""
    distinct = list(dict.fromkeys(values.dropna()))
    if _is_numeric(values):
        return sorted(distinct)
    return distinct


def _floats(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="raise").astype("float64").to_numpy()


def _value_axis(axes: Axes, percent: bool, which: str = "y") -> None:
    """Format the value axis (after drawing): percentages or compact numbers, and a grid."""
    axis = axes.yaxis if which == "y" else axes.xaxis
    if percent:
        low, high = axes.get_ylim() if which == "y" else axes.get_xlim()
        axis.set_major_formatter(PercentFormatter(1.0, decimals=0 if high - low >= 0.05
                                                  else None))
    else:
        axis.set_major_formatter(FuncFormatter(_compact_number))
    axes.grid(True, axis=which, color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)


def _level_text(table: pd.DataFrame) -> str:
    level = table.attrs.get("level")
    return f"{level:.0%} CI" if isinstance(level, float) else "CI"


def _n_text(table: pd.DataFrame) -> str:
    if "n" not in table.columns or table["n"].dropna().empty:
        return "runs"
    low, high = int(table["n"].min()), int(table["n"].max())
    return f"n = {low} runs" if low == high else f"n = {low}–{high} runs"


def _band_handle(colour: str, band: bool = True) -> tuple[Any, ...]:
    """A legend sample: the line over its band, as drawn."""
    line = Line2D([], [], color=colour, linewidth=LINE_WIDTH)
    if not band:
        return (line,)
    return (Patch(facecolor=colour, alpha=BAND_ALPHA, linewidth=0), line)


def _legend_below(figure: Figure, handles: Sequence[Any], labels: Sequence[str],
                  title: str | None = None) -> None:
    widths = [len(label) + LEGEND_ENTRY_EXTRA_CHARS for label in labels]
    if sum(widths) <= LEGEND_ROW_CHARS:
        columns = len(labels)
    else:
        most = max(1, min(len(labels), LEGEND_ROW_CHARS // max(widths)))
        rows = -(-len(labels) // most)
        columns = -(-len(labels) // rows)  # rows as even as the width allows
    figure.legend(handles=list(handles), labels=list(labels), loc="outside lower center",
                  ncols=columns, frameon=False, fontsize="small", title=title,
                  title_fontsize="small", handlelength=2.4)


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
    bands = _check_frame(bands, "bands", required)
    for column in bands.columns:
        if column in STAT_COLUMNS or column in (group_col, panel_col):
            continue
        if bands[column].nunique(dropna=False) > 1:
            raise ValueError(
                f"bands has several values of {column!r}: pass panel_col={column!r}, or filter "
                "the table to one value, so each line is one group"
            )
    panels = _ordered(bands[panel_col]) if panel_col else [None]
    groups = list(dict.fromkeys(bands[group_col]))
    colours = firm_colours([str(g) for g in groups])
    rows, columns = (1, len(panels)) if len(panels) <= 3 else (-(-len(panels) // 3), 3)
    height = FIGURE_SIZE_IN[1] + max(0, rows - 1) * 2.0
    figure = _new_figure((FIGURE_SIZE_IN[0], height))
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
            axes.fill_between(span, _floats(line["low"]), _floats(line["high"]), color=colour,
                              alpha=BAND_ALPHA, linewidth=0)
            axes.plot(span, _floats(line["mean"]), color=colour, linewidth=LINE_WIDTH,
                      marker=marker, markersize=3)
        if panel_col is not None:
            axes.set_title(f"{panel_col} = {_label(panel)}", fontsize="medium")
        pad = 0.5 if first == last else 0.0
        axes.set_xlim(first - pad, last + pad)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(True, color="#e0e0e0", linewidth=0.6)
        _value_axis(axes, percent)
    for axes in grid.ravel()[len(panels):]:
        axes.set_visible(False)
    for axes in grid[-1, :]:
        axes.set_xlabel(f"period ({period_unit})")
    for axes in grid[:, 0]:
        axes.set_ylabel(ylabel)
    figure.suptitle(title)
    _legend_below(figure, [_band_handle(colours[str(g)]) for g in groups],
                  [_label(g) for g in groups],
                  f"{group_col}: line = mean, band = {_level_text(bands)} ({_n_text(bands)})")
    return figure


# --- grids ----------------------------------------------------------------------------------


def heatmap_figure(
    table: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    title: str,
    annotate: bool = True,
    categorical_values: bool = False,
    *,
    value_label: str | None = None,
    number_format: Callable[[float], str] | None = None,
    categories: Sequence[Any] | None = None,
) -> Figure:
    """A two-parameter grid: one cell per (x, y) coloured by a number or a category.

    Numbers use a sequential colour map (viridis), or a diverging one centred on zero (red
    below, blue above) when the values take both signs, e.g. a profit difference. Categories
    (``categorical_values=True``, e.g. the winning relationship level per cell) get one palette
    colour each and a legend. Cells without a value are light grey.

    Args:
        table: one row per cell with columns ``x``, ``y`` and ``value`` (summarise replications
            first, e.g. with ``arm_summary``).
        x: the parameter along the horizontal axis; numbers are sorted ascending.
        y: the parameter along the vertical axis (ascending upwards).
        value: the column to show.
        title: the figure's title.
        annotate: write each cell's value in it (grids above 225 cells are never annotated).
        categorical_values: treat ``value`` as categories.
        value_label: the colour bar or legend title (default: ``value``).
        number_format: how a cell's number is written (default: 3 significant digits, k/M).
        categories: every category in legend order, e.g. all arms in design order, so each
            keeps the colour it has in the other figures (by position, as ``firm_colours``)
            even when it wins no cell. Default: the values present, numbers ascending.

    Raises:
        ValueError: a column is missing, the table is empty, a cell appears twice, the values
            are not numbers when ``categorical_values`` is False, or a value is not among
            ``categories``.
    """
    table = _check_frame(table, "table", [x, y, value]).dropna(subset=[x, y])
    repeated = table.duplicated([x, y])
    if repeated.any():
        first = table.loc[repeated, [x, y]].iloc[0]
        raise ValueError(
            f"table has {int(repeated.sum())} repeated cells, e.g. {x}={first[x]!r} "
            f"{y}={first[y]!r}: summarise to one row per cell first"
        )
    xs, ys = _ordered(table[x]), _ordered(table[y])
    cells = table.set_index([y, x])[value]
    figure = _new_figure((FIGURE_SIZE_IN[0], FIGURE_SIZE_IN[1] + 0.5))
    axes = figure.subplots()
    label = value_label or value
    if categorical_values:
        present = _ordered(table[value])
        categories = list(dict.fromkeys(categories)) if categories is not None else present
        unknown = [c for c in present if c not in categories]
        if unknown:
            raise ValueError(f"{value} has values not in categories: {unknown}")
        code_of = {c: i for i, c in enumerate(categories)}
        codes = np.full((len(ys), len(xs)), np.nan)
        for (row, column), category in cells.items():
            if not pd.isna(category):
                codes[ys.index(row), xs.index(column)] = code_of[category]
        palette = [FIRM_PALETTE[i % len(FIRM_PALETTE)] for i in range(len(categories))]
        cmap = ListedColormap(palette).with_extremes(bad=MISSING_CELL_COLOUR)
        norm: Normalize = BoundaryNorm(np.arange(-0.5, len(categories) + 0.5), len(categories))
        axes.imshow(np.ma.masked_invalid(codes), cmap=cmap, norm=norm, origin="lower",
                    aspect="auto", interpolation="nearest")
        texts = np.full(codes.shape, "", dtype=object)
        for (row, column), category in cells.items():
            if not pd.isna(category):
                texts[ys.index(row), xs.index(column)] = _label(category)
        handles = [Patch(facecolor=palette[i], label=_label(c)) for i, c in enumerate(categories)]
        figure.legend(handles=handles, loc="outside right center", frameon=False,
                      fontsize="small", title=label, title_fontsize="small")
        shown = codes
    else:
        numbers = np.full((len(ys), len(xs)), np.nan)
        for (row, column), number in cells.items():
            numbers[ys.index(row), xs.index(column)] = float(pd.to_numeric(number))
        cmap, norm = _numeric_colours(numbers)
        image = axes.imshow(np.ma.masked_invalid(numbers), cmap=cmap, norm=norm, origin="lower",
                            aspect="auto", interpolation="nearest")
        colourbar = figure.colorbar(image, ax=axes, label=label)
        colourbar.formatter = FuncFormatter(_compact_number)
        colourbar.update_ticks()
        write = number_format or (lambda v: _compact_number(v))
        texts = np.array([[write(v) if np.isfinite(v) else "" for v in row] for row in numbers],
                         dtype=object)
        shown = numbers
    if annotate:
        _annotate_cells(axes, shown, texts, cmap, norm)
    axes.set_xticks(range(len(xs)), labels=[_label(v) for v in xs])
    axes.set_yticks(range(len(ys)), labels=[_label(v) for v in ys])
    if max((len(_label(v)) for v in xs), default=0) * len(xs) > 60:
        axes.tick_params(axis="x", labelrotation=45)
        for tick in axes.get_xticklabels():
            tick.set_horizontalalignment("right")
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    figure.suptitle(title)
    return figure


def _numeric_colours(numbers: np.ndarray) -> tuple[Colormap, Normalize]:
    finite = numbers[np.isfinite(numbers)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    if low < 0.0 < high:
        bound = max(-low, high)
        cmap: Colormap = _colormap("RdBu")
        norm = Normalize(-bound, bound)
    else:
        cmap = _colormap("viridis")
        norm = Normalize(low, high if high > low else low + 1.0)
    return cmap, norm


def _colormap(name: str) -> Colormap:
    return colormaps[name].with_extremes(bad=MISSING_CELL_COLOUR)


def _annotate_cells(axes: Axes, shown: np.ndarray, texts: np.ndarray, cmap: Colormap,
                    norm: Normalize) -> None:
    """Write each cell's text in black or white, whichever reads better on its colour."""
    size = next((s for limit, s in ANNOTATION_FONT_SIZES if shown.size <= limit), None)
    if size is None:
        return
    for (row, column), number in np.ndenumerate(shown):
        if not np.isfinite(number):
            continue
        red, green, blue, _ = cmap(norm(number))
        luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
        axes.text(column, row, texts[row, column], ha="center", va="center", fontsize=size,
                  color="white" if luminance < 0.5 else "#111111")


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
    rows = _check_frame(rows, "summary", [x, mean_col, "low", "high", *extra])
    groups = list(dict.fromkeys(rows[group_col])) if group_col else [None]
    colours = firm_colours([str(g) for g in groups])
    figure = _new_figure()
    axes = figure.subplots()
    numeric = _is_numeric(rows[x])
    positions = _ordered(rows[x])
    # Ungrouped arms are coloured as their lines are in the band figures.
    arm_colours = firm_colours([str(v) for v in positions])
    dodge = 0.0 if numeric or len(groups) == 1 else min(0.3, 0.6 / len(groups))
    for index, group in enumerate(groups):
        line = rows if group_col is None else rows[rows[group_col] == group]
        colour = colours[str(group)] if group_col else FIRM_PALETTE[0]
        if numeric:
            line = line.sort_values(x)
            where = _floats(line[x])
            axes.fill_between(where, _floats(line["low"]), _floats(line["high"]), color=colour,
                              alpha=BAND_ALPHA, linewidth=0)
            axes.plot(where, _floats(line[mean_col]), color=colour, linewidth=LINE_WIDTH,
                      marker="o", markersize=4)
        else:
            offset = (index - (len(groups) - 1) / 2) * dodge
            where = np.array([positions.index(v) for v in line[x]], dtype=float) + offset
            mean = _floats(line[mean_col])
            errors = np.nan_to_num(np.vstack([mean - _floats(line["low"]),
                                              _floats(line["high"]) - mean]))
            point_colours = ([arm_colours[str(v)] for v in line[x]] if group_col is None
                             else [colour] * len(line))
            for at, centre, below, above, shade in zip(where, mean, errors[0], errors[1],
                                                       point_colours, strict=True):
                axes.errorbar([at], [centre], yerr=[[below], [above]], fmt="o", color=shade,
                              markersize=6, capsize=4, linewidth=LINE_WIDTH)
    if numeric:
        if len(positions) <= RESPONSE_MAX_TICKS:
            axes.set_xticks(positions, labels=[_label(v) for v in positions])
        else:
            axes.xaxis.set_major_formatter(FuncFormatter(_compact_number))
        axes.grid(True, axis="x", color="#e0e0e0", linewidth=0.6)
    else:
        axes.set_xticks(range(len(positions)), labels=[_label(v) for v in positions])
        axes.set_xlim(-0.6, len(positions) - 0.4)
    _value_axis(axes, percent)
    axes.set_xlabel(x)
    axes.set_ylabel(ylabel or value)
    axes.set_title(f"{'line' if numeric else 'point'} = mean, "
                   f"{'band' if numeric else 'bar'} = {_level_text(rows)} ({_n_text(rows)})",
                   fontsize="small", color="#444444")
    figure.suptitle(title)
    if group_col:
        _legend_below(figure, [_band_handle(colours[str(g)], band=numeric) for g in groups],
                      [_label(g) for g in groups], group_col)
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
    indices = _check_frame(indices, "indices", needed)
    ranked = indices.sort_values(measures[-1][0], ascending=True, kind="stable")
    count = len(ranked)
    height = max(FIGURE_SIZE_IN[1], 1.6 + SENSITIVITY_BAR_HEIGHT_IN * count * len(measures) / 2)
    figure = _new_figure((FIGURE_SIZE_IN[0], height))
    axes = figure.subplots()
    where = np.arange(count, dtype=float)
    bar = 0.8 / len(measures)
    for index, (column, conf, label) in enumerate(measures):
        offset = (index - (len(measures) - 1) / 2) * bar
        errors = np.nan_to_num(_floats(ranked[conf])) if conf else None
        axes.barh(where + offset, _floats(ranked[column]), height=bar * 0.92,
                  xerr=errors, color=FIRM_PALETTE[index], label=label,
                  error_kw={"ecolor": "#333333", "capsize": 3, "linewidth": 1.0})
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_yticks(where, labels=[str(p) for p in ranked["parameter"]])
    axes.set_ylim(-0.6, count - 0.4)
    axes.set_xlabel(_SENSITIVITY_AXIS[key])
    axes.grid(True, axis="x", color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)
    if key == "morris":
        axes.xaxis.set_major_formatter(FuncFormatter(_compact_number))
    handles, labels = axes.get_legend_handles_labels()
    figure.legend(handles[::-1], labels[::-1], loc="outside lower center", ncols=len(measures),
                  frameon=False, fontsize="small",
                  title="error bars: confidence half-widths", title_fontsize="small")
    figure.suptitle(title)
    return figure


# --- output ---------------------------------------------------------------------------------


def save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as a PNG at ``path`` (parent folders created), atomically.

    The PNG is written under a temporary name in the same folder and renamed into place, so a
    reader never sees half a file; an existing file is replaced.
    """
    return atomic_write(path, png_bytes(fig), durable=False)


def png_bytes(fig: Figure) -> bytes:
    """``fig`` as PNG bytes at the figures' resolution, on white, without a software stamp
    (the same figure gives the same bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, facecolor="white",
                metadata={"Software": None})
    return buffer.getvalue()


def to_data_uri(fig: Figure) -> str:
    """``fig`` as a ``data:image/png;base64,...`` URI, to embed in an HTML page."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig)).decode("ascii")
