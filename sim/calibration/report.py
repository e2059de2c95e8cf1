"""The HTML report of a calibration (``stratsim report DIR`` on a calibration's folder).

Sections: the fit (one paragraph in plain words, every warning, the figure, the fit and
parameter tables), the problem (targets, free parameters, budget and replications as
written), the calibrated scenario (folded) and provenance. Everything is read from the files
the calibration wrote (:mod:`sim.calibration.outputs`), so a report can be made on any machine
that has the folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.calibration.outputs import CALIBRATED
from sim.experiment.manifest import ExperimentError
from sim.experiment.store import ResultStore
from sim.report.calibration_figures import fit_figure
from sim.report.html import Section, write_report

__all__ = ["summary_sentence", "write_calibration_report"]


def summary_sentence(record: dict[str, Any]) -> str:
    """What the calibration found, in one sentence."""
    targets = record.get("targets") or []
    met = sum(1 for t in targets if t.get("met"))
    point = ", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
                      for k, v in (record.get("best_point") or {}).items())
    objective = record.get("objective")
    shown = f"{objective:.4g}" if isinstance(objective, int | float) else "?"
    return (f"The best of {record.get('candidates', '?')} candidate markets"
            f" ({record.get('best', '?')}: {point}) meets {met} of its {len(targets)} targets"
            f" within their tolerances (objective S = {shown}).")


def write_calibration_report(store: ResultStore, path: str | Path) -> Path:
    """Write ``path`` (HTML) from a calibration's folder.

    Raises:
        ExperimentError: the folder's calibration has not finished (no calibration.json).
    """
    directory = store.directory
    record_path = directory / "calibration.json"
    if not record_path.is_file():
        raise ExperimentError(f"{directory}: the calibration has not finished (no"
                              " calibration.json); run stratsim calibrate into it again")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    fit_table = pd.read_csv(directory / "fit.csv")
    parameters = pd.read_csv(directory / "parameters.csv")
    candidates = pd.read_csv(directory / "candidates.csv")
    problem = record.get("problem") or {}
    figure = fit_figure(fit_table, candidates, parameters,
                        f"best {record.get('best', '?')}")
    sections = [
        Section(heading="The fit",
                paragraphs=[summary_sentence(record),
                            *(f"Warning: {w}" for w in record.get("warnings") or [])],
                figures=[("each target's residual in tolerances (top); the objective of every"
                          " candidate against each parameter, with its 95% profile interval"
                          " shaded (bottom)", figure)],
                tables=[("targets: wanted ± tolerance, achieved with its 95% interval over"
                         " replications, residual in tolerances", fit_table.drop(
                             columns=["origin"], errors="ignore")),
                        ("parameters: fitted value and 95% profile interval (candidates with"
                         " S within 3.84 of the best)", parameters)]),
        Section(heading="The problem",
                paragraphs=[f"Scenario {problem.get('scenario_file', '?')}; budget"
                            f" {problem.get('budget', '?')} runs, {problem.get('replications')}"
                            f" replications per candidate on the same seeds (seed"
                            f" {problem.get('seed')}), {problem.get('batch')} candidates per"
                            " round."],
                preformatted=[("targets and parameters", yaml.safe_dump(
                    {"targets": problem.get("targets"),
                     "parameters": problem.get("parameters")}, sort_keys=False,
                    allow_unicode=True, width=100))]),
    ]
    calibrated = directory / CALIBRATED
    if calibrated.is_file():
        sections.append(Section(heading="The calibrated scenario",
                                paragraphs=[f"{CALIBRATED}: the scenario with the fitted"
                                            " values, ready to run, compare or diagnose."],
                                folded=[(CALIBRATED, calibrated.read_text(encoding="utf-8"))]))
    manifest = store.read_manifest()
    provenance = {k: manifest.get(k) for k in ("stratsim_version", "fingerprint", "started_at",
                                               "ended_at", "seeds") if manifest.get(k)}
    provenance["command"] = record.get("command")
    sections.append(Section(heading="Provenance",
                            preformatted=[("provenance", json.dumps(provenance, indent=2))]))
    return write_report(path, title=f"stratsim calibration: {Path(directory).name}",
                        subtitle=summary_sentence(record), sections=sections)
