"""Checking calibration targets and parameters against the scenario they calibrate.

Each problem is one line naming where the target or parameter was written (a file position or
an option such as ``--target 2``): see :mod:`sim.calibration.problem` for the rules.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import ValidationError

from sim.calibration.targets import Target
from sim.experiment.diagnostics_folder import DiagnoseOptions
from sim.scenario.calibration import ParameterRange, TargetSpec, measure_kind, split_metric
from sim.scenario.changes import apply_changes, did_you_mean
from sim.scenario.loader import split_cross_checks
from sim.scenario.messages import problems_from_validation
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import Problem, SourceError
from sim.scenario.spec import Scenario

__all__ = ["DIAGNOSE_WINDOW", "changed_scenario", "check_parameters", "check_targets"]

DIAGNOSE_WINDOW = DiagnoseOptions().window
"""Periods a diagnostic target is measured over unless its window says otherwise (the window
of ``stratsim diagnose``, so the figures of its table can be targets as they are)."""

COMPLEMENTS = {("churn_rate", "retention_rate"), ("churn", "retention")}
"""Pairs of metrics that add up to 1 for one firm over one window."""

SHARES = ("share_units", "share")

NOT_PARAMETERS = {
    "seed": "is not a parameter of the market: every candidate runs the calibration's"
            " replication seeds (--seed)",
    "market.customers": "is not a parameter of the market: it is the number of agents, a"
                        " precision knob (--customers); market.size is the real market",
}
"""Fields a calibration may not move, and why."""
"""Metrics whose values over the firms of a market add up to at most 1."""


def _problem(origin: str, message: str, got: Any = None) -> Problem:
    """A problem at ``origin`` (``file:line:col`` or an option)."""
    file, line, column = origin, 0, 0
    parts = origin.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        file, line, column = parts[0], int(parts[1]), int(parts[2])
    return Problem(file, line, column, "", message,
                   got if got is not None else Problem.__dataclass_fields__["got"].default)


def _resolve(spec: TargetSpec, origin: str, base: Scenario, firms: list[str]
             ) -> tuple[Target | None, list[Problem]]:
    metric, firm = split_metric(spec.metric)
    kind = measure_kind(metric)
    problems: list[Problem] = []
    if firm and firm not in firms:
        problems.append(_problem(origin, f"{spec.metric}: unknown firm '{firm}'"
                                         f"{did_you_mean(firm, firms)} (firms:"
                                         f" {', '.join(firms)})", spec.metric))
    window = spec.window
    periods = base.periods
    if window is not None and window[1] > periods:
        problems.append(_problem(origin, f"{spec.metric}: the window ends at period {window[1]},"
                                         f" after the scenario's last period {periods}",
                                 list(window)))
    if kind == "diagnostic":
        if window is None:
            length = min(DIAGNOSE_WINDOW, periods)
            window = (periods - length + 1, periods)
        elif window[1] != periods or window[1] - window[0] < 1:
            problems.append(_problem(origin, f"{spec.metric}: a diagnostic measure is taken over"
                                             " the scenario's last periods: its window must end"
                                             f" at period {periods} and span 2 or more",
                                     list(window)))
        if window[1] - window[0] < 1:
            problems.append(_problem(origin, f"{spec.metric}: a diagnosis needs 2 or more"
                                             f" periods; the scenario has {periods}"))
    if problems:
        return None, problems
    return Target(name=spec.metric, metric=metric, firm=firm, kind=kind, value=spec.value,
                  half_width=spec.half_width, window=window, origin=origin), []


def _conflicts(targets: list[Target], firms: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, str, Any], Target] = {}
    for t in targets:
        key = (t.metric, t.firm, t.window)
        first = seen.setdefault(key, t)
        if first is not t and (first.value, first.half_width) != (t.value, t.half_width):
            problems.append(_problem(t.origin, f"{t.label}: conflicts with the same target at"
                                               f" {first.origin}, which wants {first.value:g}"
                                               f" ±{first.half_width:g}", t.value))
    unique = list(seen.values())
    for a in unique:
        for b in unique:
            if (a.metric, b.metric) in COMPLEMENTS and (a.firm, a.window) == (b.firm, b.window):
                gap = abs(a.value + b.value - 1.0)
                if gap > a.half_width + b.half_width:
                    problems.append(_problem(
                        b.origin, f"{b.label}: conflicts with {a.label} at {a.origin}:"
                                  f" {a.metric} + {b.metric} = 1, and {a.value:g} + {b.value:g}"
                                  f" misses 1 by {gap:g}, more than their tolerances"
                                  f" ({a.half_width:g} + {b.half_width:g})", b.value))
    groups: dict[tuple[str, Any], list[Target]] = defaultdict(list)
    for t in unique:
        if t.metric in SHARES:
            groups[(t.metric, t.window)].append(t)
    for (metric, _), group in groups.items():
        total = sum(t.value for t in group)
        slack = sum(t.half_width for t in group)
        every = {t.firm for t in group} >= set(firms) and metric == "share"
        if total - slack > 1.0 or (every and abs(total - 1.0) > slack):
            names = ", ".join(t.label for t in group)
            rule = "add up to 1" if every else "add up to at most 1"
            problems.append(_problem(group[-1].origin, f"{names}: conflict: the firms' {metric}"
                                                       f" {rule}, and these add up to"
                                                       f" {total:g} (tolerances {slack:g})"))
    return problems


def check_targets(specs: list[tuple[TargetSpec, str]], base: Scenario, source: str
                  ) -> tuple[list[Target], list[Problem]]:
    """The targets resolved against the scenario, and every problem with them."""
    firms = base.all_firm_names()
    targets: list[Target] = []
    problems: list[Problem] = []
    for spec, origin in specs:
        target, found = _resolve(spec, origin, base, firms)
        problems += found
        if target is not None:
            targets.append(target)
    windows = {t.window for t in targets if t.kind == "diagnostic"}
    if len(windows) > 1:
        shown = ", ".join(f"[{w[0]}, {w[1]}]" for w in sorted(windows))  # type: ignore[index]
        problems.append(_problem(source, f"diagnostic targets are measured over one window"
                                         f" (one diagnosis per run); these use {shown}"))
    problems += _conflicts(targets, firms)
    unique: dict[tuple[str, str, Any], Target] = {}
    for t in targets:
        unique.setdefault((t.metric, t.firm, t.window), t)
    return list(unique.values()), problems


def changed_scenario(loaded: LoadedYaml, changes: list[tuple[str, str]], origin: str,
                     allow_code: bool) -> Scenario:
    """``loaded`` with ``(origin, PATH=VALUE)`` changes, validated (every problem placed).

    Raises:
        SourceError: a change names nothing, or the changed scenario is invalid.
    """
    changed = apply_changes(loaded, changes, origin=origin)
    try:
        return Scenario.model_validate(changed.data, context={"allow_code": allow_code})
    except ValidationError as exc:
        raise SourceError(split_cross_checks(problems_from_validation(exc, changed, Scenario),
                                             changed)) from None


def check_parameters(ranges: dict[str, tuple[ParameterRange, str]], loaded: LoadedYaml,
                     allow_code: bool) -> list[Problem]:
    """Every problem with the free parameters: each end of each range is applied to the
    scenario and validated, so a path that is no field, or a range outside the field's bounds,
    is named by the field's own rule (``--param 1: market.behaviour.choice_scale: must be >= 0
    (got -5)``)."""
    problems: list[Problem] = []
    for path, (spec, origin) in ranges.items():
        if path in NOT_PARAMETERS:
            problems.append(_problem(origin, f"{path}: {NOT_PARAMETERS[path]}", path))
            continue
        for end, value in (("low", spec.low), ("high", spec.high)):
            try:
                changed_scenario(loaded, [(origin, f"{path}={value!r}")], origin, allow_code)
            except SourceError as exc:
                problems += [Problem(p.file, p.line, p.column, p.path,
                                     f"the range's {end} end is outside what the field allows:"
                                     f" {p.message}" if p.message.startswith("must be")
                                     else p.message, p.got) for p in exc.problems]
                break
    return problems
