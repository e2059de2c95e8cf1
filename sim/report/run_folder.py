"""A run's output folder: the time series, the resolved scenario, the summary and the figures.

Written from the run's tidy time series and its scenario only (DESIGN.md principle 6):
``timeseries.csv`` (or ``timeseries.partial.csv`` for a run that stopped early),
``scenario.resolved.yaml`` (reproduces the run exactly), ``summary.json`` (the last period per
firm: :func:`summary_table`) and the figures (PNG or SVG; each firm in the colour of its
position among the scenario's firms, as in every figure). Every file goes through the one
atomic writer (:mod:`sim.files`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.files import atomic_write, csv_text
from sim.report.figures import write_run_figures
from sim.report.style import check_format
from sim.scenario.resolved import dump_yaml, resolved_scenario
from sim.scenario.spec import Scenario

__all__ = ["summary_table", "write_outputs"]


def summary_table(timeseries: pd.DataFrame, customers: int) -> pd.DataFrame:
    """Per firm at the last period: share, loyal customers, retention, cumulative profit."""
    last = timeseries[timeseries["period"] == timeseries["period"].max()]
    rows = []
    for r in last.itertuples(index=False):
        rows.append({
            "firm": r.firm, "strategy": r.strategy, "market_share": r.share_units,
            "loyal": round(r.loyal), "loyal_share": r.loyal / customers if customers else math.nan,
            "retention_rate": r.retention_rate, "satisfaction": r.satisfaction,
            "cumulative_profit": r.cumulative_profit, "customer_equity": r.customer_equity})
    return pd.DataFrame(rows)


def write_outputs(df: pd.DataFrame, spec: Scenario, seed: int, periods_run: int, out_dir: Path,
                  version: str, *, partial: bool = False,
                  figures: bool = True, fmt: str = "png",
                  shown_as: Path | None = None,
                  transactions: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write a run's output folder from its time series; returns the files written, by name.

    Args:
        df: the run's time series (one row per period and firm).
        spec: the scenario that was run.
        seed: the run's seed.
        periods_run: the last period simulated (reported when ``df`` has no rows yet).
        out_dir: the folder.
        version: the stratsim version that ran it.
        partial: the run stopped early: write ``timeseries.partial.csv`` and no figures.
        figures: write the figures.
        fmt: the figures' file format, ``"png"`` or ``"svg"``.
        shown_as: the folder's final name, when ``out_dir`` is a temporary folder that will be
            renamed to it (:func:`sim.report.run_place.publish`): the resolved scenario's
            header names it.
        transactions: the run's transaction log (:mod:`sim.market.transactions`), written as
            ``transactions.parquet`` (``transactions.partial.parquet`` for a partial run).

    Raises:
        ValueError: ``fmt`` is not png or svg (before anything is written).
    """
    check_format(fmt)
    files: dict[str, Path] = {}
    name = "timeseries.partial.csv" if partial else "timeseries.csv"
    atomic_write(out_dir / name, csv_text(df))
    files["timeseries"] = out_dir / name
    if transactions is not None:
        log = "transactions.partial.parquet" if partial else "transactions.parquet"
        table = pa.Table.from_pandas(transactions, preserve_index=False)
        atomic_write(out_dir / log, lambda fh: pq.write_table(table, fh))
        files["transactions"] = out_dir / log
    resolved = resolved_scenario(spec, seed, version)
    header = (f"Resolved scenario written by stratsim {version}: every default filled in."
              f"\nRun `stratsim run {(shown_as or out_dir) / 'scenario.resolved.yaml'}` to"
              " reproduce this run.")
    atomic_write(out_dir / "scenario.resolved.yaml", dump_yaml(resolved, header))
    files["scenario"] = out_dir / "scenario.resolved.yaml"
    summary = {
        "scenario": spec.name, "seed": seed, "stratsim_version": version,
        "periods_run": periods_run if df.empty else int(df["period"].max()),
        "periods": spec.periods, "customers": spec.market.customers,
        "market_size": spec.market.real_customers, "complete": not partial,
        "firms": summary_table(df, spec.market.real_customers).to_dict(orient="records")
        if not df.empty else [],
    }
    if figures and not df.empty and not partial:
        figs = write_run_figures(df, out_dir / "figures", customers=spec.market.real_customers,
                                 title=spec.name, period_unit=spec.period_unit,
                                 firms=spec.all_firm_names(), fmt=fmt)
        files.update({f"figure_{k}": v for k, v in figs.items()})
    summary["files"] = {k: str(v.relative_to(out_dir)) for k, v in files.items()}
    atomic_write(out_dir / "summary.json", json.dumps(summary, indent=2, default=float) + "\n")
    files["summary"] = out_dir / "summary.json"
    return files


