"""Forks: a finished run continued from the end of period K with a change (``stratsim fork``).

A fork is the run's resolved scenario with the change as **events at period K + 1**
(:mod:`sim.scenario.events`), run again from period 1 on the same seed. Everything up to the
end of period K is what the original run did, byte for byte: the draws of a period depend
only on the seed, the period and the stream's name (common random numbers), and an event acts
only from its period. After K, the difference between the fork and the original is the effect
of the change alone, on the same customers and the same draws.

What a fork can change, from period K + 1:

- a firm's levers: ``firms.NAME.LEVER=VALUE`` (``price``, ``promotion``, ``programs.financial``
  ...); a firm run by a strategy keeps a lever set this way (it is pinned), as with ``--set``;
- a firm's strategy: ``--strategy NAME=STRATEGY``, with its parameters as
  ``firms.NAME.params.KEY=VALUE``; the new strategy starts from its own defaults.

A change of anything else (the market, costs, behaviour) is not a fork: it would change the
customers or the draws of periods before K + 1 too, so it is refused with a message.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from sim.levers import ALL_LEVERS
from sim.scenario.changes import did_you_mean
from sim.scenario.events import EventSpec
from sim.scenario.loader import split_cross_checks
from sim.scenario.messages import problems_from_validation
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import Problem, SourceError
from sim.scenario.spec import Scenario

__all__ = ["fork_scenario"]

WHAT_A_FORK_CHANGES = ("a fork changes what a firm does from period K + 1: its levers"
                       " (firms.NAME.price=80, firms.NAME.programs.financial=0.05 ...) or its"
                       " strategy (--strategy NAME=4C, with firms.NAME.params.KEY=VALUE); for"
                       " other changes run a new scenario")


def _value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _event(origin: str, event: dict[str, Any]) -> list[Problem]:
    """Problems with one event, named by the option that made it."""
    try:
        EventSpec.model_validate(event)
    except ValidationError as exc:
        found = problems_from_validation(exc, LoadedYaml("", event), EventSpec)
        return [Problem.option(origin, p.message, p.got, p.path) for p in found]
    return []


def fork_scenario(data: dict[str, Any], at: int, changes: Sequence[tuple[str, str]],
                  strategies: Sequence[tuple[str, str]], firms: list[str], *,
                  allow_code: bool = False) -> Scenario:
    """The run's scenario (``data``, resolved) with the changes as events at ``at + 1``,
    validated.

    Args:
        data: the original run's resolved scenario.
        at: the last period the fork shares with the run (0: it differs from period 1).
        changes: ``(origin, PATH=VALUE)``, e.g. ``("--set 1", "firms.Alpha.price=80")``.
        strategies: ``(origin, FIRM=STRATEGY)``.
        firms: every firm of the scenario (entrants included).

    Raises:
        SourceError: every problem, each named by its option (a problem the whole scenario
            finds with a new event, such as an unknown strategy, too).
    """
    problems: list[Problem] = []
    levers: dict[str, dict[str, Any]] = {}
    params: dict[str, dict[str, Any]] = {}
    lever_origin: dict[str, str] = {}
    param_origin: dict[str, str] = {}

    def known(firm: str, origin: str, got: str) -> bool:
        if firm in firms:
            return True
        problems.append(Problem.option(origin, f"unknown firm '{firm}'"
                                               f"{did_you_mean(firm, firms)} (firms:"
                                               f" {', '.join(firms)})", got))
        return False

    for origin, text in changes:
        path, eq, raw = text.partition("=")
        parts = [p.strip() for p in path.split(".")]
        if not eq or len(parts) < 3 or parts[0] != "firms":
            problems.append(Problem.option(origin, WHAT_A_FORK_CHANGES, text))
            continue
        firm, rest = parts[1], ".".join(parts[2:])
        if not known(firm, origin, text):
            continue
        value = _value(raw.strip())
        if parts[2] == "params" and len(parts) == 4:
            params.setdefault(firm, {})[parts[3]] = value
            param_origin[firm] = origin
        elif rest in ALL_LEVERS:
            block = levers.setdefault(firm, {})
            if "." in rest:
                block.setdefault(parts[2], {})[parts[3]] = value
            else:
                block[rest] = value
            lever_origin[firm] = origin
        else:
            problems.append(Problem.option(
                origin, f"'{rest}' is not a lever of {firm}{did_you_mean(rest, ALL_LEVERS)};"
                        f" {WHAT_A_FORK_CHANGES}", text))
    switches: dict[str, tuple[str, str]] = {}
    for origin, text in strategies:
        firm, eq, name = (p.strip() for p in text.partition("="))
        if not eq or not firm or not name:
            problems.append(Problem.option(origin, "a strategy change looks like FIRM=STRATEGY,"
                                                   " e.g. Gamma=4C", text))
        elif known(firm, origin, text):
            switches[firm] = (origin, name)
    for firm, origin in param_origin.items():
        if firm not in switches:
            problems.append(Problem.option(origin, f"firms.{firm}.params: a strategy's"
                                                   " parameters change with its strategy: add"
                                                   f" --strategy {firm}=STRATEGY"))
    period = at + 1
    events: list[dict[str, Any]] = []
    for firm, (origin, name) in switches.items():
        event = {"period": period, "firm": firm, "strategy": name,
                 "params": params.get(firm) or None}
        problems += _event(origin, event)
        events.append(event)
    for firm, block in levers.items():  # after a switch, so the new strategy keeps them pinned
        event = {"period": period, "firm": firm, "set": block}
        problems += _event(lever_origin[firm], event)
        events.append(event)
    if problems:
        raise SourceError(list(dict.fromkeys(problems)))
    forked = copy.deepcopy(data)
    before = len(forked.get("events") or [])
    origins = [*(o for f, (o, _) in switches.items()), *(lever_origin[f] for f in levers)]
    forked["events"] = [*(forked.get("events") or []),
                        *({k: v for k, v in e.items() if v is not None} for e in events)]
    try:
        return Scenario.model_validate(forked, context={"allow_code": allow_code})
    except ValidationError as exc:
        loaded = LoadedYaml("the run's scenario", forked)
        found = split_cross_checks(problems_from_validation(exc, loaded, Scenario), loaded)
    named = []
    for p in found:  # a problem with a new event is the option's that made it
        head, _, rest = p.path.partition(".")
        index, _, field = rest.partition(".")
        if head == "events" and index.isdigit() and int(index) >= before:
            named.append(Problem.option(origins[int(index) - before], p.message, p.got,
                                        field))
        else:
            named.append(p)
    raise SourceError(named)
