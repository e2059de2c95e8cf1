"""What a calibration writes: the calibrated scenario, the fit and parameter tables, the
candidates, a JSON record and the figure.

Layout of the folder (beside the result store's ``manifest.json``, ``runs/``,
``timeseries/`` and ``candidates.json``)::

    calibrated.yaml    the scenario with the fitted values, and comments: what was fitted, to
                       what, when, with which warnings
    fit.csv            each target: wanted, tolerance, achieved with its 95% interval,
                       residual in tolerances, met
    parameters.csv     each parameter: its range, the fitted value, its 95% profile interval,
                       whether the targets identify it
    candidates.csv     every candidate: round, values, objective S, each target's mean
    calibration.json   all of it as data, with the warnings
    figures/fit.png    the figure (:func:`sim.report.calibration_figures.fit_figure`)

``calibrated.yaml`` is the scenario file as read, with ``--set`` and ``--periods`` applied (the
fit is for that horizon) and the fitted values set, without its ``calibration:`` section;
``--customers`` is not applied: the number of agents is a precision knob, and
``market.size`` (the real market) is the file's. Running it with the calibration's seeds
reproduces the best candidate's runs exactly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.experiment.manifest import stratsim_version, utc_now
from sim.files import atomic_write, csv_text
from sim.report.calibration_figures import fit_figure
from sim.report.style import check_format, save
from sim.scenario.changes import apply_changes
from sim.scenario.loader import change_scenario
from sim.scenario.yamlfile import load_yaml

if TYPE_CHECKING:
    from sim.calibration.fit import Fit
    from sim.calibration.problem import Calibration

__all__ = ["CALIBRATED", "calibrated_text", "write_outputs"]

CALIBRATED = "calibrated.yaml"


def _interval(row: Any) -> str:
    return f"{row.low:.4g}..{row.high:.4g}"


def calibrated_text(cal: Calibration, fit: Fit, *, set_: list[tuple[str, str]],
                    periods: int | None, command: str = "") -> str:
    """The calibrated scenario as YAML text with its comments (see the module docstring)."""
    loaded = change_scenario(load_yaml(cal.scenario_file), set_, periods=periods)
    loaded = apply_changes(loaded, [("calibrated", f"{p}={v!r}")
                                    for p, v in fit.best_point.items()], origin="calibrated")
    data = {k: v for k, v in loaded.data.items() if k != "calibration"}
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    lines = body.splitlines()
    dumped = load_yaml(CALIBRATED, text=body)
    for row in fit.parameters.itertuples():
        _, line, _ = dumped.locate(row.parameter.split("."))
        if 1 <= line <= len(lines):
            lines[line - 1] += (f"  # calibrated: 95% interval {_interval(row)}, range"
                                f" {row.range_low}:{row.range_high}, identified:"
                                f" {row.identified}")
    head = [f"# Calibrated by stratsim {stratsim_version()} at {utc_now()} from"
            f" {cal.scenario_file}",
            f"# ({command})" if command else None,
            f"# Search: {len(fit.candidates)} candidate markets x {cal.replications}"
            f" replications (seed {cal.seed}, common random numbers); best {fit.best},"
            f" objective S = {fit.objective:.4g}.",
            "# Fitted (value, 95% profile interval, whether the targets identify it):"]
    head = [h for h in head if h]
    for row in fit.parameters.itertuples():
        head.append(f"#   {row.parameter} = {row.fitted!r}  [{_interval(row)}]  range"
                    f" {row.range_low}:{row.range_high}  identified: {row.identified}")
    head.append("# To the targets (wanted ± tolerance -> achieved [95% interval over"
                " replications]):")
    for row in fit.targets.itertuples():
        head.append(f"#   {row.target} {row.wanted:.4g} ±{row.tolerance:.3g} ->"
                    f" {row.achieved:.4g} [{row.low:.4g}, {row.high:.4g}]"
                    f" {'met' if row.met else 'MISSED'}")
    for w in fit.warnings:
        head.append(f"# Warning: {w}")
    if cal.scenario["market"]["customers"] != data.get("market", {}).get("customers"):
        head.append(f"# Fitted with {cal.scenario['market']['customers']:,} simulated customers;"
                    " market.customers below is the file's (the number of agents is a"
                    " precision knob, market.size the real market).")
    return "\n".join(head) + "\n" + "\n".join(lines) + "\n"


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def write_outputs(cal: Calibration, fit: Fit, out_dir: Path, *, set_: list[tuple[str, str]],
                  periods: int | None, command: str = "", fmt: str = "png") -> list[Path]:
    """Write the folder's outputs (see the module docstring); the paths written.

    Raises:
        ValueError: ``fmt`` is not png or svg.
    """
    check_format(fmt)
    record = {"created_at": utc_now(), "stratsim_version": stratsim_version(),
              "command": command, "problem": cal.describe(), "best": fit.best,
              "best_point": fit.best_point, "objective": fit.objective, "met": fit.met,
              "targets": fit.targets.to_dict(orient="records"),
              "parameters": fit.parameters.to_dict(orient="records"),
              "warnings": fit.warnings, "candidates": len(fit.candidates),
              "unscored": fit.unscored}
    title = f"calibration of {cal.scenario.get('name', '')}: best {fit.best}"
    return [
        atomic_write(out_dir / CALIBRATED, calibrated_text(cal, fit, set_=set_,
                                                           periods=periods, command=command)),
        atomic_write(out_dir / "fit.csv", csv_text(fit.targets)),
        atomic_write(out_dir / "parameters.csv", csv_text(fit.parameters)),
        atomic_write(out_dir / "candidates.csv", csv_text(fit.candidates)),
        atomic_write(out_dir / "calibration.json",
                     json.dumps(_clean(record), indent=2, default=str) + "\n"),
        save(fit_figure(fit.targets, fit.candidates, fit.parameters, title),
             out_dir / "figures" / f"fit.{fmt}", fmt),
    ]
