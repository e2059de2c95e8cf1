"""Grid figures of an experiment: a two-parameter grid of numbers, or of categories.

Core object:
    heatmap_figure: one cell per (x, y), coloured by a number or by a category (e.g. the
        winning relationship level per cell, as in Kotler's choice of level).

Rules:
    * Numbers use a sequential colour map (viridis), or a diverging one centred on zero (red
      below, blue above) when the values take both signs, e.g. a profit difference.
    * Categories (grid levels, arms) get one grey each, dark to light in legend order
      (:func:`sim.report.style.variant_greys`), and every cell carries its category's name: a
      category is not a firm, so it never takes a firm's colour (which would read as that firm
      in the run figures, the report and the dashboard).
    * Cells without a value (no ok run, or not in the design) are light grey.
    * A cell's label is black or white, whichever reads better on its colour (relative
      luminance with the Rec. 709 weights); grids above 225 cells are not annotated.

The grid is drawn from a summary table (one row per cell, e.g. from
:func:`sim.experiment.stats.arm_summary`), never a live model (DESIGN.md, principle 6).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sim.report.experiment_axes import check_frame, label_text, ordered_values
from sim.report.style import FIGURE_SIZE_IN, compact_number, new_figure, plain_text, variant_greys

__all__ = ["heatmap_figure"]

MISSING_CELL_COLOUR = "#eeeeee"
"""Grid cells with no value (no ok run, or not in the design)."""
ANNOTATION_FONT_SIZES: tuple[tuple[int, str], ...] = ((36, "medium"), (100, "small"),
                                                      (225, "x-small"))
"""Font size of cell labels by the grid's number of cells; larger grids are not annotated."""


@plain_text
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
    (``categorical_values=True``, e.g. the winning relationship level per cell) get one grey
    each (never a firm's colour) and a legend. Cells without a value are light grey.

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
        categories: every category in legend order, e.g. all levels in design order, so each
            keeps its grey whichever cells it wins. Default: the values present, numbers
            ascending.

    Raises:
        ValueError: a column is missing, the table is empty, a cell appears twice, the values
            are not numbers when ``categorical_values`` is False, or a value is not among
            ``categories``.
    """
    table = check_frame(table, "table", [x, y, value]).dropna(subset=[x, y])
    repeated = table.duplicated([x, y])
    if repeated.any():
        first = table.loc[repeated, [x, y]].iloc[0]
        raise ValueError(
            f"table has {int(repeated.sum())} repeated cells, e.g. {x}={first[x]!r} "
            f"{y}={first[y]!r}: summarise to one row per cell first"
        )
    xs, ys = ordered_values(table[x]), ordered_values(table[y])
    cells = table.set_index([y, x])[value]
    figure = new_figure((FIGURE_SIZE_IN[0], FIGURE_SIZE_IN[1] + 0.5))
    axes = figure.subplots()
    label = value_label or value
    if categorical_values:
        present = ordered_values(table[value])
        categories = list(dict.fromkeys(categories)) if categories is not None else present
        unknown = [c for c in present if c not in categories]
        if unknown:
            raise ValueError(f"{value} has values not in categories: {unknown}")
        code_of = {c: i for i, c in enumerate(categories)}
        codes = np.full((len(ys), len(xs)), np.nan)
        for (row, column), category in cells.items():
            if not pd.isna(category):
                codes[ys.index(row), xs.index(column)] = code_of[category]
        palette = variant_greys(len(categories))
        cmap = ListedColormap(palette).with_extremes(bad=MISSING_CELL_COLOUR)
        norm: Normalize = BoundaryNorm(np.arange(-0.5, len(categories) + 0.5), len(categories))
        axes.imshow(np.ma.masked_invalid(codes), cmap=cmap, norm=norm, origin="lower",
                    aspect="auto", interpolation="nearest")
        texts = np.full(codes.shape, "", dtype=object)
        for (row, column), category in cells.items():
            if not pd.isna(category):
                texts[ys.index(row), xs.index(column)] = label_text(category)
        handles = [Patch(facecolor=palette[i], label=label_text(c))
                   for i, c in enumerate(categories)]
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
        colourbar.formatter = FuncFormatter(compact_number)
        colourbar.update_ticks()
        write = number_format or (lambda v: compact_number(v))
        texts = np.array([[write(v) if np.isfinite(v) else "" for v in row] for row in numbers],
                         dtype=object)
        shown = numbers
    if annotate:
        _annotate_cells(axes, shown, texts, cmap, norm)
    axes.set_xticks(range(len(xs)), labels=[label_text(v) for v in xs])
    axes.set_yticks(range(len(ys)), labels=[label_text(v) for v in ys])
    if max((len(label_text(v)) for v in xs), default=0) * len(xs) > 60:
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
