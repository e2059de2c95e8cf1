"""Experiment files and designs: which runs an experiment makes.

An experiment applies a **design** to a base scenario and runs every design point
``replications`` times. Replication ``r`` uses the same seed at every design point (common
random numbers, DESIGN.md principle 2), so arms differ only by what the design changes.

Designs (the vocabulary follows the EMA Workbench: levers, uncertainties, outcomes with a
direction):

- ``arms``: named variants, each a set of ``PATH: VALUE`` changes (a strategy comparison);
- ``grid``: the full factorial of factors; a factor is ``PATH: [values]`` or a *linked* factor
  ``NAME: {LEVEL: {PATH: VALUE, ...}, ...}`` whose levels set several fields at once (e.g. the
  number of customers and their volume, at a fixed total market volume);
- ``lhs``: a Latin hypercube (McKay, Beckman & Conover 1979; ``scipy.stats.qmc``) of
  ``samples`` points over ``PATH: {low, high}`` ranges;
- ``sobol`` and ``morris``: SALib's samples for Sobol' indices (Saltelli 2002; Jansen 1999) and
  Morris elementary effects (Morris 1991; Campolongo et al. 2007).

Ranges whose bounds are both integers sample integers (e.g. ``market.customers``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.experiment.task import OUTCOME_METRICS, RunTask
from sim.scenario.loader import split_cross_checks
from sim.scenario.messages import problems_from_validation
from sim.scenario.overrides import apply_overrides
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import Problem, SourceError
from sim.scenario.spec import Scenario
from sim.scenario.yamlfile import load_yaml

__all__ = [
    "DesignSpec",
    "ExperimentSpec",
    "OutcomeSpec",
    "Plan",
    "RangeSpec",
    "build_plan",
    "load_experiment",
    "replication_seeds",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class OutcomeSpec(_Strict):
    """An outcome to report, with the direction that is better."""

    name: str = Field(..., description="metric@Firm, e.g. cumulative_profit@Alpha")
    direction: Literal["maximize", "minimize"] = Field("maximize", description="what is better")

    @field_validator("name")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        metric, at, firm = v.partition("@")
        if not at or not firm:
            raise ValueError("an outcome is named metric@Firm, e.g. cumulative_profit@Alpha")
        if metric not in OUTCOME_METRICS:
            raise ValueError(f"unknown metric '{metric}'; metrics: {', '.join(OUTCOME_METRICS)}")
        return v

    @property
    def metric(self) -> str:
        """The metric part of the name."""
        return self.name.partition("@")[0]

    @property
    def firm(self) -> str:
        """The firm part of the name."""
        return self.name.partition("@")[2]


class RangeSpec(_Strict):
    """A parameter range for sampled designs."""

    low: float = Field(..., description="lowest value")
    high: float = Field(..., description="highest value")

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


Values = Annotated[list[Any], Field(min_length=1)]
Linked = dict[str, dict[str, Any]]


class DesignSpec(_Strict):
    """Which design points an experiment runs."""

    kind: Literal["arms", "grid", "lhs", "sobol", "morris"] = Field(
        ..., description="arms, grid, lhs (Latin hypercube), sobol or morris")
    arms: dict[str, dict[str, Any]] | None = Field(
        None, description="arms design: arm name -> {PATH: VALUE} changes")
    parameters: dict[str, RangeSpec | Values | Linked] | None = Field(
        None, description="grid: PATH: [values] or NAME: {LEVEL: {PATH: VALUE}}; sampled designs:"
        " PATH: {low, high}")
    samples: int | None = Field(
        None, ge=1, le=1_000_000, description="lhs: points; sobol: base samples N (runs ="
        " N x (parameters + 2)); morris: trajectories (runs = N x (parameters + 1))")
    levels: int = Field(4, ge=2, le=20, description="morris: grid levels")

    @model_validator(mode="after")
    def _complete(self) -> DesignSpec:
        if self.kind == "arms":
            if not self.arms:
                raise ValueError("an arms design needs 'arms'")
            if self.parameters:
                raise ValueError("an arms design takes 'arms', not 'parameters'")
            return self
        if not self.parameters:
            raise ValueError(f"a {self.kind} design needs 'parameters'")
        from sim.columns import COLUMNS

        reserved = set(COLUMNS) | {"run_id", "seed", "status", "attempts", "seconds", "point",
                                   "replication", "arm"}
        clash = sorted(set(self.parameters) & reserved)
        if clash:
            raise ValueError(f"factor names {clash} are taken by result columns; choose other"
                             " names (e.g. 'accounts' instead of 'customers')")
        if self.kind == "grid":
            bad = [p for p, v in self.parameters.items() if isinstance(v, RangeSpec)]
            if bad:
                raise ValueError(f"a grid takes lists of values, not ranges: {bad}")
        else:
            bad = [p for p, v in self.parameters.items() if not isinstance(v, RangeSpec)]
            if bad:
                raise ValueError(f"a {self.kind} design takes ranges {{low, high}}: {bad}")
            if self.samples is None:
                raise ValueError(f"a {self.kind} design needs 'samples'")
        return self


class WinnerSpec(_Strict):
    """Which level of a factor wins, in each cell of other factors (e.g. Kotler's grid)."""

    over: str = Field(..., description="the factor whose best level is sought")
    by: list[str] = Field(default_factory=list, description="factors spanning the table")
    outcome: str = Field(..., description="outcome deciding the winner (metric@Firm)")


class ExperimentSpec(_Strict):
    """An experiment file."""

    name: str = Field(..., min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="name (also the default output folder)")
    description: str = Field("", description="what the experiment asks")
    scenario: str = Field(..., description="base scenario file, relative to the experiment file")
    set: list[str] = Field(default_factory=list,
                           description="PATH=VALUE changes applied to the base scenario")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="seed of the replication seeds")
    replications: int = Field(10, ge=1, le=100_000, description="runs per design point")
    design: DesignSpec
    outcomes: list[OutcomeSpec] = Field(default_factory=list, description="outcomes to report")
    winner: WinnerSpec | None = Field(None, description="grid analysis: best level per cell")

    @model_validator(mode="after")
    def _winner_factors(self) -> ExperimentSpec:
        if self.winner is not None:
            factors = set(self.design.parameters or {})
            missing = [f for f in [self.winner.over, *self.winner.by] if f not in factors]
            if self.design.kind != "grid" or missing:
                raise ValueError(f"winner needs grid factors; unknown: {missing}")
        return self


def replication_seeds(seed: int, replications: int) -> list[int]:
    """The seed of each replication, derived from the experiment seed (independent streams)."""
    return [int(np.random.SeedSequence([seed, r]).generate_state(1, dtype=np.uint32)[0])
            for r in range(replications)]


@dataclass
class Plan:
    """Every run of an experiment, ready to execute."""

    spec: ExperimentSpec
    tasks: list[RunTask]
    points: list[dict[str, Any]]
    """The design points (labels without the replication), in order."""
    scenarios: dict[str, dict[str, Any]]
    """Resolved scenario per design point id."""
    fingerprint: str
    label_columns: list[str] = field(default_factory=list)


def _flow(value: Any) -> str:
    """A value as a one-line YAML flow text (for applying it as an override)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    return "\n".join(ln for ln in text.splitlines() if ln != "...").strip()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "arm"


def _label(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True)
    return value


def design_points(design: DesignSpec, seed: int) -> tuple[list[dict[str, Any]],
                                                          list[dict[str, Any]]]:
    """The design's points: (labels per point, {PATH: VALUE} changes per point)."""
    params = design.parameters or {}
    if design.kind == "arms":
        arms = design.arms or {}
        return [{"arm": name} for name in arms], [dict(ch) for ch in arms.values()]
    if design.kind == "grid":
        factors: list[tuple[str, list[tuple[Any, dict[str, Any]]]]] = []
        for name, spec in params.items():
            if isinstance(spec, dict):  # linked factor: level -> {path: value}
                factors.append((name, [(level, dict(ch)) for level, ch in spec.items()]))
            else:
                factors.append((name, [(_label(v), {name: v}) for v in spec]))
        labels, changes = [], []
        for combo in itertools.product(*(levels for _, levels in factors)):
            labels.append({name: level for (name, _), (level, _) in zip(factors, combo,
                                                                        strict=True)})
            merged: dict[str, Any] = {}
            for _, ch in combo:
                merged.update(ch)
            changes.append(merged)
        return labels, changes
    names = list(params)
    ranges = [params[n] for n in names]
    assert all(isinstance(r, RangeSpec) for r in ranges)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[r.low, r.high] for r in ranges]}  # type: ignore[union-attr]
    if design.kind == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed)).random(
            design.samples or 1)
        lows = np.array([r.low for r in ranges])  # type: ignore[union-attr]
        highs = np.array([r.high for r in ranges])  # type: ignore[union-attr]
        matrix = lows + unit * (highs - lows)
    elif design.kind == "sobol":
        from SALib.sample import sobol as sobol_sample

        matrix = sobol_sample.sample(problem, design.samples or 1, calc_second_order=False,
                                     seed=seed)
    else:
        from SALib.sample import morris as morris_sample

        matrix = morris_sample.sample(problem, design.samples or 1, num_levels=design.levels,
                                      seed=seed)
    labels, changes = [], []
    for row in matrix:
        point = {name: float(x) for name, x in zip(names, row, strict=True)}
        labels.append(dict(point))
        changes.append(point)
    return labels, changes


def load_experiment(path: str | Path) -> tuple[ExperimentSpec, LoadedYaml]:
    """Load and validate an experiment file (errors as FILE:LINE:COLUMN lines)."""
    loaded = load_yaml(path)
    try:
        spec = ExperimentSpec.model_validate(loaded.data)
    except ValidationError as exc:
        raise SourceError(problems_from_validation(exc, loaded, ExperimentSpec)) from None
    return spec, loaded


def _integer_ranges(loaded: LoadedYaml | None) -> set[str]:
    """Parameters whose range bounds are written as integers in the file."""
    out: set[str] = set()
    data = loaded.data if loaded is not None else None
    try:
        params = data["design"]["parameters"]  # type: ignore[index]
    except (TypeError, KeyError):
        return out
    for name, spec in (params or {}).items():
        if isinstance(spec, dict) and isinstance(spec.get("low"), int) and isinstance(
                spec.get("high"), int) and not isinstance(spec.get("low"), bool):
            out.add(name)
    return out


def build_plan(spec: ExperimentSpec, base_dir: Path, *, loaded: LoadedYaml | None = None,
               allow_code: bool = False, origin: str = "experiment",
               integer_params: set[str] | None = None) -> Plan:
    """Resolve every design point into a validated scenario and every run into a task.

    Args:
        spec: the experiment.
        base_dir: folder the scenario path is relative to.
        loaded: the experiment file as loaded (for error positions), if it came from a file.
        allow_code: allow user strategy classes.
        origin: name shown as the source of design changes in error lines.
        integer_params: sampled parameters to round to integers (default: those whose range
            bounds are written as integers in the experiment file).

    Raises:
        SourceError: the base scenario or some design point is invalid (every problem, each
            naming the design point), or an outcome names an unknown firm.
    """
    scenario_path = (base_dir / spec.scenario) if not Path(spec.scenario).is_absolute() else (
        Path(spec.scenario))
    base = load_yaml(scenario_path)
    if spec.set:
        base = apply_overrides(base, spec.set, origin=f"{origin}: set")
    if integer_params is None:
        integer_params = _integer_ranges(loaded)
    labels, changes = design_points(spec.design, spec.seed)
    if integer_params:
        for point_labels, point in zip(labels, changes, strict=True):
            for name in integer_params & set(point):
                point[name] = point_labels[name] = round(float(point[name]))
    seeds = replication_seeds(spec.seed, spec.replications)
    problems: list[Problem] = []
    scenarios: dict[str, dict[str, Any]] = {}
    tasks: list[RunTask] = []
    firms: set[str] | None = None
    digest = hashlib.sha256()
    digest.update(spec.model_dump_json().encode())
    width = max(3, len(str(len(changes))))
    for k, (point_labels, point) in enumerate(zip(labels, changes, strict=True)):
        point_id = (_slug(str(point_labels["arm"])) if spec.design.kind == "arms"
                    else f"{'p' if spec.design.kind == 'grid' else 's'}{k:0{width}d}")
        where = f"{origin}: {point_id}"
        try:
            resolved = apply_overrides(base, [f"{p}={_flow(v)}" for p, v in point.items()],
                                       origin=where)
            scenario = Scenario.model_validate(resolved.data,
                                               context={"allow_code": allow_code})
        except SourceError as exc:
            problems.extend(exc.problems)
            continue
        except ValidationError as exc:
            problems.extend(split_cross_checks(problems_from_validation(exc, resolved, Scenario),
                                               resolved))
            continue
        firms = set(scenario.all_firm_names()) if firms is None else firms
        data = scenario.model_dump(mode="json")
        scenarios[point_id] = data
        digest.update(json.dumps(data, sort_keys=True).encode())
        for r, seed in enumerate(seeds):
            tasks.append(RunTask(run_id=f"{point_id}-r{r:03d}", scenario=data, seed=seed,
                                 labels={**point_labels, "point": point_id, "replication": r},
                                 allow_code=allow_code))
        if len(problems) > 50:
            break
    if problems:
        unique = list(dict.fromkeys(problems))
        raise SourceError(unique)
    for k, outcome in enumerate(spec.outcomes):
        if firms is not None and outcome.firm not in firms:
            file, line, col = (loaded.locate(["outcomes", k, "name"]) if loaded else
                               (origin, 1, 1))
            problems.append(Problem(file, line, col, f"outcomes.{k}.name",
                                    f"no firm '{outcome.firm}'; firms are {sorted(firms)}",
                                    outcome.name))
    if problems:
        raise SourceError(problems)
    label_columns = list(dict.fromkeys(k for lab in labels for k in lab))
    return Plan(spec=spec, tasks=tasks, points=labels, scenarios=scenarios,
                fingerprint=digest.hexdigest()[:16], label_columns=label_columns)


def runs_count(design: DesignSpec, replications: int) -> int:
    """How many runs a design makes (before building it)."""
    n_params = len(design.parameters or {})
    if design.kind == "arms":
        points = len(design.arms or {})
    elif design.kind == "grid":
        points = math.prod(len(v) for v in (design.parameters or {}).values())  # type: ignore
    elif design.kind == "sobol":
        points = (design.samples or 0) * (n_params + 2)
    elif design.kind == "morris":
        points = (design.samples or 0) * (n_params + 1)
    else:
        points = design.samples or 0
    return points * replications
