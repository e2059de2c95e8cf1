"""A calibration problem: the base market, the targets and the free parameters, all checked.

:func:`build_calibration` merges the three places a calibration can be written (the scenario's
``calibration:`` section, a file of its own, command-line options) into one
:class:`Calibration`, and refuses, with one line per problem naming the file, line and column
or the option, every target or parameter that cannot mean what it says:

* a metric that does not exist, a firm the scenario does not have, a window outside the
  scenario's periods, diagnostic targets over different windows;
* a parameter path that is no field of the scenario, or whose range goes outside the field's
  own bounds (both ends are applied to the scenario and validated, so the field's rules speak);
* **conflicting targets**: one target given twice with different values; churn and retention
  of one firm over one window that do not add up to 1 within their tolerances; market shares
  whose sum exceeds 1 by more than their tolerances.

Command-line options add to the file's targets and parameters; an option's parameter replaces
the file's range of the same path, and ``--budget``, ``--replications``, ``--seed`` and
``--batch`` replace the file's settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.calibration.checks import changed_scenario, check_parameters, check_targets
from sim.calibration.targets import Target
from sim.experiment.design import replication_seeds
from sim.experiment.manifest import fingerprint_of
from sim.experiment.task import RunTask
from sim.scenario.calibration import CalibrationSpec, ParameterRange, TargetSpec
from sim.scenario.loader import load_scenario_with_source
from sim.scenario.messages import problems_from_validation, validate_file
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import Problem, SourceError

__all__ = ["Calibration", "build_calibration", "parse_target"]

_TARGET = re.compile(r"^(?P<metric>[^=\[\]]+?)\s*(\[\s*(?P<first>\d+)\s*-\s*(?P<last>\d+)\s*\])?"
                     r"\s*=\s*(?P<value>[^:]+?)\s*(:\s*(?P<tol>.+))?$")


@dataclass
class Calibration:
    """A checked calibration problem (see the module docstring)."""

    scenario_file: str
    base: LoadedYaml
    """The scenario with ``--set``, ``--customers`` and ``--periods`` applied."""
    scenario: dict[str, Any]
    """The base scenario, resolved."""
    targets: list[Target]
    parameters: dict[str, ParameterRange]
    budget: int
    replications: int
    batch: int
    seed: int
    step: float
    allow_code: bool = False
    origins: dict[str, str] = field(default_factory=dict)
    """Where each parameter was written."""

    @property
    def candidates(self) -> int:
        """Candidate markets the budget pays for (each costs ``replications`` runs)."""
        return self.budget // self.replications

    @property
    def seeds(self) -> list[int]:
        """The replications' seeds, the same for every candidate (common random numbers)."""
        return replication_seeds(self.seed, self.replications)

    @property
    def diagnose_window(self) -> int | None:
        """Length of the diagnosis window, if a target is a diagnostic measure."""
        windows = [t.window for t in self.targets if t.kind == "diagnostic" and t.window]
        return windows[0][1] - windows[0][0] + 1 if windows else None

    @property
    def levers(self) -> list[list[str]]:
        """``[firm, lever]`` of every elasticity target (only those copies are run)."""
        found = {(t.firm, t.metric.removeprefix("elasticity_")) for t in self.targets
                 if t.metric.startswith("elasticity_")}
        return [list(pair) for pair in sorted(found)]

    @property
    def real_customers(self) -> float:
        """The real market's customers (what shares of customers divide by)."""
        market = self.scenario["market"]
        return float(market.get("size") or market["customers"])

    def fingerprint(self) -> str:
        """What ties a results folder to this problem (the budget may grow between sessions)."""
        return fingerprint_of({
            "kind": "calibrate", "scenario": self.scenario,
            "targets": [t.__dict__ | {"origin": ""} for t in self.targets],
            "parameters": {p: r.model_dump() for p, r in self.parameters.items()},
            "replications": self.replications, "batch": self.batch, "seed": self.seed,
            "step": self.step})

    def candidate_scenario(self, point: dict[str, float | int], origin: str) -> dict[str, Any]:
        """The base scenario with ``point``'s values, validated and resolved.

        Raises:
            SourceError: the values make an invalid scenario.
        """
        changes = [(origin, f"{path}={value!r}") for path, value in point.items()]
        return changed_scenario(self.base, changes, origin, self.allow_code).model_dump(
            mode="json")

    def tasks(self, candidate: str, scenario: dict[str, Any],
              labels: dict[str, Any]) -> list[RunTask]:
        """The candidate's runs: one per replication seed, each a plain run or, with a
        diagnostic target, a diagnosis replication that also reports the run's outcomes."""
        window = self.diagnose_window
        diagnose = None if window is None else {
            "window": window, "step": self.step, "levers": self.levers, "outcomes": True,
            "elasticities": bool(self.levers)}
        return [RunTask(run_id=f"{candidate}-r{r:03d}", scenario=scenario, seed=seed,
                        labels={**labels, "candidate": candidate, "replication": r},
                        allow_code=self.allow_code, diagnose=diagnose)
                for r, seed in enumerate(self.seeds)]

    def describe(self) -> dict[str, Any]:
        """The problem as plain data (the manifest and calibration.json)."""
        return {"scenario_file": self.scenario_file,
                "targets": [{"name": t.name, "label": t.label, "metric": t.metric,
                             "firm": t.firm, "kind": t.kind, "value": t.value,
                             "tolerance": t.half_width,
                             "window": list(t.window) if t.window else None,
                             "origin": t.origin} for t in self.targets],
                "parameters": {p: {**r.model_dump(), "origin": self.origins.get(p, "")}
                               for p, r in self.parameters.items()},
                "budget": self.budget, "replications": self.replications,
                "batch": self.batch, "seed": self.seed, "step": self.step}


def parse_target(text: str, option: str) -> dict[str, Any]:
    """``METRIC@FIRM[FIRST-LAST]=VALUE[:TOLERANCE]`` as the fields of a target.

    Raises:
        SourceError: it is not written that way, or a number is not a number.
    """
    match = _TARGET.match(text.strip())
    shape = ("a target looks like METRIC@FIRM=VALUE[:TOLERANCE], e.g. churn_rate@Alpha=0.03:0.005"
             " (a window: churn_rate@Alpha[49-60]=0.03)")
    if not match:
        raise SourceError([Problem.option(option, shape, text)])
    data: dict[str, Any] = {"metric": match["metric"]}
    for name, key in (("value", "value"), ("tol", "tolerance")):
        if match[name] is None:
            continue
        try:
            number = float(match[name])
        except ValueError:
            raise SourceError([Problem.option(option, f"{key} '{match[name]}' is not a number;"
                                              f" {shape}", text)]) from None
        data[key] = number
    if match["first"] is not None:
        data["window"] = (int(match["first"]), int(match["last"]))
    return data


def _section(loaded: LoadedYaml, file: Path | None) -> tuple[CalibrationSpec, Any]:
    """The written calibration (a file's, or the scenario's section) and a locator of its
    fields (``["targets", 0, "metric"] -> "file:line:column"``)."""
    if file is not None:
        spec, cal_loaded = validate_file(file, CalibrationSpec)
        return spec, lambda keys: "{}:{}:{}".format(*cal_loaded.locate(keys))
    data = loaded.data.get("calibration") if isinstance(loaded.data, dict) else None
    spec = CalibrationSpec.model_validate(data or {})  # the scenario's validation checked it
    return spec, lambda keys: "{}:{}:{}".format(*loaded.locate(["calibration", *keys]))


def _option_target(text: str, option: str) -> TargetSpec:
    data = parse_target(text, option)
    try:
        return TargetSpec.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, LoadedYaml("", data), TargetSpec)
        raise SourceError([Problem.option(option, p.message, p.got if p.path else text,
                                          p.path) for p in problems]) from None


def build_calibration(scenario: Path, *, set_: list[tuple[str, str]] = (),
                      customers: int | None = None, periods: int | None = None,
                      file: Path | None = None, targets: list[str] = (),
                      parameters: dict[str, tuple[ParameterRange, str]] | None = None,
                      budget: int | None = None, replications: int | None = None,
                      seed: int | None = None, batch: int | None = None,
                      allow_code: bool = False, notes: list[str] | None = None
                      ) -> Calibration:
    """The checked calibration problem of a scenario (see the module docstring).

    Args:
        scenario: the scenario file.
        set_: ``(origin, PATH=VALUE)`` changes (``--set``).
        customers, periods: as for every command.
        file: a calibration file (its top level is a ``calibration:`` section's content);
            default: the scenario's own section.
        targets: ``--target`` texts.
        parameters: ``--param`` ranges with their option names.
        budget, replications, seed, batch: replace the written settings.

    Raises:
        SourceError: every problem found (files and options).
    """
    base, loaded = load_scenario_with_source(scenario, list(set_), allow_code=allow_code,
                                             customers=customers, periods=periods, notes=notes)
    written, locate = _section(loaded, file)
    specs: list[tuple[TargetSpec, str]] = [
        (t, locate(["targets", k, "metric"])) for k, t in enumerate(written.targets)]
    problems: list[Problem] = []
    for k, text in enumerate(targets, start=1):
        try:
            specs.append((_option_target(text, f"--target {k}"), f"--target {k}"))
        except SourceError as exc:
            problems.extend(exc.problems)
    ranges = {p: (r, locate(["parameters", p])) for p, r in written.parameters.items()}
    ranges.update(parameters or {})
    settings = {"budget": budget or written.budget,
                "replications": replications or written.replications,
                "batch": batch or written.batch,
                "seed": next(v for v in (seed, written.seed, base.seed) if v is not None)}
    source = str(file) if file is not None else str(scenario)
    resolved, found = check_targets(specs, base, source)
    problems += found
    problems += check_parameters(ranges, loaded, allow_code)
    if not written.targets and not targets:
        problems.append(Problem.option("--target", "a calibration needs a target: give"
                                       " --target METRIC@FIRM=VALUE[:TOLERANCE] or a"
                                       f" calibration: section with targets in {source}"))
    if not ranges:
        problems.append(Problem.option("--param", "a calibration needs a free parameter: give"
                                       " --param PATH=LOW:HIGH or calibration.parameters in"
                                       f" {source}"))
    if settings["budget"] < settings["replications"]:
        problems.append(Problem.option("--budget", f"a budget of {settings['budget']} runs"
                                       " pays for no candidate: each costs --replications"
                                       f" {settings['replications']} runs", settings["budget"]))
    if problems:
        raise SourceError(list(dict.fromkeys(problems)))
    return Calibration(
        scenario_file=str(scenario), base=loaded, scenario=base.model_dump(mode="json"),
        targets=resolved, parameters={p: r for p, (r, _) in ranges.items()},
        budget=int(settings["budget"]), replications=int(settings["replications"]),
        batch=int(settings["batch"]), seed=int(settings["seed"]), step=written.step,
        allow_code=allow_code, origins={p: o for p, (_, o) in ranges.items()})
