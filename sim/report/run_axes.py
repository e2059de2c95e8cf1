"""The parts every run figure shares: the time axis, one line per firm, the firm legend, titles.

Core objects:
    time_axis: the period axis over the run's span, in whole periods, with a light grid.
    firm_lines: one line per firm, a gap at each NaN, and a tick at each strategy switch.
    firm_legend: the firms and their strategies below the figure, in rows as even as fit.
    figure_title: a figure's own title after the run's title.

Conventions:
    * A firm keeps its colour in every figure (:func:`sim.report.style.firm_colours`, in order of
      first appearance).
    * When a firm switched strategy, a short tick in the firm's colour on the time axis marks
      each switch period (a dotted line in the class panels), and the legend explains it.
    * Runs of ``MARKER_MAX_PERIODS`` periods or fewer get point markers, so a value between two
      gaps stays visible.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.report.run_table import RunTable
from sim.report.style import (
    LEGEND_ENTRY_EXTRA_CHARS,
    LEGEND_ROW_CHARS,
    LINE_WIDTH,
    MARKER_MAX_PERIODS,
)

__all__ = ["SWITCH_TICK_HEIGHT", "figure_title", "firm_legend", "firm_lines", "time_axis"]

SWITCH_TICK_HEIGHT = 0.06
"""Height of a strategy-switch tick, as a fraction of the axes height."""


def figure_title(title: str, subject: str) -> str:
    return f"{title}: {subject}" if title.strip() else subject


def time_axis(axes: Axes, run: RunTable, period_unit: str, label: bool = True) -> None:
    first, last = float(run.periods[0]), float(run.periods[-1])
    if first == last:
        first, last = first - 0.5, last + 0.5
    axes.set_xlim(first, last)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if label:
        axes.set_xlabel(f"period ({period_unit})")
    axes.grid(True, color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)


def firm_lines(
    axes: Axes,
    run: RunTable,
    columns: str | tuple[str, ...],
    scale: float = 1.0,
    linestyle: str = "-",
) -> None:
    """One line per firm of a column (or the sum of columns, times scale), gaps at NaN, and a
    tick at each strategy switch."""
    names = (columns,) if isinstance(columns, str) else columns
    marker = "o" if len(run.periods) <= MARKER_MAX_PERIODS else None
    for firm in run.firms:
        x, y = run.series(firm, names[0])
        for name in names[1:]:
            y = y + run.series(firm, name)[1]
        colour = run.colours[firm]
        axes.plot(
            x,
            y * scale,
            color=colour,
            linewidth=LINE_WIDTH,
            linestyle=linestyle,
            marker=marker,
            markersize=3,
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


def firm_legend(
    figure: Figure, run: RunTable, extra: Sequence[Artist] = (), linestyle: str = "-"
) -> None:
    handles: list[Artist] = [
        Line2D(
            [],
            [],
            color=run.colours[f],
            linewidth=LINE_WIDTH,
            linestyle=linestyle,
            label=run.labels[f],
        )
        for f in run.firms
    ]
    handles.extend(extra)
    if run.any_switch():
        handles.append(
            Line2D(
                [],
                [],
                color="#444444",
                marker="|",
                linestyle="none",
                markersize=9,
                markeredgewidth=2,
                label="strategy switch",
            )
        )
    widths = [len(str(handle.get_label())) + LEGEND_ENTRY_EXTRA_CHARS for handle in handles]
    if sum(widths) <= LEGEND_ROW_CHARS:
        columns = len(handles)
    else:
        most = max(1, min(len(handles), LEGEND_ROW_CHARS // max(widths)))
        rows = -(-len(handles) // most)
        columns = -(-len(handles) // rows)  # rows as even as the width allows
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncols=columns,
        frameon=False,
        fontsize="small",
        handlelength=2.4,
    )
