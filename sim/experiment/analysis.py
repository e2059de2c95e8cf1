"""What an experiment found: summary tables and figures, read from its result folder.

The analysis depends on the design (DESIGN.md principle 6: it reads the tables, never models):

- **arms**: per arm, each outcome's mean with its 95% t interval; every pair of arms' paired
  difference (by replication: common random numbers) with its interval, marked when it
  excludes zero; the focus firm's loyal share and cumulative profit over time with bands.
- **grid**: per design point, each outcome's mean and interval; with a ``winner`` analysis the
  best level of one factor in every cell of the others (e.g. Kotler's relationship level by
  number of customers and unit margin); a heatmap for two factors, a response curve for one.
- **lhs**: per sample point, the outcomes; response curves against each parameter.
- **sobol / morris**: SALib's first- and total-order Sobol' indices (or Morris mu*, sigma)
  with the half-widths of their 95% bootstrap intervals (``S1_conf``, ``ST_conf``,
  ``mu_star_conf``), computed from the mean outcome of each sample point. A sample too small
  for stable indices gets one note naming the size needed (:func:`sample_size_note`); an
  outcome that does not vary over the sample has no indices (a note says so). SALib's and
  NumPy's warnings become these notes: none reaches the user's terminal.

Every interval of a share or rate stays in [0, 1] (:mod:`sim.experiment.stats`). Beside its
tables an :class:`Analysis` keeps what the report's finding is written from: the runs, the
outcomes with their directions, and the sensitivity indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim.experiment.sensitivity import add_sensitivity
from sim.experiment.stats import arm_summary, paired_differences, timeseries_bands
from sim.experiment.store import ResultStore
from sim.report.experiment_figures import band_figure, response_figure
from sim.report.heatmap import heatmap_figure
from sim.report.style import arm_styles

__all__ = ["Analysis", "analyze", "interval_text"]

LEVEL = 0.95



@dataclass
class Analysis:
    """Tables and figures of one experiment, ready to print or to put in a report."""

    title: str
    kind: str
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, str, Figure]] = field(default_factory=list)
    """(file stem, caption, figure)."""
    notes: list[str] = field(default_factory=list)
    outcomes: list[dict[str, str]] = field(default_factory=list)
    """The outcomes analysed: ``name`` (metric@Firm) and ``direction`` (maximize/minimize)."""
    runs: pd.DataFrame | None = None
    """The successful runs the statistics are computed from, in design order."""
    manifest: dict[str, Any] = field(default_factory=dict)
    indices: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Sensitivity indices per outcome (sobol and morris designs), as numbers."""
    stable_indices: bool = True
    """False when the sample is too small for stable indices (:func:`sample_size_note`)."""
    winners: pd.DataFrame | None = None
    """A grid's winner analysis: the best level per cell (its first table)."""


def interval_text(mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` with sensible rounding."""
    if mean != mean:
        return "–"
    scale = max(abs(mean), abs(low) if low == low else 0.0, abs(high) if high == high else 0.0)
    digits = 0 if scale >= 100 else 3 if scale <= 1 else 1
    fmt = f"{{:,.{digits}f}}"
    if low != low:
        return fmt.format(mean)
    return f"{fmt.format(mean)} [{fmt.format(low)}, {fmt.format(high)}]"


def _outcomes(manifest: dict[str, Any], runs: pd.DataFrame) -> list[dict[str, str]]:
    outcomes = manifest.get("outcomes") or []
    if outcomes:
        return [o for o in outcomes if o["name"] in runs.columns]
    cols = [c for c in runs.columns if c.startswith(("cumulative_profit@", "loyal_share@"))]
    return [{"name": c, "direction": "maximize"} for c in cols]


def _summary_wide(summary: pd.DataFrame, keys: list[str], names: list[str]) -> pd.DataFrame:
    """One row per arm/cell, one column per outcome: ``mean [low, high]``."""
    summary = summary.copy()
    summary["value"] = [interval_text(m, lo, hi) for m, lo, hi in
                        zip(summary["mean"], summary["low"], summary["high"], strict=True)]
    wide = summary.pivot(index=keys, columns="outcome", values="value")
    wide = wide[[n for n in names if n in wide.columns]]
    wide.columns.name = None
    order = summary[keys].drop_duplicates()
    wide = wide.reindex(pd.MultiIndex.from_frame(order) if len(keys) > 1 else order[keys[0]])
    return wide.reset_index()


def _first_scenario(manifest: dict[str, Any]) -> dict[str, Any]:
    scenarios = manifest.get("scenarios") or {}
    return next(iter(scenarios.values()), {})


def _customers(manifest: dict[str, Any]) -> int:
    """The real customers of the market (``market.size``, else ``market.customers``): counts
    in the time series are of real customers, so a share of the market divides by them."""
    market = _first_scenario(manifest).get("market", {})
    return int(market.get("size") or market.get("customers") or 0) or 1


def _period_unit(manifest: dict[str, Any]) -> str:
    return str(_first_scenario(manifest).get("period_unit") or "month")


def _ok(runs: pd.DataFrame, manifest: dict[str, Any]) -> pd.DataFrame:
    """Successful runs, in design order (arms and points as the experiment lists them)."""
    runs = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    order = {p: k for k, p in enumerate(manifest.get("points") or [])}
    if order and "point" in runs.columns:
        runs = runs.assign(_order=runs["point"].map(order)).sort_values(
            ["_order", "replication"], kind="stable").drop(columns="_order")
    return runs


def analyze(store: ResultStore, manifest: dict[str, Any] | None = None,
            level: float = LEVEL) -> Analysis:
    """Analyse an experiment's results folder according to its design."""
    manifest = manifest if manifest is not None else store.read_manifest()
    experiment = manifest.get("experiment", {})
    kind = experiment.get("design", {}).get("kind", "arms")
    title = experiment.get("name", store.directory.name)
    analysis = Analysis(title=title, kind=kind)
    runs = store.runs()
    if runs.empty:
        analysis.notes.append("no run has finished yet")
        return analysis
    failed = int((runs["status"] != "ok").sum()) if "status" in runs.columns else 0
    failed += len(store.failures())
    if failed:
        analysis.notes.append(f"{failed} run(s) failed; they are left out of the statistics")
    ok = _ok(runs, manifest)
    outcomes = _outcomes(manifest, ok)
    names = [o["name"] for o in outcomes]
    if not names:
        analysis.notes.append("no outcome to analyse")
        return analysis
    analysis.outcomes, analysis.runs, analysis.manifest = outcomes, ok, manifest
    if kind == "arms":
        _arms(analysis, store, manifest, ok, outcomes, level)
    elif kind == "grid":
        _grid(analysis, manifest, ok, outcomes, level)
    elif kind == "lhs":
        _lhs(analysis, manifest, ok, names, level)
    else:
        add_sensitivity(analysis, manifest, ok, outcomes, kind, level)
    return analysis


def _by_outcome(summary: pd.DataFrame, outcomes: list[dict[str, str]]) -> pd.DataFrame:
    """One row per outcome (with the direction that is better), one column per arm."""
    text = [interval_text(m, lo, hi) for m, lo, hi in
            zip(summary["mean"], summary["low"], summary["high"], strict=True)]
    wide = summary.assign(value=text).pivot(index="outcome", columns="arm", values="value")
    wide = wide.reindex(index=[o["name"] for o in outcomes],
                        columns=list(dict.fromkeys(summary["arm"])))
    wide.columns = [str(c) for c in wide.columns]
    wide.insert(0, "better", ["higher" if o["direction"] == "maximize" else "lower"
                              for o in outcomes])
    return wide.rename_axis("outcome").reset_index()


def _arms(analysis: Analysis, store: ResultStore, manifest: dict[str, Any],
          runs: pd.DataFrame, outcomes: list[dict[str, str]], level: float) -> None:
    names = [o["name"] for o in outcomes]
    summary = arm_summary(runs, "arm", names, level)
    analysis.tables.append((f"Outcomes per arm: mean [{level:.0%} interval] over"
                            " replications", _by_outcome(summary, outcomes)))
    rows = []
    for name in names:
        diffs = paired_differences(runs, "arm", name, level)
        for d in diffs.itertuples(index=False):
            rows.append({"outcome": name, "difference": f"{d.arm_b} - {d.arm_a}",
                         "mean [interval]": interval_text(d.mean, d.low, d.high),
                         "pairs": int(d.n),
                         "excludes zero": "yes *" if d.excludes_zero else "no"})
    if rows:
        analysis.tables.append((f"Paired differences between arms (by replication, common"
                                f" random numbers); * the {level:.0%} interval excludes zero",
                                pd.DataFrame(rows)))
    firm = names[0].partition("@")[2]
    ts = store.timeseries()
    if ts.empty or "firm" not in ts.columns:
        return
    ts = ts[(ts["firm"] == firm) & ts["run_id"].isin(runs["run_id"])]
    customers = _customers(manifest)
    styles = arm_styles(runs, "arm", manifest.get("scenarios"), firm)  # as the run figures
    loyal = timeseries_bands(ts, "arm", "loyal_share", level, customers=customers)
    analysis.figures.append(("loyalty", f"{firm}'s loyal customers (share of all customers)"
                             f" over time, mean and {level:.0%} band per arm",
                             band_figure(loyal, "arm", f"{analysis.title}: {firm}'s loyal"
                                         " customers", "loyal share", percent=True, styles=styles,
                                         period_unit=_period_unit(manifest))))
    profit = timeseries_bands(ts, "arm", "cumulative_profit", level)
    analysis.figures.append(("profit", f"{firm}'s cumulative profit over time, mean and"
                             f" {level:.0%} band per arm",
                             band_figure(profit, "arm", f"{analysis.title}: {firm}'s"
                                         " cumulative profit", "cumulative profit (money)",
                                         styles=styles, period_unit=_period_unit(manifest))))


def _factors(manifest: dict[str, Any]) -> list[str]:
    labels = manifest.get("design_labels") or []
    return [c for c in labels if c not in ("point", "replication")]


def _grid(analysis: Analysis, manifest: dict[str, Any], runs: pd.DataFrame,
          outcomes: list[dict[str, str]], level: float) -> None:
    names = [o["name"] for o in outcomes]
    factors = [f for f in _factors(manifest) if f in runs.columns]
    summary = arm_summary(runs, factors, names, level)
    analysis.tables.append((f"Outcomes per design point: mean [{level:.0%} interval]",
                            _summary_wide(summary, factors, names)))
    winner = manifest.get("experiment", {}).get("winner")
    first = outcomes[0]
    if winner:
        target = winner["outcome"]
        direction = next((o["direction"] for o in outcomes if o["name"] == target), "maximize")
        by = list(winner["by"])
        cells = summary[summary["outcome"] == target]
        best_rows = []
        for key, group in (cells.groupby(by, sort=False) if by else [((), cells)]):
            pick = group["mean"].idxmax() if direction == "maximize" else group["mean"].idxmin()
            row = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
            ordered = group.sort_values("mean", ascending=direction != "maximize")
            runner_up = ordered.iloc[1] if len(ordered) > 1 else None
            row.update({"winner": group.loc[pick, winner["over"]],
                        target: interval_text(group.loc[pick, "mean"], group.loc[pick, "low"],
                                              group.loc[pick, "high"])})
            if runner_up is not None:
                row["runner-up"] = runner_up[winner["over"]]
                row["clear win"] = ("yes" if (direction == "maximize" and
                                              group.loc[pick, "low"] > runner_up["high"]) or
                                    (direction == "minimize" and
                                     group.loc[pick, "high"] < runner_up["low"]) else "no")
            best_rows.append(row)
        table = analysis.winners = pd.DataFrame(best_rows)
        analysis.tables.insert(0, (f"Winning {winner['over']} by {', '.join(by)} ({direction}"
                                   f" {target}); clear win: its interval does not overlap the"
                                   " runner-up's", table))
        if len(by) == 2:
            levels = list(dict.fromkeys(runs[winner["over"]]))
            analysis.figures.append((
                "winners", f"Winning {winner['over']} per cell",
                heatmap_figure(table, by[1], by[0], "winner",
                               f"{analysis.title}: best {winner['over']}",
                               categorical_values=True, categories=levels)))
        return
    cells = summary[summary["outcome"] == first["name"]]
    if len(factors) == 2:
        analysis.figures.append(("heatmap", f"Mean {first['name']} per design point",
                                 heatmap_figure(cells, factors[1], factors[0], "mean",
                                                f"{analysis.title}: {first['name']}")))
    elif len(factors) == 1:
        analysis.figures.append(("response", f"Mean {first['name']} and its {level:.0%}"
                                 f" interval against {factors[0]}",
                                 response_figure(cells, factors[0], first["name"],
                                                 f"{analysis.title}: {first['name']}",
                                                 styles=arm_styles(runs, factors[0],
                                                                   manifest.get("scenarios")))))


def _lhs(analysis: Analysis, manifest: dict[str, Any], runs: pd.DataFrame, names: list[str],
         level: float) -> None:
    factors = [f for f in _factors(manifest) if f in runs.columns]
    summary = arm_summary(runs, ["point", *factors], names, level)
    analysis.tables.append((f"Outcomes per sample point: mean [{level:.0%} interval]",
                            _summary_wide(summary, ["point", *factors], names)))
    cells = summary[summary["outcome"] == names[0]]
    for f in factors:
        ordered = cells.sort_values(f)
        analysis.figures.append((f"response-{_stem(f)}", f"Mean {names[0]} against {f}",
                                 response_figure(ordered, f, names[0],
                                                 f"{analysis.title}: {names[0]}")))


def _stem(text: str) -> str:
    """A figure file stem from an outcome or factor name."""
    return "".join(ch if ch.isalnum() else "_" for ch in text)
