"""The parts the experiment figures share: table checks, value labels, value axes, legends.

Core objects:
    check_frame: a table to draw, checked for its columns and for rows.
    label_text, ordered_values: parameter values as tick and legend labels, and in axis order
        (numbers ascending, anything else in order of first appearance).
    value_axis: the value axis as percentages or compact numbers, with a light grid.
    level_text, n_text: an interval's caption: its level and the runs behind it.
    band_handle, group_label, legend_below: a legend sample (a line over its band, in a
        group's style), a group's legend label, and a legend below the figure in rows as even
        as fit.

The figures draw the tables of :mod:`sim.experiment.stats`, never a live model (DESIGN.md,
principle 6). What an interval means is stated in :mod:`sim.experiment.intervals`: a Student-t
interval of the mean over runs (replications), at the level the table was computed with (its
``attrs["level"]``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.report.style import (
    LEGEND_ENTRY_EXTRA_CHARS,
    LEGEND_ROW_CHARS,
    LINE_WIDTH,
    GroupStyle,
    compact_number,
    variant_style,
)

__all__ = [
    "BAND_ALPHA",
    "band_handle",
    "check_frame",
    "complete_styles",
    "floats",
    "group_label",
    "is_numeric",
    "label_text",
    "legend_below",
    "level_text",
    "n_text",
    "ordered_values",
    "value_axis",
]

BAND_ALPHA = 0.18
"""Opacity of a confidence band (lines stay opaque, so overlapping bands remain readable)."""


def check_frame(table: Any, name: str, columns: Sequence[str]) -> pd.DataFrame:
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


def is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def label_text(value: Any) -> str:
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


def ordered_values(values: pd.Series) -> list[Any]:
    """Distinct values: ascending for numbers, else in order of first appearance."""
    distinct = list(dict.fromkeys(values.dropna()))
    if is_numeric(values):
        return sorted(distinct)
    return distinct


def floats(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="raise").astype("float64").to_numpy()


def value_axis(axes: Axes, percent: bool, which: str = "y") -> None:
    """Format the value axis (after drawing): percentages or compact numbers, and a grid."""
    axis = axes.yaxis if which == "y" else axes.xaxis
    if percent:
        low, high = axes.get_ylim() if which == "y" else axes.get_xlim()
        axis.set_major_formatter(PercentFormatter(1.0, decimals=0 if high - low >= 0.05
                                                  else None))
    else:
        axis.set_major_formatter(FuncFormatter(compact_number))
    axes.grid(True, axis=which, color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)


def level_text(table: pd.DataFrame) -> str:
    level = table.attrs.get("level")
    return f"{level:.0%} CI" if isinstance(level, float) else "CI"


def n_text(table: pd.DataFrame) -> str:
    if "n" not in table.columns or table["n"].dropna().empty:
        return "runs"
    low, high = int(table["n"].min()), int(table["n"].max())
    return f"n = {low} runs" if low == high else f"n = {low}–{high} runs"


def band_handle(style: GroupStyle, band: bool = True, line: bool = True) -> tuple[Any, ...]:
    """A legend sample as the group is drawn: its line (or only its marker) over its band."""
    sample = Line2D([], [], color=style.colour, linewidth=LINE_WIDTH,
                    linestyle=style.linestyle if line else "none", marker=style.marker,
                    markersize=5 if line else 6)
    if not band:
        return (sample,)
    return (Patch(facecolor=style.colour, alpha=BAND_ALPHA, linewidth=0), sample)


def complete_styles(groups: Sequence[Any],
                    styles: Mapping[Any, GroupStyle] | None) -> dict[Any, GroupStyle]:
    """A style for every group: the one given, else the next variant look (grey and marker)
    after those the given styles use, so no two groups look alike."""
    given = dict(styles or {})
    used = sum(1 for style in given.values() if style.strategy is None)
    complete: dict[Any, GroupStyle] = {}
    for group in groups:
        if group not in given:
            given[group] = variant_style(used)
            used += 1
        complete[group] = given[group]
    return complete


def group_label(group: Any, style: GroupStyle) -> str:
    """A group's legend label; a strategy group not named after its strategy adds it:
    ``"customer-centric (4C)"``."""
    text = label_text(group)
    if style.strategy is not None and text != style.strategy:
        return f"{text} ({style.strategy})"
    return text


def legend_below(figure: Figure, handles: Sequence[Any], labels: Sequence[str],
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
