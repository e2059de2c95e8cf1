"""A run's transactions in the layout customer-lifetime-value tools read.

``stratsim export RUN_DIR --format lifetimes`` reads ``transactions.parquet`` (written by
``stratsim run --transactions``; :mod:`sim.market.transactions`) and writes, in
``RUN_DIR/lifetimes/`` (for an experiment run with ``--transactions``, in
``DIR/lifetimes/<run_id>/`` for each run):

- ``events.csv``: the event log, one row per purchase: ``customer_id, date, period, firm,
  units, revenue, margin``, the layout of ``lifetimes.utils.summary_data_from_transaction_data``
  (``customer_id_col="customer_id"``, ``datetime_col="date"``,
  ``monetary_value_col="revenue"``) and of pymc-marketing's ``clv.utils.rfm_summary``;
- ``rfm-<Firm>.csv`` per firm (the name made safe for a file name): the RFM summary that
  BG/NBD and Gamma-Gamma models are fitted to (Fader, Hardie & Lee 2005), one row per customer
  who ever bought from the firm:
  ``customer_id, frequency, recency, T, monetary_value``, with lifetimes' definitions, in
  periods (the scenario's period unit): ``frequency`` the number of periods with a repeat
  purchase (periods with a purchase, less one), ``recency`` the age at the last purchase (last
  purchase period less the first), ``T`` the age at the end of the observation (the last period
  run less the first purchase period), ``monetary_value`` the mean revenue of the repeat
  purchases (0 without one). A customer buys from a firm at most once a period, so no purchases
  are merged.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from sim.experiment.spec import arm_slug
from sim.files import atomic_write, csv_text

__all__ = ["TRANSACTIONS", "rfm_summary", "write_lifetimes"]

TRANSACTIONS = "transactions.parquet"


def rfm_summary(events: pd.DataFrame, end: int) -> pd.DataFrame:
    """Per firm and customer: frequency, recency, T and monetary value (module docstring).

    Args:
        events: the transaction log (``customer_id, period, firm, revenue`` at least).
        end: the last period observed.
    """
    frame = events[["firm", "customer_id", "period", "revenue"]].copy()
    frame["firm"] = frame["firm"].astype(str)
    frame = frame.sort_values(["firm", "customer_id", "period"], kind="stable")
    groups = frame.groupby(["firm", "customer_id"], sort=True)
    first = groups["period"].transform("min")
    repeat = frame[frame["period"] > first]
    summary = groups["period"].agg(first="min", last="max", periods="nunique")
    money = repeat.groupby(["firm", "customer_id"])["revenue"].mean()
    out = pd.DataFrame({
        "frequency": summary["periods"] - 1,
        "recency": summary["last"] - summary["first"],
        "T": end - summary["first"],
        "monetary_value": money.reindex(summary.index).fillna(0.0).astype(float),
    })
    return out.reset_index()


def write_lifetimes(run_dir: str | os.PathLike[str],
                    out_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Write ``events.csv`` and one ``rfm-<Firm>.csv`` per firm; the paths written. A run's
    folder is written to ``lifetimes/``; an experiment's folder whose runs kept their logs
    (``--transactions``) to ``lifetimes/<run_id>/``, one folder per run.

    Raises:
        FileNotFoundError: the folder has no transaction log (the message says how to write
            one).
    """
    run_dir = Path(run_dir)
    target = Path(out_dir) if out_dir is not None else run_dir / "lifetimes"
    source = run_dir / TRANSACTIONS
    if source.is_file():
        events = pd.read_parquet(source)
        return _write(events, int(_periods_run(run_dir, events)), target)
    if (run_dir / "manifest.json").is_file() and (run_dir / "transactions").is_dir():
        from sim.experiment.store import ResultStore

        store = ResultStore(run_dir, create=False)
        paths: list[Path] = []
        for run_id, path in store.transaction_paths().items():
            series = store.timeseries([run_id])
            paths += _write(pd.read_parquet(path), int(series["period"].max()),
                            target / run_id)
        return paths
    raise FileNotFoundError(f"{run_dir}: no {TRANSACTIONS} here; run the scenario with"
                            f" `stratsim run SCENARIO --transactions --out {run_dir}` (or an"
                            " experiment with --transactions)")


def _write(events: pd.DataFrame, end: int, target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    columns = [c for c in ("customer_id", "date", "period", "firm", "units", "revenue",
                           "margin") if c in events]
    paths = [atomic_write(target / "events.csv", csv_text(events[columns]))]
    summary = rfm_summary(events, end)
    used: set[str] = set()
    for firm, rows in summary.groupby("firm", sort=False):
        stem = arm_slug(str(firm))
        stem = stem if stem not in used else f"{stem}-{len(used) + 1}"
        used.add(stem)
        paths.append(atomic_write(target / f"rfm-{stem}.csv",
                                  csv_text(rows.drop(columns=["firm"]))))
    return paths


def _periods_run(run_dir: Path, events: pd.DataFrame) -> int:
    """The last period the run simulated (from summary.json; else the last purchase's)."""
    import json

    summary = run_dir / "summary.json"
    if summary.is_file():
        return int(json.loads(summary.read_text(encoding="utf-8"))["periods_run"])
    return int(events["period"].max()) if len(events) else 0
