"""Experiments from options: ``--strategies``, ``--arm``, ``--param`` and ``--outcome`` read into
an experiment, every problem named by its option and item (``--outcome 2: unknown firm
'Gama'; did you mean 'Gamma'?``).

Names must exist: a ``--firm``, a firm in an ``--outcome`` and a strategy in ``--strategies``
are checked against the scenario and the strategy registry before anything runs; arms and
parameters that name an unknown firm are refused by the scenario's change rules
(:mod:`sim.scenario.changes`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.cli.errors import fail
from sim.cli.options import numbered
from sim.experiment.spec import ExperimentSpec
from sim.experiment.task import OUTCOME_METRICS
from sim.scenario.changes import did_you_mean
from sim.scenario.loader import load_scenario
from sim.scenario.messages import problems_from_validation
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import Problem, SourceError
from sim.strategies import REGISTRY, get_strategy_class

__all__ = ["arms_from_options", "base_firms", "experiment_spec", "option_error", "outcomes",
           "parameters", "value"]


def option_error(option: str, message: str, got: Any = None, path: str = "") -> SourceError:
    """A one-line problem with an option (``--param 2: ...``)."""
    return SourceError([Problem.option(option, message, got if got is not None else
                                       Problem.__dataclass_fields__["got"].default, path)])


def value(text: str) -> Any:
    """A command-line value read as YAML (``90`` -> int, ``basic`` -> str)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def base_firms(scenario: Path, set_: list[str] | None, *, customers: int | None,
               periods: int | None, allow_code: bool) -> list[str]:
    """The firms of the base scenario after the options' changes (it must be valid)."""
    try:
        spec = load_scenario(scenario, numbered("--set", set_), allow_code=allow_code,
                             customers=customers, periods=periods)
    except SourceError as exc:
        fail(exc)
    return spec.all_firm_names()


def check_firm(firm: str, firms: list[str], option: str = "--firm") -> None:
    """Exit 2 unless ``firm`` is one of the scenario's firms."""
    if firm not in firms:
        fail(option_error(option, f"unknown firm '{firm}'{did_you_mean(firm, firms)}"
                                  f" (firms: {', '.join(firms)})", firm))


def outcomes(items: list[str] | None, firms: list[str]) -> list[dict[str, str]]:
    """``--outcome metric@Firm`` options (``-`` in front: minimise), each checked."""
    result = []
    for k, item in enumerate(items or [], start=1):
        option = f"--outcome {k}"
        name = item.strip().lstrip("-")
        metric, at, firm = name.partition("@")
        if not at or not metric or not firm:
            fail(option_error(option, "an outcome is metric@Firm, e.g. cumulative_profit@Alpha",
                              item))
        if metric not in OUTCOME_METRICS:
            fail(option_error(option, f"unknown metric '{metric}'"
                                      f"{did_you_mean(metric, OUTCOME_METRICS)} (metrics:"
                                      f" {', '.join(OUTCOME_METRICS)})", item))
        check_firm(firm, firms, option)
        result.append({"name": name,
                       "direction": "minimize" if item.strip().startswith("-") else "maximize"})
    return result


def arms_from_options(firm: str, strategies: str | None,
                      arm: list[str] | None) -> dict[str, dict[str, Any]]:
    """The arms of a comparison: one per strategy in ``--strategies``, one per ``--arm``."""
    arms: dict[str, dict[str, Any]] = {}
    for name in [s.strip() for s in (strategies or "").split(",") if s.strip()]:
        try:
            get_strategy_class(name)
        except ValueError:
            fail(option_error("--strategies", f"unknown strategy '{name}'"
                                              f"{did_you_mean(name, REGISTRY)} (strategies:"
                                              f" {', '.join(sorted(REGISTRY))})", name))
        arms[name] = {f"firms.{firm}.strategy": name, f"firms.{firm}.params": {}}
    for k, text in enumerate(arm or [], start=1):
        option = f"--arm {k}"
        name, colon, body = text.partition(":")
        if not colon or not name.strip():
            fail(option_error(option, "an arm looks like NAME:PATH=VALUE,...", text))
        changes = {}
        for item in [i for i in body.split(",") if i.strip()]:
            path, eq, val = item.partition("=")
            if not eq or not path.strip():
                fail(option_error(option, f"'{item}' is not PATH=VALUE", text))
            changes[path.strip()] = value(val.strip())
        if name.strip() in arms:
            fail(option_error(option, f"two arms are named '{name.strip()}'", text))
        arms[name.strip()] = changes
    if len(arms) < 2:
        fail(option_error("--strategies", "a comparison needs two or more arms"
                                          " (--strategies 4P,4C,4R and/or --arm NAME:PATH=VALUE)"))
    return arms


def parameters(items: list[str], *, ranges: bool,
               firms: list[str] | None = None) -> tuple[dict[str, Any], set[str]]:
    """``--param`` options as design parameters (and the ranges whose bounds are integers);
    a parameter of a firm (``firms.NAME...``) must name one of ``firms``."""
    found: dict[str, Any] = {}
    integers: set[str] = set()
    for k, item in enumerate(items, start=1):
        option = f"--param {k}"
        path, eq, body = item.partition("=")
        path = path.strip()
        if not eq or not path or not body.strip():
            fail(option_error(option, "a parameter looks like PATH=V1,V2 or PATH=LOW:HIGH",
                              item))
        parts = path.split(".")
        if firms is not None and parts[0] == "firms" and len(parts) > 1:
            check_firm(parts[1], firms, option)
        if ranges:
            low, colon, high = body.partition(":")
            lo, hi = value(low.strip()), value(high.strip())
            if not colon or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                    and math.isfinite(v) for v in (lo, hi)):
                fail(option_error(option, "a range looks like LOW:HIGH with numbers", body,
                                  path))
            if not lo < hi:
                fail(option_error(option, f"a range goes from low to high: write {hi}:{lo}",
                                  body, path))
            found[path] = {"low": lo, "high": hi}
            if isinstance(lo, int) and isinstance(hi, int):
                integers.add(path)
        else:
            found[path] = _values(body)
    return found, integers


def _values(body: str) -> list[Any]:
    """``V1,V2,...`` read as one YAML flow list, so a value may itself be a list or mapping
    (``[0.4, 0.6],[0.5, 0.5]``); plain text that is not YAML splits at its commas."""
    try:
        values = yaml.safe_load(f"[{body}]")
    except yaml.YAMLError:
        values = None
    if isinstance(values, list) and values:
        return values
    return [value(v.strip()) for v in body.split(",") if v.strip()]


_OPTION_OF_FIELD = {"design": "--param", "seed": "--seed", "replications": "--replications",
                    "max_runs": "--max-runs",
                    "customers": "--customers", "periods": "--periods", "set": "--set",
                    "name": "--out"}


def experiment_spec(data: dict[str, Any], design_option: str) -> ExperimentSpec:
    """Validate an experiment made from options; a problem names the option that caused it."""
    try:
        return ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, LoadedYaml("", data), ExperimentSpec)
    named = []
    for p in problems:
        head, _, rest = p.path.partition(".")
        if head == "outcomes":
            index, _, rest = rest.partition(".")
            option = f"--outcome {int(index) + 1}" if index.isdigit() else "--outcome"
        elif head == "set":
            index, _, rest = rest.partition(".")
            option = f"--set {int(index) + 1}" if index.isdigit() else "--set"
        elif head == "design" and rest.partition(".")[0] in ("samples", "levels"):
            option, rest = f"--{rest.partition('.')[0]}", rest.partition(".")[2]
        else:
            option = design_option if head == "design" else _OPTION_OF_FIELD.get(head, head)
            rest = p.path if head == "design" or head not in _OPTION_OF_FIELD else rest
        named.append(Problem.option(option, p.message, p.got, rest))
    fail(SourceError(named))
