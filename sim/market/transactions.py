"""A transaction log: one row per purchase, as a firm's sales system would record it.

:class:`TransactionLog` observes a running :class:`~sim.market.model.MarketModel` after each
period (like :class:`~sim.market.consumer_panel.PurchasePanel`) and keeps every purchase: the
customer, the period, the firm, the units, the revenue and the margin of the purchase, and the
period the customer first bought from that firm (its acquisition). Nobody is a customer at
period 0: every relationship in the log is acquired during the run.

Money and units are **per customer** (what one customer bought and paid); a simulated customer
stands for ``weight = market.size / market.customers`` real ones, so summing
``weight * units`` (or ``weight * revenue``) by firm and period gives the time series' units
and revenue, to rounding (the time series books the float32 per-purchase values summed in
float64 times the weight). The margin of a purchase is its revenue less the cost of goods,
the per-unit service and convenience costs, service recovery and redeemed points; costs that
are not a purchase's (promotion, fixed costs, relationship levels, programs' upkeep) are not
in it. Everything is vectorised: a period costs one copy of its buyers' arrays.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.market.model import MarketModel

__all__ = ["DEFAULT_START", "PERIOD_UNITS", "TRANSACTION_COLUMNS", "TransactionLog", "calendar"]

DEFAULT_START = "2026-01-01"
"""Period 1's date in a transaction log unless a start date is given."""
PERIOD_UNITS = {"day": "1D", "week": "1W", "month": "1M", "quarter": "3M", "year": "1Y"}
"""The calendar length of a period, by the scenario's ``period_unit`` (singular or plural)."""
_LENGTH = re.compile(r"^\s*(\d+)\s*([DWMY])\s*$", re.IGNORECASE)
_OFFSET = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}


def calendar(start: str, length: str | None, unit: str) -> tuple[str, pd.DateOffset]:
    """A log's calendar: period 1's date (``YYYY-MM-DD``) and one period's length (``1D``,
    ``2W``, ``1M``, ``3M``, ``1Y`` ...; by default from the period unit).

    Raises:
        ValueError: a date or length that is not one, or a period unit with no calendar length
            and no length given (the message names the option to give).
    """
    try:
        day = date.fromisoformat(start.strip())
    except ValueError:
        raise ValueError(f"--start-date: a date is YYYY-MM-DD, e.g. 2026-01-01 (got"
                         f" {start!r})") from None
    text = length if length is not None else PERIOD_UNITS.get(unit.strip().lower().rstrip("s"))
    if text is None:
        raise ValueError(f"--period-length: the scenario's period unit '{unit}' is not a day,"
                         " week, month, quarter or year: give the calendar length of one"
                         " period, e.g. --period-length 2W")
    match = _LENGTH.match(text)
    if not match or int(match[1]) < 1:
        raise ValueError(f"--period-length: a length is a whole number and D, W, M or Y, e.g."
                         f" 1M or 2W (got {text!r})")
    return day.isoformat(), pd.DateOffset(**{_OFFSET[match[2].upper()]: int(match[1])})

TRANSACTION_COLUMNS: dict[str, str] = {
    "customer_id": "the customer (0 .. customers - 1, the same customer in every row)",
    "period": "the period of the purchase (1 = first)",
    "firm": "the firm bought from",
    "units": "units bought (per customer)",
    "revenue": "money paid (per customer), after any discount",
    "margin": "revenue less cost of goods, per-unit service and convenience, recovery and"
              " redeemed points (per customer)",
    "weight": "real customers this simulated customer stands for (market.size / customers)",
    "segment": "the customer's segment",
    "acquired": "the period the customer first bought from this firm",
}
"""The columns of ``transactions.parquet`` (and ``date`` when a calendar is given)."""


class TransactionLog:
    """Every purchase of a market, observed after each period.

    Args:
        model: the market, before its first period (acquisitions are counted from period 1).
        start, length: the calendar (:func:`calendar`): period 1's date and one period's
            length; without them the table has no ``date`` column.
    """

    def __init__(self, model: MarketModel, start: str | None = None,
                 length: pd.DateOffset | None = None) -> None:
        self.start, self.length = start, length
        if model.period != 0:
            raise ValueError("a transaction log observes a market from its first period")
        slots, n = model.state.aware.shape
        self._first = np.zeros((slots, n), dtype=np.int32)
        self._parts: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                np.ndarray]] = []

    def observe(self, model: MarketModel) -> None:
        """Record the purchases of the period the model has just run."""
        period = model.last_period
        if period is None or period.t != model.period:
            return
        t = period.t
        for slot, (bi, revenue, margin, units) in sorted(period.sales.items()):
            if bi.size == 0:
                continue
            first = self._first[slot]
            new = first[bi] == 0
            first[bi[new]] = t
            self._parts.append((t, slot, bi.astype(np.int32), np.asarray(units, np.float32),
                                np.asarray(revenue, np.float32),
                                np.asarray(margin, np.float32), first[bi].copy()))

    def frame(self, model: MarketModel) -> pd.DataFrame:
        """The log as a table (:data:`TRANSACTION_COLUMNS`), ordered by period, firm and
        customer; with a calendar, a ``date`` column: the first day of the purchase's
        period."""
        start, length = self.start, self.length
        names, pop = model.names, model.population
        if self._parts:
            periods = np.concatenate([np.full(p[2].size, p[0], np.int32) for p in self._parts])
            slots = np.concatenate([np.full(p[2].size, p[1], np.int16) for p in self._parts])
            customers = np.concatenate([p[2] for p in self._parts])
            units, revenue, margin, acquired = (np.concatenate([p[k] for p in self._parts])
                                                for k in (3, 4, 5, 6))
        else:
            periods = customers = acquired = np.zeros(0, np.int32)
            slots = np.zeros(0, np.int16)
            units = revenue = margin = np.zeros(0, np.float32)
        table = pd.DataFrame({
            "customer_id": customers, "period": periods,
            "firm": pd.Categorical.from_codes(slots, categories=list(names)),
            "units": units, "revenue": revenue, "margin": margin,
            "weight": np.full(customers.size, float(model.spec.market.weight)),
            "segment": pd.Categorical.from_codes(pop.segment[customers].astype(np.int16),
                                                 categories=list(pop.segment_names)),
            "acquired": acquired})
        if start is not None and length is not None:
            origin = pd.Timestamp(start)
            offsets = {t: origin + (t - 1) * length for t in np.unique(periods).tolist()}
            table.insert(2, "date", pd.to_datetime(pd.Series(periods).map(offsets)))
        return table
