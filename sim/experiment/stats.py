"""Statistics of an experiment's result tables: means with confidence intervals, paired arm
differences, and bands over time.

Core objects:
    arm_summary: per arm (or grid cell) and outcome, the mean and its interval over runs.
    paired_differences: per pair of arms, the mean difference paired by replication.
    timeseries_bands: per group and period, the mean and its interval over runs.
    Interval and mean_ci, the intervals themselves (:mod:`sim.experiment.intervals`), are
        importable from here as well.

Everything here reads the two tidy tables an experiment writes (``runs``: one row per run with
its labels and ``metric@Firm`` outcomes; ``timeseries``: one row per run, period and firm), never
a live model (DESIGN.md, principle 6).

Statistical rules:
    * Every interval is the Student-t interval of the mean over runs, each run one independent
      observation (:mod:`sim.experiment.intervals`), intersected with the range the quantity
      must lie in: a share or rate in [0, 1], a paired difference of two in [-1, 1], a count
      at least 0 (:func:`~sim.experiment.intervals.value_bounds`, from the outcome's metric or
      the column's unit; the intersection keeps the coverage).
    * Missing values (NaN) are dropped before counting ``n``. Runs whose ``status`` is not
      ``"ok"`` are left out of every statistic (their outcomes are not measurements).
    * Arms are compared **paired by replication**: replication r of every arm runs on the same
      seed (common random numbers, DESIGN.md principle 2), so both arms face the same customers
      and the same luck. The difference ``b - a`` is formed within each replication present in
      both arms and its t interval taken over replications; the shared noise cancels, which
      makes the paired interval much narrower than one comparing two independent samples.
    * A difference "excludes zero" when its whole interval lies on one side of zero. With many
      pairs some will do so by chance (at level 0.95, about one pair in twenty when there is no
      effect); the report shows every pair, not only those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.intervals import (
    DEFAULT_LEVEL,
    UNBOUNDED,
    Interval,
    check_level,
    difference_bounds,
    float_array,
    mean_ci,
    value_bounds,
    with_bounds,
)

__all__ = [
    "Interval",
    "arm_summary",
    "mean_ci",
    "paired_differences",
    "timeseries_bands",
]

ValueRule = Callable[[pd.DataFrame], pd.Series]
"""A derived time-series value: the table in, one value per row out."""


# --- the runs table -------------------------------------------------------------------------


def _ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs that finished (``status == "ok"``); every run when there is no status."""
    if not isinstance(runs, pd.DataFrame):
        raise ValueError(f"runs must be a pandas DataFrame (got {type(runs).__name__})")
    if "status" in runs.columns:
        return runs[runs["status"] == "ok"]
    return runs


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{what} lacks column(s) {', '.join(map(repr, missing))} "
            f"(has: {', '.join(map(str, table.columns))})"
        )


def _as_list(columns: str | Sequence[str]) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def arm_summary(
    runs: pd.DataFrame,
    arm_col: str | Sequence[str],
    outcomes: Sequence[str],
    level: float = DEFAULT_LEVEL,
    *,
    bounded: bool = True,
) -> pd.DataFrame:
    """Mean and t interval of each outcome per arm (or per grid cell), over the runs.

    Args:
        runs: the runs table (one row per run); runs whose ``status`` is not ``"ok"`` are left
            out.
        arm_col: the label column(s) that define an arm, e.g. ``"arm"``, or two parameter paths
            for a grid (``["firms.Alpha.relationship_level", "market.customers"]``).
        outcomes: outcome columns, e.g. ``["cumulative_profit@Alpha", "loyal_share@Alpha"]``.
        level: confidence level.
        bounded: intersect each interval with its outcome's range (a share's with [0, 1]);
            ``False`` gives the plain t interval.

    Returns:
        One row per arm and outcome, arms in order of first appearance, then outcomes in the
        order given: the arm column(s), ``outcome``, ``mean``, ``low``, ``high``, ``n``, ``sd``.
        ``n`` counts runs with a value (NaN outcomes are dropped). ``attrs["level"]`` holds
        the level.

    Raises:
        ValueError: a column is missing or ``level`` is not in (0, 1).
    """
    level = check_level(level)
    arms = _as_list(arm_col)
    outcomes = list(outcomes)
    table = _ok_runs(runs)
    _require(table, [*arms, *outcomes], "runs")
    columns = [*arms, "outcome", "mean", "low", "high", "n", "sd"]
    if table.empty or not outcomes:
        return pd.DataFrame(columns=columns)
    long = table[[*arms, *outcomes]].melt(
        id_vars=arms, value_vars=outcomes, var_name="outcome", value_name="value"
    )
    long["value"] = pd.to_numeric(long["value"], errors="raise").astype("float64")
    grouped = long.groupby([*arms, "outcome"], sort=False, dropna=False)["value"]
    summary = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    ranges = [value_bounds(o) if bounded else UNBOUNDED for o in summary["outcome"]]
    summary = with_bounds(summary, level, ranges)
    # Arms in order of first appearance in the runs table, outcomes in the order given.
    arm_order = table[arms].drop_duplicates().reset_index(drop=True)
    arm_order["_arm_rank"] = np.arange(len(arm_order))
    summary = summary.merge(arm_order, on=arms, how="left")
    summary["_outcome_rank"] = summary["outcome"].map({o: i for i, o in enumerate(outcomes)})
    summary = summary.sort_values(["_arm_rank", "_outcome_rank"], kind="stable")
    summary = summary[columns].reset_index(drop=True)
    summary.attrs = {"level": level}
    return summary


def paired_differences(
    runs: pd.DataFrame,
    arm_col: str,
    outcome: str,
    level: float = DEFAULT_LEVEL,
    pair_col: str = "replication",
    *,
    baseline: Any = None,
    bounded: bool = True,
) -> pd.DataFrame:
    """Mean difference ``b - a`` of one outcome for every pair of arms, paired by replication.

    Replication r of every arm uses the same seed (common random numbers), so the difference is
    taken within each replication present in both arms (with a value in both), and its t
    interval over those replications.

    Args:
        runs: the runs table; runs whose ``status`` is not ``"ok"`` are left out (their
            replication then drops out of every pair with that arm).
        arm_col: the label column that names the arm.
        outcome: the outcome column, e.g. ``"cumulative_profit@Alpha"``.
        level: confidence level.
        pair_col: the column that pairs runs across arms (``"replication"``; ``"seed"`` works
            as well, since a replication's seed is the same in every arm). A run with no arm
            or no replication value pairs with nothing.
        baseline: when given, only the pairs (baseline, b) for every other arm b; otherwise
            every pair (a, b) with a before b in order of first appearance.
        bounded: intersect each interval with the range of a difference of two values of the
            outcome (two shares differ by at most 1: [-1, 1]); ``False`` gives the plain t
            interval.

    Returns:
        One row per pair: ``arm_a``, ``arm_b``, ``outcome``, ``mean`` (of b - a), ``low``,
        ``high``, ``n`` (paired replications), ``sd``, ``excludes_zero`` (the interval lies
        wholly above or below zero; False when it is undefined). ``attrs["level"]`` holds
        the level.

    Raises:
        ValueError: a column is missing, ``baseline`` is not an arm, an arm has more than one
            ok run for a replication (filter the table to one design cell first), or ``level``
            is not in (0, 1).
    """
    level = check_level(level)
    table = _ok_runs(runs)
    _require(table, [arm_col, pair_col, outcome], "runs")
    # One matrix: a row per replication, a column per arm (in order of first appearance).
    arm_codes, arm_values = pd.factorize(table[arm_col], sort=False)
    pair_codes, _ = pd.factorize(table[pair_col], sort=False)
    labelled = (arm_codes >= 0) & (pair_codes >= 0)  # a run without either pairs nothing
    arm_codes, pair_codes = arm_codes[labelled], pair_codes[labelled]
    cells = pair_codes.astype(np.int64) * len(arm_values) + arm_codes
    unique_cells, first_index = np.unique(cells, return_index=True)
    if len(unique_cells) < len(cells):
        repeated = np.setdiff1d(np.arange(len(cells)), first_index)
        first = table[labelled].iloc[int(repeated[0])]
        raise ValueError(
            f"runs has {len(repeated)} repeated ({arm_col}, {pair_col}) pairs, e.g. "
            f"{arm_col}={first[arm_col]!r} {pair_col}={first[pair_col]!r}: pairing would be "
            "ambiguous; filter the runs to one cell of the other design columns first"
        )
    values = float_array(table[outcome].to_numpy())[labelled]
    matrix = np.full((int(pair_codes.max(initial=-1)) + 1, len(arm_values)), np.nan)
    matrix[pair_codes, arm_codes] = values
    arms = list(arm_values)
    if baseline is not None:
        if baseline not in arms:
            raise ValueError(f"baseline {baseline!r} is not an arm (arms: {arms})")
        pairs = [(baseline, arm) for arm in arms if arm != baseline]
    else:
        pairs = list(combinations(arms, 2))
    column = {arm: index for index, arm in enumerate(arms)}
    ranges = difference_bounds(value_bounds(outcome)) if bounded else UNBOUNDED
    rows = []
    for a, b in pairs:
        interval = mean_ci(matrix[:, column[b]] - matrix[:, column[a]], level, ranges)
        rows.append(
            {
                "arm_a": a,
                "arm_b": b,
                "outcome": outcome,
                "mean": interval.mean,
                "low": interval.low,
                "high": interval.high,
                "n": interval.n,
                "sd": interval.sd,
                "excludes_zero": interval.excludes_zero(),
            }
        )
    columns = ["arm_a", "arm_b", "outcome", "mean", "low", "high", "n", "sd", "excludes_zero"]
    differences = pd.DataFrame(rows, columns=columns)
    differences.attrs = {"level": level}
    return differences


# --- the time-series table ------------------------------------------------------------------


def _derived_values(
    timeseries: pd.DataFrame,
    value_col: str | ValueRule,
    customers: int | str | None,
) -> tuple[str, pd.Series]:
    """The name and values of the quantity to band: a column, ``<count>_share``, or a rule."""
    if callable(value_col):
        values = value_col(timeseries)
        if not isinstance(values, pd.Series) or len(values) != len(timeseries):
            raise ValueError("a value rule must return a Series with one value per row")
        return str(getattr(value_col, "__name__", "value")), values
    if value_col in timeseries.columns:
        return value_col, timeseries[value_col]
    count = value_col.removesuffix("_share")
    if value_col.endswith("_share") and count in timeseries.columns:
        if customers is None:
            raise ValueError(
                f"{value_col!r} is {count} / customers: pass customers= (the market's N, or "
                "the label column that holds it, e.g. 'market.customers')"
            )
        if isinstance(customers, str):
            _require(timeseries, [customers], "timeseries")
            denominator = pd.to_numeric(timeseries[customers], errors="raise")
        else:
            if customers <= 0:
                raise ValueError(f"customers must be positive (got {customers})")
            denominator = customers
        numerator = pd.to_numeric(timeseries[count], errors="raise").astype("float64")
        return value_col, numerator / denominator
    raise ValueError(
        f"timeseries has no column {value_col!r}; name a column, '<count>_share' of a count "
        "column with customers=, or pass a callable"
    )


def timeseries_bands(
    timeseries: pd.DataFrame,
    group_cols: str | Sequence[str],
    value_col: str | ValueRule,
    level: float = DEFAULT_LEVEL,
    *,
    customers: int | str | None = None,
    run_col: str = "run_id",
    bounded: bool = True,
) -> pd.DataFrame:
    """Mean and t interval across runs of one time-series value, per group and period.

    Args:
        timeseries: the experiment's time series, one row per run, period and firm. Runs whose
            labels put them in the same group are the sample of that group.
        group_cols: the columns that define a line, e.g. ``["arm", "firm"]``. Include
            ``"firm"`` (or filter to one firm) so a group holds one row per run and period.
        value_col: a column (``"cumulative_profit"``); a share of the market's customers named
            ``<count>_share`` (``"loyal_share"`` = loyal / customers); or a callable taking the
            table and returning one value per row.
        level: confidence level.
        customers: N for ``<count>_share``: a number, or a column holding it per row (e.g.
            the label column ``"market.customers"`` in a sweep over market size).
        run_col: the run identifier, used to check one row per run, group and period; the
            check is skipped when the table has no such column.
        bounded: intersect each band with the value's range (``loyal_share`` or a 0..1 column
            in [0, 1], a count at least 0); a callable's values are unbounded.

    Returns:
        One row per group and period (groups in order of first appearance, periods ascending):
        the group columns, ``period``, ``mean``, ``low``, ``high``, ``n`` (runs with a value),
        ``sd``. ``attrs`` holds ``value`` (the value's name) and ``level``.

    Raises:
        ValueError: a column is missing, a group has more than one row for a run and period,
            or ``level`` is not in (0, 1).
    """
    level = check_level(level)
    if not isinstance(timeseries, pd.DataFrame):
        raise ValueError(
            f"timeseries must be a pandas DataFrame (got {type(timeseries).__name__})"
        )
    groups = _as_list(group_cols)
    _require(timeseries, [*groups, "period"], "timeseries")
    keys = [*groups, "period"]
    if run_col in timeseries.columns:
        repeated = timeseries.duplicated([*keys, run_col])
        if repeated.any():
            first = timeseries.loc[repeated, [*keys, run_col]].iloc[0].to_dict()
            raise ValueError(
                f"timeseries has {int(repeated.sum())} rows repeating a (group, period, run), "
                f"e.g. {first}: add 'firm' to group_cols or filter the table to one firm"
            )
    name, values = _derived_values(timeseries, value_col, customers)
    frame = timeseries[keys].copy()
    frame["_value"] = pd.to_numeric(values, errors="raise").astype("float64").to_numpy()
    columns = [*keys, "mean", "low", "high", "n", "sd"]
    if frame.empty:
        bands = pd.DataFrame(columns=columns)
    else:
        grouped = frame.groupby(keys, sort=False, dropna=False)["_value"]
        bands = grouped.agg(mean="mean", sd="std", n="count").reset_index()
        ranges = value_bounds(name) if bounded and not callable(value_col) else UNBOUNDED
        bands = with_bounds(bands, level, ranges)
        group_order = frame[groups].drop_duplicates().reset_index(drop=True)
        group_order["_group_rank"] = np.arange(len(group_order))
        bands = bands.merge(group_order, on=groups, how="left")
        bands = bands.sort_values(["_group_rank", "period"], kind="stable")
        bands = bands[columns].reset_index(drop=True)
    bands.attrs = {"value": name, "level": level}
    return bands
