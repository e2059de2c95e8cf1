"""One run's tidy table, made ready to draw: checked, split by firm, each firm over its span.

Core objects:
    prepare_run: one run's tidy time-series table -> a :class:`RunTable`.
    RunTable: the table split by firm, with each firm's legend label, colour, strategy at each
        period and strategy switches, and the periods of the run.
    REQUIRED_COLUMNS: the columns the run figures read; LOYALTY_CLASSES: the loyalty classes
        (with ``unaware``, the customers who do not know the firm yet).

The figures read the tidy table a run emits (one row per period and firm), never a live model
(DESIGN.md, principle 6).

Conventions:
    * Firms are in the scenario's order when it is given (``firms``: incumbents in file order,
      then entrants, ``Scenario.all_firm_names()``), and each takes the colour of its position
      there (:func:`sim.report.style.firm_colours`), so a firm has the same colour in a run's
      figures, an experiment's figures and the dashboard. Without it (a table alone), firms are
      in order of first appearance (earliest period, then row order). Firms of the table that
      the order does not name come after it.
    * A firm's line spans its first to its last row. A missing row or a NaN inside that span is
      drawn as a gap, never as zero.
    * The legend names each firm with its strategy; when the firm switched, the label lists its
      strategies in order ("Beta (4P→4C)"), and the switch periods are kept for the figures to
      mark (:mod:`sim.report.run_axes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.report.style import firm_colours

__all__ = ["LOYALTY_CLASSES", "REQUIRED_COLUMNS", "RunTable", "prepare_run"]

LOYALTY_CLASSES: tuple[str, ...] = ("unaware", "potential", "new", "repeat", "loyal", "lapsed")
"""Loyalty classes in life-cycle order (MODEL.md, section 2), as the legend lists them; toward
each firm every customer is in exactly one of them, so they add up to the N customers."""

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


@dataclass(frozen=True)
class RunTable:
    """One run's table split by firm, each firm's rows indexed by period over its own span."""

    firms: list[str]
    labels: dict[str, str]
    colours: dict[str, str]
    strategies: dict[str, np.ndarray]
    """Each firm's strategy at each period of its span (a gap keeps the strategy before it)."""
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


def prepare_run(timeseries: pd.DataFrame, firms: Sequence[str] | None = None) -> RunTable:
    """Check one run's tidy table and split it by firm.

    Args:
        timeseries: one run's table, one row per (period, firm), with ``REQUIRED_COLUMNS``.
        firms: the scenario's firms in order (``Scenario.all_firm_names()``): the order of the
            legend and the colours. Default: order of first appearance in the table.

    Raises:
        ValueError: the table is empty, lacks a column, has a period that is not a whole
            number, or has more than one row for a (period, firm).
    """
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

    present = list(dict.fromkeys(table["firm"]))
    order = [str(f) for f in dict.fromkeys(firms or [])]
    colours = firm_colours([*order, *(f for f in present if f not in order)])
    present = [f for f in colours if f in present]
    labels: dict[str, str] = {}
    strategies: dict[str, np.ndarray] = {}
    switches: dict[str, list[int]] = {}
    by_firm: dict[str, pd.DataFrame] = {}
    for firm in present:
        rows = table[table["firm"] == firm].set_index("period")
        strategy = rows["strategy"].dropna().astype(str)
        changed = strategy.ne(strategy.shift())
        sequence = list(strategy[changed])
        switches[firm] = [int(p) for p in strategy.index[changed][1:]]
        labels[firm] = f"{firm} ({_strategy_path(sequence)})" if sequence else firm
        span = pd.RangeIndex(int(rows.index.min()), int(rows.index.max()) + 1, name="period")
        by_firm[firm] = rows.reindex(span)
        strategies[firm] = (by_firm[firm]["strategy"].astype(object).ffill().bfill()
                            .fillna("").astype(str).to_numpy())
    periods = np.arange(int(table["period"].min()), int(table["period"].max()) + 1)
    return RunTable(present, labels, {f: colours[f] for f in present}, strategies, switches,
                    periods, by_firm)


def _strategy_path(sequence: list[str]) -> str:
    if len(sequence) > 3:
        return f"{sequence[0]}→…→{sequence[-1]}"
    return "→".join(sequence)
