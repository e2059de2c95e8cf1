"""Figures of one run: loyalty, profit, market share, satisfaction and loyalty classes.

Core objects:
    write_run_figures: one run's tidy time-series table -> five PNG files.
    firm_colours: one stable colour per firm, shared by every figure.

The figures read the tidy table a run emits (one row per period and firm), never a live model
(DESIGN.md, principle 6). Each figure is a ``matplotlib.figure.Figure`` drawn on its own Agg
canvas; pyplot is not imported, so no global figure registry, backend or rcParams is touched,
nothing leaks, and the functions are safe to call from threads and worker processes.

What the figures show (MODEL.md, section 1: "loyalty and profit over time"):
    loyalty.png       loyal customers toward each firm as a share of the market's N customers;
                      beside it, repeat + loyal (repeat buying with or without attitude, so the
                      gap between the panels is the behavioural, possibly spurious, part of
                      loyalty; Dick & Basu 1994), dashed.
    profit.png        profit per period and cumulative profit, each with a zero line.
    share.png         market share in units per firm, and the outside option as 1 - the sum of
                      the firms' shares (grey, dashed).
    satisfaction.png  mean satisfaction and mean trust over each firm's active customers (0..1).
    classes.png       customers by loyalty class (potential, new, repeat, loyal, lapsed), stacked,
                      one small panel per firm.

Conventions:
    * Firms are ordered by first appearance (earliest period, then row order), so an entrant
      comes after the incumbents, and keeps its colour in every figure.
    * A firm's line spans its first to its last row. A missing row or a NaN inside that span is
      drawn as a gap, never as zero.
    * The legend names each firm with its strategy; when the firm switched, the label lists its
      strategies in order ("Beta (4P→4C)") and a short tick in the firm's colour on the time axis
      marks each switch period (a dotted line in the class panels).
    * Files are written to a temporary name and renamed, so a reader never sees half a PNG.
"""

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.files import atomic_write

__all__ = ["firm_colours", "write_run_figures"]

FIGURE_SIZE_IN: tuple[float, float] = (8.0, 4.5)
"""Width and height of every figure, inches (the class grid grows taller beyond two rows)."""
FIGURE_DPI = 110
"""Resolution of the PNG files, dots per inch (8 x 4.5 in -> 880 x 495 pixels)."""
CLASS_ROW_HEIGHT_IN = 2.0
"""Extra height per row of class panels beyond two rows, inches."""
CLASS_PANEL_COLUMNS = 4
"""Most class panels in one row."""
MARKER_MAX_PERIODS = 24
"""Runs this short or shorter get point markers, so a value between two gaps stays visible."""
LINE_WIDTH = 1.8
LEGEND_ROW_CHARS = 120
"""About how many characters of legend text fit across a figure (small font, 8 in wide)."""
LEGEND_ENTRY_EXTRA_CHARS = 7
"""Width of a legend entry's line sample and spacing, in characters."""
SWITCH_TICK_HEIGHT = 0.06
"""Height of a strategy-switch tick, as a fraction of the axes height."""

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

LOYALTY_CLASSES: tuple[str, ...] = ("potential", "new", "repeat", "loyal", "lapsed")
"""Loyalty classes in life-cycle order (MODEL.md, section 2), as the legend lists them."""
CLASS_STACK_ORDER: tuple[str, ...] = ("loyal", "repeat", "new", "potential", "lapsed")
"""Bottom to top in the class panels: the firm's core at the base, the lost on top."""
CLASS_COLOURS: dict[str, str] = {
    "loyal": "#1b7837",
    "repeat": "#5aae61",
    "new": "#a6dba0",
    "potential": "#d1e5f0",
    "lapsed": "#f4a582",
}

REQUIRED_COLUMNS: tuple[str, ...] = (
    "period",
    "firm",
    "strategy",
    "share_units",
    "profit",
    "cumulative_profit",
    "satisfaction",
    "trust",
    *LOYALTY_CLASSES,
)


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


def write_run_figures(
    timeseries: pd.DataFrame,
    out_dir: Path,
    *,
    customers: int,
    title: str = "",
    period_unit: str = "month",
) -> dict[str, Path]:
    """Draw the five standard figures of one run and write them as PNG files.

    Args:
        timeseries: one run's tidy table, one row per (period, firm), with at least the columns
            in ``REQUIRED_COLUMNS``; other columns are ignored. Firms may enter mid-run and
            change strategy mid-run; NaN values are drawn as gaps.
        out_dir: directory for the files; created if missing. Existing files are replaced.
        customers: N, the number of customers in the scenario (the denominator of the loyalty
            shares).
        title: scenario or run title, put before each figure's own title.
        period_unit: what one period is ("month", "week", ...), used in axis labels.

    Returns:
        ``{"loyalty", "profit", "share", "satisfaction", "classes"}`` mapped to the paths of
        ``loyalty.png``, ``profit.png``, ``share.png``, ``satisfaction.png``, ``classes.png``.

    Raises:
        ValueError: the table is empty, lacks a required column, has a period that is not a
            whole number, or has more than one row for a (period, firm); or ``customers`` is
            not a positive whole number.
    """
    if isinstance(customers, bool) or not isinstance(customers, int | np.integer):
        raise ValueError(f"customers must be a whole number of customers (got {customers!r})")
    if customers <= 0:
        raise ValueError(f"customers must be positive (got {customers})")
    run = _prepare(timeseries)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    unit = period_unit.strip() or "period"
    drawers: dict[str, Callable[[], Figure]] = {
        "loyalty": lambda: _draw_loyalty(run, customers, title, unit),
        "profit": lambda: _draw_profit(run, title, unit),
        "share": lambda: _draw_share(run, title, unit),
        "satisfaction": lambda: _draw_satisfaction(run, title, unit),
        "classes": lambda: _draw_classes(run, title, unit),
    }
    return {name: _save(draw(), out / f"{name}.png") for name, draw in drawers.items()}


# --- the table, made ready to draw ----------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """One run's table split by firm, each firm's rows indexed by period over its own span."""

    firms: list[str]
    labels: dict[str, str]
    colours: dict[str, str]
    switches: dict[str, list[int]]
    periods: np.ndarray
    by_firm: dict[str, pd.DataFrame]

    def series(self, firm: str, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Periods and values of one column for one firm, as floats (NaN for gaps)."""
        frame = self.by_firm[firm]
        return frame.index.to_numpy(dtype=float), _floats(frame[column])

    def any_switch(self) -> bool:
        return any(self.switches.values())


def _floats(values: pd.Series) -> np.ndarray:
    """A column as a float array; pandas NA and None become NaN."""
    return pd.to_numeric(values, errors="raise").astype("float64").to_numpy()


def _prepare(timeseries: pd.DataFrame) -> _Run:
    if not isinstance(timeseries, pd.DataFrame):
        raise ValueError(f"timeseries must be a pandas DataFrame (got {type(timeseries).__name__})")
    if timeseries.empty:
        raise ValueError(
            "timeseries is empty: there is nothing to plot "
            "(expected one row per period and firm of one run)"
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in timeseries.columns]
    if missing:
        raise ValueError(f"timeseries lacks columns needed for the figures: {', '.join(missing)}")

    table = timeseries.copy()
    period = pd.to_numeric(table["period"], errors="coerce").astype("float64")
    if period.isna().any() or not np.all(np.mod(period.to_numpy(), 1) == 0):
        raise ValueError("timeseries.period must hold whole numbers with no missing values")
    table["period"] = period.astype("int64")
    table["firm"] = table["firm"].astype(str)
    duplicated = table.duplicated(["period", "firm"])
    if duplicated.any():
        first = table.loc[duplicated, ["period", "firm"]].iloc[0]
        raise ValueError(
            f"timeseries has {int(duplicated.sum())} repeated (period, firm) rows, e.g. period "
            f"{first['period']} firm {first['firm']!r}; pass the table of one run"
        )
    table = table.sort_values("period", kind="stable")

    firms = list(dict.fromkeys(table["firm"]))
    labels: dict[str, str] = {}
    switches: dict[str, list[int]] = {}
    by_firm: dict[str, pd.DataFrame] = {}
    for firm in firms:
        rows = table[table["firm"] == firm].set_index("period")
        strategy = rows["strategy"].dropna().astype(str)
        changed = strategy.ne(strategy.shift())
        sequence = list(strategy[changed])
        switches[firm] = [int(p) for p in strategy.index[changed][1:]]
        labels[firm] = f"{firm} ({_strategy_path(sequence)})" if sequence else firm
        span = pd.RangeIndex(int(rows.index.min()), int(rows.index.max()) + 1, name="period")
        by_firm[firm] = rows.reindex(span)
    periods = np.arange(int(table["period"].min()), int(table["period"].max()) + 1)
    return _Run(firms, labels, firm_colours(firms), switches, periods, by_firm)


def _strategy_path(sequence: list[str]) -> str:
    if len(sequence) > 3:
        return f"{sequence[0]}→…→{sequence[-1]}"
    return "→".join(sequence)


# --- drawing helpers ------------------------------------------------------------------------


def _new_figure(size: tuple[float, float] = FIGURE_SIZE_IN) -> Figure:
    figure = Figure(figsize=size, dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(figure)  # this figure's own Agg canvas; the global backend is untouched
    return figure


def _compact_number(value: float, _position: object = None) -> str:
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


def _title(title: str, subject: str) -> str:
    return f"{title}: {subject}" if title.strip() else subject


def _time_axis(axes: Axes, run: _Run, period_unit: str, label: bool = True) -> None:
    first, last = float(run.periods[0]), float(run.periods[-1])
    if first == last:
        first, last = first - 0.5, last + 0.5
    axes.set_xlim(first, last)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if label:
        axes.set_xlabel(f"period ({period_unit})")
    axes.grid(True, color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)


def _firm_lines(
    axes: Axes,
    run: _Run,
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


def _legend(figure: Figure, run: _Run, extra: Sequence[Artist] = (), linestyle: str = "-") -> None:
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


def _save(figure: Figure, path: Path) -> Path:
    """Write a PNG atomically (a temporary file in the same folder, then a rename)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI, facecolor="white")
    return atomic_write(path, buffer.getvalue(), durable=False)


# --- the figures ----------------------------------------------------------------------------


def _draw_loyalty(run: _Run, customers: int, title: str, period_unit: str) -> Figure:
    figure = _new_figure()
    loyal_axes, repeat_axes = figure.subplots(1, 2, sharey=True)
    _firm_lines(loyal_axes, run, "loyal", scale=1.0 / customers)
    _firm_lines(repeat_axes, run, ("repeat", "loyal"), scale=1.0 / customers, linestyle="--")
    loyal_axes.set_title("Loyal (repeat buying + attitude)", fontsize="medium")
    repeat_axes.set_title("Repeat + loyal (all repeat buyers)", fontsize="medium")
    loyal_axes.set_ylabel(f"share of all {customers:,} customers")
    for axes in (loyal_axes, repeat_axes):
        _time_axis(axes, run, period_unit)
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    top = loyal_axes.get_ylim()[1]
    loyal_axes.set_ylim(0, max(min(top, 1.0), 0.01))
    figure.suptitle(_title(title, "Loyal customers"))
    _legend(figure, run)
    return figure


def _draw_profit(run: _Run, title: str, period_unit: str) -> Figure:
    figure = _new_figure()
    period_axes, cumulative_axes = figure.subplots(1, 2)
    _firm_lines(period_axes, run, "profit")
    _firm_lines(cumulative_axes, run, "cumulative_profit")
    period_axes.set_title(f"Profit per {period_unit}", fontsize="medium")
    cumulative_axes.set_title("Cumulative profit", fontsize="medium")
    period_axes.set_ylabel(f"profit per {period_unit} (money)")
    cumulative_axes.set_ylabel("cumulative profit (money)")
    for axes in (period_axes, cumulative_axes):
        axes.axhline(0, color="black", linewidth=0.8, zorder=1.5)
        _time_axis(axes, run, period_unit)
        axes.yaxis.set_major_formatter(FuncFormatter(_compact_number))
    figure.suptitle(_title(title, "Profit"))
    _legend(figure, run)
    return figure


def _draw_share(run: _Run, title: str, period_unit: str) -> Figure:
    figure = _new_figure()
    axes = figure.subplots()
    outside = _outside_option_share(run)
    axes.plot(
        run.periods,
        outside,
        color=OUTSIDE_OPTION_COLOUR,
        linestyle="--",
        linewidth=LINE_WIDTH,
    )
    _firm_lines(axes, run, "share_units")
    # From 0 to a little above the highest share, in whole tenths, at most 100%.
    plotted = np.concatenate([outside, *(run.series(f, "share_units")[1] for f in run.firms)])
    highest = float(np.nanmax(plotted, initial=0.0))
    axes.set_ylim(0, min(1.0, max(0.1, np.ceil(highest * 1.1 * 10) / 10)))
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylabel("market share (units)")
    _time_axis(axes, run, period_unit)
    figure.suptitle(_title(title, "Market share in units"))
    outside_handle = Line2D(
        [],
        [],
        color=OUTSIDE_OPTION_COLOUR,
        linestyle="--",
        linewidth=LINE_WIDTH,
        label="outside option (1 − sum)",
    )
    _legend(figure, run, extra=[outside_handle])
    return figure


def _outside_option_share(run: _Run) -> np.ndarray:
    """1 - the sum of the firms' unit shares, per period of the run.

    A firm counts only within its own span (0 before it enters); a missing share within its
    span makes the outside option unknown (NaN) for that period rather than wrongly high.
    """
    shares = np.zeros((len(run.periods), len(run.firms)))
    for column, firm in enumerate(run.firms):
        x, share = run.series(firm, "share_units")
        shares[(x - run.periods[0]).astype(int), column] = share
    return 1.0 - shares.sum(axis=1)


def _draw_satisfaction(run: _Run, title: str, period_unit: str) -> Figure:
    figure = _new_figure()
    satisfaction_axes, trust_axes = figure.subplots(1, 2, sharey=True)
    _firm_lines(satisfaction_axes, run, "satisfaction")
    _firm_lines(trust_axes, run, "trust")
    satisfaction_axes.set_title("Satisfaction", fontsize="medium")
    trust_axes.set_title("Trust", fontsize="medium")
    satisfaction_axes.set_ylabel("mean over active customers (0–1)")
    for axes in (satisfaction_axes, trust_axes):
        _time_axis(axes, run, period_unit)
        axes.set_ylim(-0.02, 1.02)
        axes.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    figure.suptitle(_title(title, "Satisfaction and trust"))
    _legend(figure, run)
    return figure


def _class_grid(count: int) -> tuple[int, int]:
    if count <= 3:
        return 1, count
    if count == 4:
        return 2, 2
    columns = min(CLASS_PANEL_COLUMNS, -(-count // 2))
    return -(-count // columns), columns


def _draw_classes(run: _Run, title: str, period_unit: str) -> Figure:
    rows, columns = _class_grid(len(run.firms))
    height = FIGURE_SIZE_IN[1] + max(0, rows - 2) * CLASS_ROW_HEIGHT_IN
    figure = _new_figure((FIGURE_SIZE_IN[0], height))
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
        _time_axis(axes, run, period_unit, label=False)
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_formatter(FuncFormatter(_compact_number))
        axes.xaxis.set_major_locator(MaxNLocator(nbins=5 if columns > 2 else "auto", integer=True))
    for axes in panels[len(run.firms) :]:
        axes.set_visible(False)
    # The lowest panel of each column carries the time axis (above a hidden panel, too).
    for index in range(len(run.firms)):
        if index + columns >= len(run.firms):
            panels[index].xaxis.set_tick_params(labelbottom=True)
            panels[index].set_xlabel(f"period ({period_unit})")
    figure.supylabel("customers (count)", fontsize="medium")
    figure.suptitle(_title(title, "Customers by loyalty class"))
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
        ncols=len(handles),
        frameon=False,
        fontsize="small",
    )
    return figure
