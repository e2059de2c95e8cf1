"""Designs: which runs an experiment makes (the file itself is :mod:`sim.experiment.spec`).

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from sim.experiment.spec import DesignSpec, ExperimentSpec, RangeSpec, arm_slug
from sim.experiment.task import RunTask
from sim.scenario.changes import Change, apply_changes, did_you_mean
from sim.scenario.fork import fork_scenario
from sim.scenario.loader import change_scenario, split_cross_checks
from sim.scenario.memory import available_memory
from sim.scenario.messages import problems_from_validation
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import Problem, SourceError
from sim.scenario.spec import Scenario
from sim.scenario.yamlfile import load_yaml

__all__ = ["Plan", "build_plan", "check_size", "design_points", "replication_seeds", "runs_count"]


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
    notes: list[str] = field(default_factory=list)
    """What the plan left out (events after a shorter horizon), one line each."""


def _flow(value: Any) -> str:
    """A value as a one-line YAML flow text (for applying it as an override)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    return "\n".join(ln for ln in text.splitlines() if ln != "...").strip()


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
               integer_params: set[str] | None = None,
               set_origin: str | None = None) -> Plan:
    """Resolve every design point into a validated scenario and every run into a task.

    Args:
        spec: the experiment.
        base_dir: folder the scenario path is relative to.
        loaded: the experiment file as loaded (for error positions), if it came from a file.
        allow_code: allow user strategy classes.
        origin: name shown as the source of design changes in error lines.
        integer_params: sampled parameters to round to integers (default: those whose range
            bounds are written as integers in the experiment file).
        set_origin: the option that added ``set`` items beyond those of the experiment file
            (``--set``): problems with them are named ``--set 1``, ``--set 2`` ...

    Raises:
        SourceError: the base scenario or some design point is invalid (every problem, each
            naming the design point), or an outcome names an unknown firm.
    """
    scenario_path = (base_dir / spec.scenario) if not Path(spec.scenario).is_absolute() else (
        Path(spec.scenario))
    base = load_yaml(scenario_path)
    in_file = (len(loaded.data.get("set") or []) if loaded is not None
               and isinstance(loaded.data, dict) else 0)

    def set_where(k: int) -> str:
        if k < in_file:
            return _located(loaded, ["set", k])  # type: ignore[arg-type]
        if set_origin:
            return f"{set_origin} {k - in_file + 1}"
        return f"{origin}: set {k + 1}"

    set_changes: list[Change] = [(set_where(k), text) for k, text in enumerate(spec.set)]
    notes: list[str] = []
    base = change_scenario(base, set_changes, customers=spec.customers, periods=spec.periods,
                           notes=notes, origin=f"{origin}: set")
    if integer_params is None:
        integer_params = _integer_ranges(loaded)
    check_size(spec, origin)
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
    # a design without transaction logs keeps the fingerprint it had before they existed
    digest.update(spec.model_dump_json(
        exclude=None if spec.transactions else {"transactions"}).encode())
    width = max(3, len(str(len(changes))))
    for k, (point_labels, point) in enumerate(zip(labels, changes, strict=True)):
        point_id = (arm_slug(str(point_labels["arm"])) if spec.design.kind == "arms"
                    else f"{'p' if spec.design.kind == 'grid' else 's'}{k:0{width}d}")
        where = f"{origin}: {point_id}"
        try:
            if spec.design.fork_at is not None:
                scenario = _forked_arm(base, spec.design.fork_at, point, where, allow_code)
            else:
                resolved = apply_changes(base, [f"{p}={_flow(v)}" for p, v in point.items()],
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
                                 allow_code=allow_code, transactions=spec.transactions))
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
                                    f"unknown firm '{outcome.firm}'"
                                    f"{did_you_mean(outcome.firm, firms)}; firms are"
                                    f" {sorted(firms)}", outcome.name))
    if problems:
        raise SourceError(problems)
    label_columns = list(dict.fromkeys(k for lab in labels for k in lab))
    return Plan(spec=spec, tasks=tasks, points=labels, scenarios=scenarios,
                fingerprint=digest.hexdigest()[:16], label_columns=label_columns, notes=notes)


def _forked_arm(base: LoadedYaml, at: int, changes: dict[str, Any], where: str,
                allow_code: bool) -> Scenario:
    """An arm of a ``fork_at`` design: the base scenario with the arm's changes as events at
    ``at + 1`` (:func:`sim.scenario.fork.fork_scenario`), so every arm shares periods 1..at.

    Raises:
        SourceError: the base is invalid, ``at`` is not before its last period, or a change is
            not a firm's lever or strategy.
    """
    try:
        first = Scenario.model_validate(base.data, context={"allow_code": allow_code})
    except ValidationError as exc:
        raise SourceError(split_cross_checks(problems_from_validation(exc, base, Scenario),
                                             base)) from None
    if at >= first.periods:
        raise SourceError([Problem.option(where, f"fork_at {at}: the scenario has"
                                                 f" {first.periods} periods; the arms can share"
                                                 f" 0 to {first.periods - 1} of them",
                                          path="design.fork_at")])
    levers: list[tuple[str, str]] = []
    strategies: list[tuple[str, str]] = []
    for path, value in changes.items():
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "firms" and parts[2] == "strategy":
            strategies.append((where, f"{parts[1]}={value}"))
        elif len(parts) == 3 and parts[0] == "firms" and parts[2] == "params":
            levers += [(where, f"{path}.{k}={_flow(v)}") for k, v in (value or {}).items()]
        else:
            levers.append((where, f"{path}={_flow(value)}"))
    return fork_scenario(base.data, at, levers, strategies, first.all_firm_names(),
                         allow_code=allow_code)


def _located(loaded: LoadedYaml, path: list[str | int]) -> str:
    """Where a value of the experiment file is, as an origin (``exp.yaml:12:5``)."""
    file, line, column = loaded.locate(path)
    return f"{file}:{line}:{column}"


PLAN_BYTES_PER_POINT = 125 * 1024
"""Memory a planned design point holds (its resolved scenario), measured: 122 KiB."""


def check_size(spec: ExperimentSpec, origin: str) -> None:
    """Refuse a design larger than ``max_runs``, or one whose plan would not fit in memory,
    before anything is built (the count needs no design point)."""
    runs = runs_count(spec.design, spec.replications)
    points = runs // max(spec.replications, 1)
    problem = None
    if runs > spec.max_runs:
        problem = (f"the design makes {runs:,} runs ({points:,} design points x"
                   f" {spec.replications:,} replications), more than max_runs {spec.max_runs:,};"
                   " raise max_runs (--max-runs) if you mean it")
    else:
        have = available_memory()
        need = points * PLAN_BYTES_PER_POINT
        if have and need > 0.8 * have:
            problem = (f"planning {points:,} design points needs about {need / 2**30:.1f} GiB;"
                       f" this machine has {have / 2**30:.1f} GiB available")
    if problem:
        raise SourceError([Problem.option(origin, problem, path="design")])


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
