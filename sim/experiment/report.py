"""The HTML report of an experiment: one self-contained file to hand out or circulate.

Sections: the finding (one paragraph in plain words, and the analysis's notes), the question
(the experiment's description; for a comparison made on the command line, its firm and arms)
with the design, what was found (the analysis tables and figures), every run's status, the base
scenario as run (folded away), and provenance (stratsim version, times, seeds; the experiment
file as written, folded). Fields without a value are left out, so no ``null`` is shown.

Core objects:
    write_experiment_report: a results folder -> ``report.html``.
    question: what the experiment asks, in one sentence.
    finding: what it found, in one paragraph (also printed by the command line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.experiment.analysis import LEVEL, Analysis, analyze, interval_text
from sim.experiment.stats import arm_summary, paired_differences
from sim.experiment.store import ResultStore
from sim.report.html import Section, format_number, write_report

__all__ = ["finding", "question", "write_experiment_report"]

LISTED = 3
"""Most points named in one list of the finding; the rest are counted."""


def _pruned(data: Any) -> Any:
    """``data`` without the fields whose value is None (at any depth)."""
    if isinstance(data, dict):
        return {k: _pruned(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_pruned(v) for v in data if v is not None]
    return data


def _yaml(data: Any) -> str:
    return yaml.safe_dump(_pruned(data), sort_keys=False, allow_unicode=True, width=100)


DESIGN_FIELDS = {"arms": ("kind", "arms"), "grid": ("kind", "parameters"),
                 "lhs": ("kind", "parameters", "samples"),
                 "sobol": ("kind", "parameters", "samples"),
                 "morris": ("kind", "parameters", "samples", "levels")}
"""The fields of a design that mean something for its kind (``levels`` only for Morris)."""


def _design(design: dict[str, Any]) -> dict[str, Any]:
    fields = DESIGN_FIELDS.get(design.get("kind", ""), tuple(design))
    return {k: design[k] for k in fields if design.get(k) is not None}


def _join(items: list[str], word: str = "and", noun: str = "other points",
          limit: int = LISTED) -> str:
    """``a``, ``a and b``, ``a, b and c``; past ``limit`` items, ``a, b, c and 4 other points``."""
    if len(items) > limit:
        rest = len(items) - limit
        noun = noun.removesuffix("s") if rest == 1 else noun
        return f"{', '.join(items[:limit])} {word} {rest} {noun}"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _point_labels(manifest: dict[str, Any]) -> dict[str, str]:
    """Each design point in words: an arm's name, or its factor values (``price = 70, ...``)."""
    labels = {}
    for point, values in zip(manifest.get("points") or [], manifest.get("design_points") or [],
                             strict=False):
        labels[point] = (str(values["arm"]) if set(values) == {"arm"} else
                         ", ".join(f"{k} = {_value(v)}" for k, v in values.items()))
    return labels


def _arm_text(arm: str, changes: dict[str, Any], prefix: str) -> str:
    """``cheap (price = 70, promotion = 20000)``; an arm that changes nothing says so."""
    made = [f"{path.removeprefix(prefix)} = {_value(value)}" for path, value in changes.items()
            if value not in ({}, None)]
    return f"{arm} ({', '.join(made) or 'the scenario as written'})"


def question(manifest: dict[str, Any]) -> str:
    """What the experiment asks: its ``description``, or one made from its design.

    A comparison from ``stratsim compare`` has no description: its question names the firm
    whose levers the arms change, each arm's changes, and the outcomes with their direction.
    """
    experiment = manifest.get("experiment") or {}
    if experiment.get("description"):
        return str(experiment["description"])
    design = experiment.get("design") or {}
    outcomes = manifest.get("outcomes") or experiment.get("outcomes") or []
    lower = {o["name"] for o in outcomes if o.get("direction") == "minimize"}
    names = [f"{o['name']} ({'lower' if o['name'] in lower else 'higher'} is better)" if lower
             else o["name"] for o in outcomes]
    on = f", judged on {_join(names, noun='more', limit=8)}" if names else ""
    if names and not lower:
        on += " (higher is better)"
    parameters = design.get("parameters") or {}
    kind = design.get("kind", "arms")
    if kind == "arms":
        arms = design.get("arms") or {}
        firms = sorted({path.split(".")[1] for changes in arms.values() for path in changes
                        if path.startswith("firms.") and path.count(".") >= 2})
        prefix = f"firms.{firms[0]}." if len(firms) == 1 else ""
        described = [_arm_text(arm, changes, prefix) for arm, changes in arms.items()]
        whom = f" for {_join(firms)}" if firms else ""
        return f"Which arm does best{whom}: {_join(described, 'or', 'more')}{on}?"
    if kind == "grid":
        factors = [f"{name} ({', '.join(map(_value, levels))})" for name, levels in
                   parameters.items()]
        return f"How do the outcomes change with {_join(factors, noun='more')}{on}?"
    ranges = [f"{name} from {_value(r.get('low'))} to {_value(r.get('high'))}"
              for name, r in parameters.items() if isinstance(r, dict)]
    if kind == "lhs":
        return f"How do the outcomes respond to {_join(ranges, noun='more')}{on}?"
    return f"Which of {_join(ranges, 'or', 'more')} matters most{on}?"


def finding(analysis: Analysis, level: float = LEVEL) -> str:
    """What the experiment found, in one plain-language paragraph.

    Rules:
        * arms, grid, lhs: for each outcome, the design point with the best mean by the
          outcome's direction (highest to maximise, lowest to minimise), and every other
          point's difference from it, paired by replication (common random numbers): "better
          than X by d [low, high]" when its interval excludes zero, "not distinguishable from
          X at 95%" when it does not (:func:`sim.experiment.stats.paired_differences`).
        * sobol, morris: for each outcome, the parameters ranked by total-order index ST (or
          mu*), the first with its interval, and a caution when the sample is too small.
    """
    if analysis.runs is None or not analysis.outcomes:
        return "Nothing to report yet: " + ("; ".join(analysis.notes) or "no run finished") + "."
    if analysis.kind in ("sobol", "morris"):
        return _sensitivity_finding(analysis)
    if "point" not in analysis.runs.columns:
        return "The runs carry no design point, so no point can be compared with another."
    what = "arm" if analysis.kind == "arms" else "design point"
    labels = _point_labels(analysis.manifest)
    summary = arm_summary(analysis.runs, "point", [o["name"] for o in analysis.outcomes], level)
    winner = (analysis.manifest.get("experiment") or {}).get("winner")
    sentences = [_winner_finding(analysis, winner)] if winner else []
    for outcome in analysis.outcomes:
        sentences.append(_outcome_finding(analysis.runs, summary, outcome, labels, what, level))
    return " ".join(s for s in sentences if s)


def _winner_finding(analysis: Analysis, winner: dict[str, Any]) -> str:
    """How often each level wins the grid's cells, and how many of the wins are clear."""
    table = analysis.winners
    if table is None or table.empty:
        return ""
    counts = table["winner"].astype(str).value_counts()
    spread = _join([f"{level} in {n}" for level, n in counts.items()], limit=len(counts))
    by = " and ".join(winner.get("by") or []) or "the grid"
    text = (f"The best {winner['over']} for {winner['outcome']} by {by}: {spread} of the"
            f" {len(table)} cells")
    if "clear win" in table.columns:
        clear, cells = int((table["clear win"] == "yes").sum()), len(table)
        share = ("none of the wins is" if clear == 0 else f"all {cells} wins are" if
                 clear == cells else f"{clear} of the {cells} wins are")
        text += (f"; {share} clear (the winner's interval does not overlap the runner-up's)"
                 f"{', so in the others the runner-up may be as good' if clear < cells else ''}")
    return text + "; the table of winners gives each cell."


def _outcome_finding(runs: pd.DataFrame, summary: pd.DataFrame, outcome: dict[str, str],
                     labels: dict[str, str], what: str, level: float) -> str:
    name, maximize = outcome["name"], outcome.get("direction") != "minimize"
    cells = summary[summary["outcome"] == name].dropna(subset=["mean"])
    better = "higher" if maximize else "lower"
    if cells.empty:
        return f"{name} has no value in any run."
    best = cells.loc[cells["mean"].idxmax() if maximize else cells["mean"].idxmin()]
    if cells["mean"].nunique() == 1:
        return (f"On {name}, every {what} has the same mean,"
                f" {interval_text(best['mean'], best['low'], best['high'])}.")
    text = (f"On {name} ({better} is better), {labels.get(best['point'], best['point'])} has"
            f" the {'highest' if maximize else 'lowest'} mean,"
            f" {interval_text(best['mean'], best['low'], best['high'])}")
    beaten: list[Any] = []
    level_with: list[tuple[float, str]] = []
    no_interval: list[str] = []
    others = paired_differences(runs, "point", name, level, baseline=best["point"])
    for d in others.itertuples():
        other = labels.get(d.arm_b, str(d.arm_b))
        # The gain of the best point over the other, in the outcome's good direction.
        gain = (-d.mean, -d.high, -d.low) if maximize else (d.mean, d.low, d.high)
        if gain[1] != gain[1]:
            no_interval.append(other)
        elif gain[1] > 0:
            beaten.append((gain[0], f"{other} by {interval_text(*gain)}"))
        else:
            level_with.append((gain[0], other))
    plural = f"{what}s"
    beaten = [text for _, text in sorted(beaten)]  # the runner-up first
    if len(beaten) > LISTED:
        text += (f"; it is better than {len(beaten)} of the {len(others)} other {plural}"
                 f" (paired {level:.0%} intervals of the difference exclude zero)")
    elif beaten:
        text += (f"; it is better than {_join(beaten)} (paired {level:.0%} interval"
                 f"{'s' if len(beaten) > 1 else ''} of the difference exclude"
                 f"{'' if len(beaten) > 1 else 's'} zero)")
    closest = [other for _, other in sorted(level_with)]
    if len(closest) > LISTED:
        text += (f"{';' if beaten else ','} but it is not distinguishable at {level:.0%} from"
                 f" {len(closest)} other {plural}, the closest being {closest[0]}")
    elif closest:
        text += (f"{';' if beaten else ','} but it is not distinguishable from"
                 f" {_join(closest, 'or')} at {level:.0%}")
    if no_interval:
        text += (f"; against {_join(no_interval, noun=f'other {plural}')} one paired"
                 " replication gives no interval, so the difference is not established")
    return text + "."


def _sensitivity_finding(analysis: Analysis) -> str:
    sobol = analysis.kind == "sobol"
    key, conf, label = ("ST", "ST_conf", "total-order index ST") if sobol else (
        "mu_star", "mu_star_conf", "mu*")
    sentences = []
    for name, indices in analysis.indices.items():
        ranked = indices.dropna(subset=[key]).sort_values(key, ascending=False)
        if ranked.empty:
            continue
        top = ranked.iloc[0]
        half = float(top[conf]) if top[conf] == top[conf] else float("nan")
        clear = ("its interval excludes zero" if top[key] - half > 0 else
                 f"not distinguishable from zero at {LEVEL:.0%}")
        text = (f"On {name}, {top['parameter']} matters most ({label}"
                f" {format_number(top[key])} ± {format_number(half)}, {clear})")
        if len(ranked) > 1:
            text += ", then " + ", ".join(f"{row['parameter']} ({format_number(row[key])})"
                                          for _, row in ranked.iloc[1:LISTED].iterrows())
        sentences.append(text + ".")
    if not sentences:
        return "No sensitivity index could be computed: " + "; ".join(analysis.notes) + "."
    if not analysis.stable_indices:
        sentences.append("These indices rest on too few samples to be trusted (see the note on"
                         " the sample size).")
    return " ".join(sentences)


def write_experiment_report(store: ResultStore, path: str | Path) -> Path:
    """Write ``path`` (HTML) from the results folder of ``store``."""
    manifest = store.read_manifest()
    experiment = manifest.get("experiment", {})
    analysis = analyze(store, manifest)
    design = experiment.get("design", {})
    asked = question(manifest)
    sections = [Section(heading="Finding", paragraphs=[
        finding(analysis), *(f"Note: {note}" for note in analysis.notes)])]
    sections.append(Section(
        heading="The question",
        paragraphs=[asked,
                    f"Design: {design.get('kind', '?')}, {len(manifest.get('points', []))}"
                    f" design points, {experiment.get('replications', '?')} replications each;"
                    " replication r of every point runs on the same seed (common random"
                    " numbers), so differences between points are not luck of the draw."],
        preformatted=[("design", _yaml(_design(design)))]))
    sections.append(Section(
        heading="What was found",
        figures=[(caption, fig) for _, caption, fig in analysis.figures],
        tables=analysis.tables))
    runs = store.runs()
    statuses = manifest.get("runs") or {}
    counts = manifest.get("counts") or {}
    status_rows = pd.DataFrame(
        [{"status": k, "runs": v} for k, v in counts.items()]) if counts else pd.DataFrame()
    failures = store.failures()
    failure_text = "\n\n".join(f"{f.get('run_id', '?')}: {f.get('error', '')}"
                               for f in failures[:20])
    sections.append(Section(
        heading="Runs",
        paragraphs=[f"{len(runs)} runs recorded; manifest status: {manifest.get('status', '?')}"
                    f" ({len(statuses)} runs in the design)."],
        tables=[t for t in [("runs by status", status_rows)] if not status_rows.empty],
        folded=[("failed runs", failure_text)] if failure_text else []))
    scenarios = manifest.get("scenarios") or {}
    if scenarios:
        first_id, first = next(iter(scenarios.items()))
        sections.append(Section(
            heading="The scenario",
            paragraphs=[f"The resolved scenario of design point {first_id} (every default"
                        " filled in); the other points differ by the design's changes. Every"
                        " point's resolved scenario is in manifest.json."],
            folded=[(f"the scenario of {first_id} (YAML)", _yaml(first))]))
    provenance = _pruned({k: manifest.get(k) for k in (
        "stratsim_version", "fingerprint", "created_at", "started_at", "ended_at", "status",
        "experiment_file", "seeds")})
    folded = [("the experiment file", manifest["experiment_text"])] if manifest.get(
        "experiment_text") else []
    sessions = pd.DataFrame(manifest.get("sessions") or [])
    sections.append(Section(heading="Provenance",
                            preformatted=[("provenance", json.dumps(provenance, indent=2))],
                            tables=[("sessions", sessions)] if not sessions.empty else [],
                            folded=folded))
    return write_report(path, title=f"stratsim experiment: {analysis.title}", subtitle=asked,
                        sections=sections)
