"""The look every figure shares: size, resolution, line width, palette, number format, PNG files.

Core objects:
    firm_colours: one stable colour per firm, shared by every figure (an experiment's arms and
        categories get theirs the same way, in order of first appearance).
    new_figure: an empty figure on its own Agg canvas.
    compact_number: tick labels for money and counts (1234 -> '1.23k').
    save: write a figure as a PNG atomically; png_bytes: the same PNG as bytes; to_data_uri: a
        figure as an embeddable PNG.

Each figure is a ``matplotlib.figure.Figure`` drawn on its own Agg canvas; pyplot is not
imported, so no global figure registry, backend or rcParams is touched, nothing leaks, and the
functions are safe to call from threads and worker processes. The run figures
(:mod:`sim.report.figures`) and the experiment figures (:mod:`sim.report.experiment_figures`,
:mod:`sim.report.heatmap`) share this module's size, resolution, line width, number format and
palette. Grey is never a firm's colour: it marks the outside option.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.files import atomic_write

__all__ = [
    "FIGURE_DPI",
    "FIGURE_SIZE_IN",
    "FIRM_PALETTE",
    "LEGEND_ENTRY_EXTRA_CHARS",
    "LEGEND_ROW_CHARS",
    "LINE_WIDTH",
    "MARKER_MAX_PERIODS",
    "OUTSIDE_OPTION_COLOUR",
    "compact_number",
    "firm_colours",
    "new_figure",
    "png_bytes",
    "save",
    "to_data_uri",
]

FIGURE_SIZE_IN: tuple[float, float] = (8.0, 4.5)
"""Width and height of every figure, inches (the class grid grows taller beyond two rows)."""
FIGURE_DPI = 110
"""Resolution of the PNG files, dots per inch (8 x 4.5 in -> 880 x 495 pixels)."""
MARKER_MAX_PERIODS = 24
"""Runs this short or shorter get point markers, so a value between two gaps stays visible."""
LINE_WIDTH = 1.8
LEGEND_ROW_CHARS = 120
"""About how many characters of legend text fit across a figure (small font, 8 in wide)."""
LEGEND_ENTRY_EXTRA_CHARS = 7
"""Width of a legend entry's line sample and spacing, in characters."""

FIRM_PALETTE: tuple[str, ...] = (
    # tab10 without its grey (grey is the outside option), then the light tab20 tints.
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#dbdb8d",
    "#9edae5",
)
"""Firm colours in order of first appearance; repeats after 18 firms."""
OUTSIDE_OPTION_COLOUR = "#7f7f7f"


def firm_colours(firms: Sequence[str]) -> dict[str, str]:
    """Give each firm a colour, by its position in ``firms``.

    Args:
        firms: firm names in order of first appearance; repeated names keep their first colour.

    Returns:
        A hex colour (``"#rrggbb"``) per firm, from ``FIRM_PALETTE``. Grey is never used for a
        firm (it marks the outside option). Beyond 18 firms the palette repeats.
    """
    ordered = list(dict.fromkeys(firms))
    return {firm: FIRM_PALETTE[i % len(FIRM_PALETTE)] for i, firm in enumerate(ordered)}


def new_figure(size: tuple[float, float] = FIGURE_SIZE_IN) -> Figure:
    figure = Figure(figsize=size, dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(figure)  # this figure's own Agg canvas; the global backend is untouched
    return figure


def compact_number(value: float, _position: object = None) -> str:
    """1234 -> '1.23k', -2500000 -> '−2.5M': tick labels for money and counts."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    text = f"{value:.3g}"
    for threshold, suffix in ((1e12, "T"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if magnitude >= threshold:
            text = f"{value / threshold:.3g}{suffix}"
            break
    return text.replace("-", "\N{MINUS SIGN}")  # as matplotlib's own tick labels


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
