"""The parts every run figure shares: the time axis, one line per firm, the firm legend, titles.

Core objects:
    time_axis: the period axis over the run's span, in whole periods, with a light grid.
    firm_lines: one line per firm, a gap at each NaN, in the style of the strategy it runs, and
        a tick at each strategy switch.
    firm_legend: the firms and their strategies below the figure, in rows as even as fit.
    legend_columns: how many columns a legend of these entries takes.
    figure_title: a figure's own title after the run's title.

Conventions:
    * A firm keeps its colour in every figure: its position among the scenario's firms
      (:func:`sim.report.style.firm_colours`).
    * A firm's line takes the line style (and, in short runs, the marker) of the strategy it
      runs at each period (:func:`sim.report.style.strategy_look`), as the strategy's arm does
      in a compare's figures. When a firm switched strategy, the line changes style at the
      switch, a short tick in the firm's colour on the time axis marks each switch period (a
      dotted line in the class panels), and the legend shows the line style of each strategy.
    * Every time axis has the same ticks (:func:`sim.report.style.period_locator`).
    * Runs of ``MARKER_MAX_PERIODS`` periods or fewer get point markers, so a value between two
      gaps stays visible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.report.run_table import RunTable
from sim.report.style import (
    INK,
    LEGEND_ENTRY_EXTRA_CHARS,
    LEGEND_ROW_CHARS,
    LINE_WIDTH,
    MARKER_MAX_PERIODS,
    period_locator,
    strategy_look,
)

__all__ = [
    "SWITCH_TICK_HEIGHT",
    "figure_title",
    "firm_legend",
    "firm_lines",
    "legend_columns",
    "time_axis",
]

SWITCH_TICK_HEIGHT = 0.06
"""Height of a strategy-switch tick, as a fraction of the axes height."""


def figure_title(title: str, subject: str) -> str:
    return f"{title}: {subject}" if title.strip() else subject


def time_axis(axes: Axes, run: RunTable, period_unit: str, label: bool = True) -> None:
    first, last = float(run.periods[0]), float(run.periods[-1])
    if first == last:
        first, last = first - 0.5, last + 0.5
    axes.set_xlim(first, last)
    axes.xaxis.set_major_locator(period_locator())
    if label:
        axes.set_xlabel(f"period ({period_unit})")
    axes.grid(True, color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)


def _markers(run: RunTable) -> bool:
    return len(run.periods) <= MARKER_MAX_PERIODS


def firm_lines(
    axes: Axes,
    run: RunTable,
    columns: str | tuple[str, ...],
    scale: float = 1.0,
) -> None:
    """One line per firm of a column (or the sum of columns, times scale), gaps at NaN, each
    stretch in the style of the firm's strategy then, and a tick at each strategy switch."""
    names = (columns,) if isinstance(columns, str) else columns
    for firm in run.firms:
        x, y = run.series(firm, names[0])
        for name in names[1:]:
            y = y + run.series(firm, name)[1]
        colour = run.colours[firm]
        strategies = run.strategies[firm]
        starts = [0, *np.flatnonzero(strategies[1:] != strategies[:-1]) + 1]
        for index, start in enumerate(starts):
            last = index == len(starts) - 1
            stop = len(x) if last else starts[index + 1] + 1  # join the next stretch
            linestyle, marker = strategy_look(strategies[start])
            axes.plot(
                x[start:stop],
                y[start:stop] * scale,
                color=colour,
                linewidth=LINE_WIDTH,
                linestyle=linestyle,
                marker=marker if _markers(run) else None,
                markevery=None if last else slice(0, stop - start - 1),
                markersize=3.5,
            )
        for period in run.switches[firm]:
            axes.axvline(
                period,
                ymin=0,
                ymax=SWITCH_TICK_HEIGHT,
                color=colour,
                linewidth=2.2,
                solid_capstyle="butt",
            )


def legend_columns(labels: Sequence[str]) -> int:
    """Columns of a legend below the figure: one row if it fits, else rows as even as fit."""
    widths = [len(label) + LEGEND_ENTRY_EXTRA_CHARS for label in labels]
    if sum(widths) <= LEGEND_ROW_CHARS:
        return max(1, len(labels))
    most = max(1, min(len(labels), LEGEND_ROW_CHARS // max(widths)))
    rows = -(-len(labels) // most)
    return -(-len(labels) // rows)


def firm_legend(figure: Figure, run: RunTable, extra: Sequence[Artist] = ()) -> None:
    """The firms (each in its colour and the style of its first strategy), ``extra`` entries,
    and, when a firm switched, the switch tick and the line style of each strategy."""
    marker = _markers(run)
    handles: list[Artist] = []
    for firm in run.firms:
        linestyle, symbol = strategy_look(run.strategies[firm][0])
        handles.append(Line2D([], [], color=run.colours[firm], linewidth=LINE_WIDTH,
                              linestyle=linestyle, marker=symbol if marker else None,
                              markersize=3.5, label=run.labels[firm]))
    handles.extend(extra)
    if run.any_switch():
        handles.append(Line2D([], [], color="#444444", marker="|", linestyle="none",
                              markersize=9, markeredgewidth=2, label="strategy switch"))
        used = dict.fromkeys(s for f in run.firms if run.switches[f] for s in run.strategies[f])
        for strategy in used:
            linestyle, symbol = strategy_look(strategy)
            handles.append(Line2D([], [], color=INK, linewidth=LINE_WIDTH, linestyle=linestyle,
                                  marker=symbol if marker else None, markersize=3.5,
                                  label=f"{strategy} line"))
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncols=legend_columns([str(h.get_label()) for h in handles]),
        frameon=False,
        fontsize="small",
        handlelength=2.4,
    )
