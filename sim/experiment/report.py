"""The HTML report of an experiment: one self-contained file to hand out or circulate.

Sections: what was asked (the experiment's description and design), what was found (the
analysis tables and figures), every run's status, the base scenario as run, and provenance
(stratsim version, start and end times, seeds, the experiment file as written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.experiment.analysis import analyze
from sim.experiment.store import ResultStore
from sim.report.html import Section, write_report

__all__ = ["write_experiment_report"]


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_experiment_report(store: ResultStore, path: str | Path) -> Path:
    """Write ``path`` (HTML) from the results folder of ``store``."""
    manifest = store.read_manifest()
    experiment = manifest.get("experiment", {})
    analysis = analyze(store, manifest)
    design = experiment.get("design", {})
    sections = [Section(
        heading="The question",
        paragraphs=[p for p in (
            experiment.get("description", ""),
            f"Design: {design.get('kind', '?')}, {len(manifest.get('points', []))} design"
            f" points, {experiment.get('replications', '?')} replications each; replication r"
            " of every point runs on the same seed (common random numbers), so differences"
            " between points are not luck of the draw.") if p],
        preformatted=[("design", _yaml(design))])]
    sections.append(Section(
        heading="What was found", paragraphs=analysis.notes,
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
        preformatted=[("failed runs", failure_text)] if failure_text else []))
    scenarios = manifest.get("scenarios") or {}
    if scenarios:
        first_id, first = next(iter(scenarios.items()))
        sections.append(Section(
            heading="The scenario",
            paragraphs=[f"The resolved scenario of design point {first_id} (every default"
                        " filled in); the other points differ by the design's changes. Every"
                        " point's resolved scenario is in manifest.json."],
            preformatted=[("scenario", _yaml(first))]))
    provenance = {k: manifest.get(k) for k in (
        "stratsim_version", "fingerprint", "created_at", "started_at", "ended_at", "status",
        "experiment_file") if manifest.get(k) is not None}
    provenance["seeds"] = manifest.get("seeds")
    blocks = [("provenance", json.dumps(provenance, indent=2))]
    if manifest.get("experiment_text"):
        blocks.append(("experiment file", manifest["experiment_text"]))
    sections.append(Section(heading="Provenance", preformatted=blocks,
                            tables=[("sessions", pd.DataFrame(manifest.get("sessions", [])))]
                            if manifest.get("sessions") else []))
    return write_report(path, title=f"stratsim experiment: {analysis.title}",
                        subtitle=experiment.get("description", ""), sections=sections)
