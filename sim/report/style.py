"""The look every figure shares: size, resolution, colours, line styles, number format, files.

Core objects:
    firm_colours, scenario_firms: one colour per firm, by its position among the scenario's
        firms (incumbents in file order, then entrants), the same in every figure.
    strategy_look: the line style and marker of a strategy (4P, 4C, 4R, fixed, custom).
    GroupStyle, group_styles, arm_styles: how an experiment draws its groups (arms, grid
        levels): strategies of one firm in that firm's colour, anything else in greys.
    variant_greys: the greys of groups that are not firms (grid categories, index bars).
    period_locator: the ticks of every time axis.
    new_figure: an empty figure on its own Agg canvas.
    compact_number: tick labels for money and counts (1234 -> '1.23k').
    save: write a figure as PNG or SVG atomically; figure_bytes, png_bytes: the same as bytes;
        to_data_uri: a figure as an embeddable PNG.

Rules (one place, so that figures, the HTML report and the dashboard agree):
    * **A firm's colour is its position among the scenario's firms**:
      ``firm_colours(scenario.all_firm_names())``, incumbents in file order, then entrants.
      It does not depend on which firms a table happens to hold or in which order its rows
      come, so the same scenario colours the same firm the same way in a run's figures, an
      experiment's figures and the dashboard. Grey is never a firm's colour (it marks the
      outside option and groups that are not firms).
    * **A strategy has a line style and a marker of its own** (``STRATEGY_LOOKS``): 4P solid
      circles, 4C dashed squares, 4R dash-dot triangles, fixed dotted diamonds, any user
      strategy dash-dot-dot with down triangles. A firm's line in a run figure takes the style
      of the strategy it runs at that period, so the style means the same in every figure.
    * **An experiment's groups** (arms, grid levels) that differ in one firm's strategy are that
      firm's strategies: drawn in that firm's colour with each strategy's style, so "4C" never
      takes the colour another figure gives to a firm. Every other group is a *variant*: a grey
      (``VARIANT_GREYS``) with a marker of its own (``VARIANT_MARKERS``), never a firm's colour.

Each figure is a ``matplotlib.figure.Figure`` drawn on its own Agg canvas; pyplot is not
imported, so no global figure registry, backend or rcParams is touched, nothing leaks, and the
functions are safe to call from threads and worker processes. Text is plain text
(:func:`plain_text`): a ``$`` in a firm's, arm's or scenario's name is a dollar sign, not
mathtext. Figures are written at
``FIGURE_DPI`` (150, sharp on slides and paper) as PNG, or as SVG on request.
"""

from __future__ import annotations

import base64
import functools
import io
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.files import atomic_write

if TYPE_CHECKING:
    from sim.scenario.spec import Scenario

__all__ = [
    "FIGURE_DPI",
    "FIGURE_FORMATS",
    "FIGURE_SIZE_IN",
    "FIRM_PALETTE",
    "INK",
    "LEGEND_ENTRY_EXTRA_CHARS",
    "LEGEND_ROW_CHARS",
    "LINE_WIDTH",
    "MARKER_MAX_PERIODS",
    "OUTSIDE_OPTION_COLOUR",
    "STRATEGY_LOOKS",
    "VARIANT_GREYS",
    "VARIANT_MARKERS",
    "GroupStyle",
    "arm_styles",
    "check_format",
    "compact_number",
    "figure_bytes",
    "firm_colours",
    "group_styles",
    "new_figure",
    "period_locator",
    "plain_text",
    "png_bytes",
    "save",
    "scenario_firms",
    "strategy_look",
    "to_data_uri",
    "variant_greys",
    "variant_style",
]

FIGURE_SIZE_IN: tuple[float, float] = (8.0, 4.5)
"""Width and height of every figure, inches (the class grid grows taller beyond two rows)."""
FIGURE_DPI = 150
"""Resolution of the PNG files, dots per inch (8 x 4.5 in -> 1200 x 675 pixels): sharp when a
figure fills a slide or a column of print (110 dpi looked soft there)."""
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg")
"""File formats the figure writers take: PNG (default) or SVG (vector, for print and editing)."""
MARKER_MAX_PERIODS = 24
"""Runs this short or shorter get point markers, so a value between two gaps stays visible."""
LINE_WIDTH = 1.8
LEGEND_ROW_CHARS = 120
"""About how many characters of legend text fit across a figure (small font, 8 in wide)."""
LEGEND_ENTRY_EXTRA_CHARS = 7
"""Width of a legend entry's line sample and spacing, in characters."""
PERIOD_TICK_BINS = 6
"""Most intervals between period ticks; steps of 1, 2, 3, 6, 12, 24 ... read as months."""
INK = "#333333"
"""Lines that are no firm and no group (a response curve, a legend key of line styles)."""

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
"""Firm colours by the firm's position in the scenario; repeats after 18 firms."""
OUTSIDE_OPTION_COLOUR = "#7f7f7f"

STRATEGY_LOOKS: dict[str, tuple[Any, str]] = {
    "4P": ("-", "o"),
    "4C": ("--", "s"),
    "4R": ("-.", "^"),
    "fixed": (":", "D"),
}
"""Line style and marker of each built-in strategy."""
CUSTOM_STRATEGY_LOOK: tuple[Any, str] = ((0, (5, 1.5, 1, 1.5, 1, 1.5)), "v")
"""Line style and marker of any other (user) strategy: dash-dot-dot, down triangles."""
VARIANT_GREYS: tuple[str, ...] = ("#1a1a1a", "#6b6b6b", "#a8a8a8")
"""Greys of groups that are not a firm's strategies: dark, mid, light (none is the outside
option's grey, and none is a firm colour)."""
VARIANT_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")
"""Markers of variant groups, so that two greys stay apart; with the greys, 21 distinct looks."""


def firm_colours(firms: Sequence[str]) -> dict[str, str]:
    """Give each firm a colour, by its position in ``firms``.

    Args:
        firms: the scenario's firm names in order (``Scenario.all_firm_names()`` or
            :func:`scenario_firms`); repeated names keep their first colour.

    Returns:
        A hex colour (``"#rrggbb"``) per firm, from ``FIRM_PALETTE``. Grey is never used for a
        firm (it marks the outside option). Beyond 18 firms the palette repeats.
    """
    ordered = list(dict.fromkeys(firms))
    return {firm: FIRM_PALETTE[i % len(FIRM_PALETTE)] for i, firm in enumerate(ordered)}


def scenario_firms(scenario: Scenario | Mapping[str, Any]) -> list[str]:
    """The scenario's firms in colour order: incumbents in file order, then entrants.

    Args:
        scenario: a :class:`~sim.scenario.spec.Scenario`, or a resolved scenario as plain data
            (as an experiment's manifest stores each design point's scenario).
    """
    if not isinstance(scenario, Mapping):
        return list(scenario.all_firm_names())
    entrants = [(event.get("add_firm") or {}).get("name") for event in
                scenario.get("events") or []]
    return [*scenario.get("firms", {}), *(name for name in entrants if name)]


def strategy_look(strategy: str) -> tuple[Any, str]:
    """The line style and marker of a strategy; a user strategy gets the custom look."""
    return STRATEGY_LOOKS.get(str(strategy), CUSTOM_STRATEGY_LOOK)


@dataclass(frozen=True)
class GroupStyle:
    """How one group of an experiment figure (an arm, a grid level) is drawn.

    ``strategy`` and ``firm`` are set when the group is that firm's strategy (drawn in the
    firm's colour with the strategy's look); for a variant group both are None.
    """

    colour: str
    linestyle: Any
    marker: str
    strategy: str | None = None
    firm: str | None = None


def variant_greys(count: int) -> list[str]:
    """``count`` greys from dark to light for categories that are not firms (grid cells, bars)."""
    if count <= 1:
        return [VARIANT_GREYS[0]][:count]
    low, high = 0x26, 0xc8
    steps = [round(low + (high - low) * i / (count - 1)) for i in range(count)]
    return [f"#{s:02x}{s:02x}{s:02x}" for s in steps]


def variant_style(index: int) -> GroupStyle:
    """The look of the ``index``-th variant group (0-based): a grey and a marker, cycling
    through 3 greys and 7 markers, so the first 21 variants all differ."""
    grey = VARIANT_GREYS[index % len(VARIANT_GREYS)]
    return GroupStyle(grey, "-", VARIANT_MARKERS[index % len(VARIANT_MARKERS)])


def group_styles(groups: Iterable[Any], strategies: Mapping[Any, str] | None = None,
                 colour: str | None = None, firm: str | None = None) -> dict[Any, GroupStyle]:
    """The style of each group of an experiment figure, in the order given.

    Rule: a group is drawn as a strategy (``colour``, the strategy's line style and marker)
    when no other group has a strategy with the same look, or, when several share it, when it
    is the one named after that strategy (a compare's arm "4P" beside a variant "cheap" that
    also runs 4P). Every other group is a variant: a grey with a marker, by its position among
    the variants. So two groups never look the same, and a group that is not a strategy never
    takes a firm's colour.

    Args:
        groups: the groups in drawing order (design order).
        strategies: the strategy of ``firm`` in each group; groups missing are variants.
        colour: the firm's colour (:func:`firm_colours`); without it every group is a variant.
        firm: the firm whose strategies the groups are.
    """
    groups = list(dict.fromkeys(groups))
    strategies = dict(strategies or {}) if colour else {}
    sharing: dict[Any, list[Any]] = {}
    for group in groups:
        if group in strategies:
            sharing.setdefault(strategy_look(strategies[group]), []).append(group)
    chosen = set()
    for members in sharing.values():
        named = [g for g in members if str(g) == str(strategies[g])]
        if len(members) == 1 or named:
            chosen.add(members[0] if len(members) == 1 else named[0])
    styles: dict[Any, GroupStyle] = {}
    variants = 0
    for group in groups:
        if group in chosen and colour is not None:
            linestyle, marker = strategy_look(strategies[group])
            styles[group] = GroupStyle(colour, linestyle, marker, str(strategies[group]), firm)
        else:
            styles[group] = variant_style(variants)
            variants += 1
    return styles


def arm_styles(runs: pd.DataFrame, column: str,
               scenarios: Mapping[str, Mapping[str, Any]] | None,
               firm: str | None = None) -> dict[Any, GroupStyle]:
    """The style of each value of ``column`` in an experiment's runs table (:func:`group_styles`).

    Which firm the groups are strategies of: the firms whose strategy differs between the
    groups' scenarios; ``firm`` (the analysed firm) when it is one of them, else the first in
    the scenario's order. No such firm: every group is a variant.

    Args:
        runs: the runs table: ``column`` and ``point`` (the design point of each run), in
            design order.
        column: the group column, e.g. ``"arm"`` or a grid factor.
        scenarios: the resolved scenario of each design point, as plain data (the manifest's
            ``scenarios``); they give the firms' order (colours) and strategies. None: no
            scenario is known, and every group is a variant.
        firm: the analysed firm, preferred when its strategy varies.
    """
    groups = list(dict.fromkeys(runs[column].dropna())) if column in runs.columns else []
    scenarios = scenarios or {}
    order = list(dict.fromkeys(f for s in scenarios.values() for f in scenario_firms(s)))
    run_strategies: dict[str, dict[Any, str]] = {f: {} for f in order}
    if "point" in runs.columns and column in runs.columns:
        for group, point in runs[[column, "point"]].drop_duplicates(column).itertuples(
                index=False):
            for name, strategy in _strategies(scenarios.get(str(point)) or {}).items():
                run_strategies.setdefault(name, {})[group] = strategy
    varying = [f for f, by_group in run_strategies.items()
               if len(by_group) == len(groups) and len(set(by_group.values())) > 1]
    if not varying:
        return group_styles(groups)
    chosen = firm if firm in varying else varying[0]
    return group_styles(groups, run_strategies[chosen], firm_colours(order)[chosen], chosen)


def _strategies(scenario: Mapping[str, Any]) -> dict[str, str]:
    """Each firm's strategy at the start of a resolved scenario (entrants: when they enter)."""
    found = {name: str(spec.get("strategy")) for name, spec in
             (scenario.get("firms") or {}).items()}
    for event in scenario.get("events") or []:
        entrant = event.get("add_firm") or {}
        if entrant.get("name"):
            found[entrant["name"]] = str(entrant.get("strategy"))
    return found


def period_locator() -> MaxNLocator:
    """Ticks of a time axis: whole periods, steps of 1, 2, 3, 6, 12, 24, 60 ... at most
    ``PERIOD_TICK_BINS`` intervals. Independent of the panel's width, so every figure of a run
    (its class panels too) and every band figure of an experiment marks the same periods."""
    return MaxNLocator(nbins=PERIOD_TICK_BINS, integer=True, steps=[1, 1.2, 2, 2.4, 3, 6, 10])


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


def check_format(fmt: str) -> str:
    """``fmt`` if it is a figure format (``FIGURE_FORMATS``); else a ValueError naming them."""
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"figure format must be one of {', '.join(FIGURE_FORMATS)}"
                         f" (got {fmt!r})")
    return fmt


def save(fig: Figure, path: str | os.PathLike[str], fmt: str = "png") -> Path:
    """Write ``fig`` as ``fmt`` (png or svg) at ``path`` (parent folders created), atomically.

    The file is written under a temporary name in the same folder and renamed into place, so
    a reader never sees half a file; an existing file is replaced.

    Raises:
        ValueError: ``fmt`` is not png or svg, or ``path`` ends in another suffix.
    """
    check_format(fmt)
    if Path(path).suffix.lower() != f".{fmt}":
        raise ValueError(f"{path}: a {fmt} figure's file name ends in .{fmt}")
    return atomic_write(path, figure_bytes(fig, fmt), durable=False)


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """``fig`` as PNG (at ``FIGURE_DPI``) or SVG bytes, on white, without a software stamp or a
    date (the same PNG figure gives the same bytes)."""
    buffer = io.BytesIO()
    metadata = {"Software": None} if check_format(fmt) == "png" else {"Date": None}
    fig.savefig(buffer, format=fmt, dpi=FIGURE_DPI, facecolor="white", metadata=metadata)
    return buffer.getvalue()


def png_bytes(fig: Figure) -> bytes:
    """``fig`` as PNG bytes at the figures' resolution (:func:`figure_bytes`)."""
    return figure_bytes(fig, "png")


def to_data_uri(fig: Figure) -> str:
    """``fig`` as a ``data:image/png;base64,...`` URI, to embed in an HTML page."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig)).decode("ascii")


def plain_text[**P, R](draw: Callable[P, R]) -> Callable[P, R]:
    """Decorator: the figure function's texts are plain text, never mathtext, so a name with
    ``$`` in it (``"$x^$"``) is drawn as written instead of failing to parse. Matplotlib reads
    ``text.parse_math`` when a text is made, so the setting holds for the figure's lifetime;
    ``rc_context`` restores everything else on the way out."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context({"text.parse_math": False}):
            return draw(*args, **kwargs)

    return wrapper
