"""Which lever is which, for every firm of a scenario: ``stratsim validate --explain``.

For a firm run by a strategy there are three kinds of lever (:mod:`sim.scenario.firms`):

- **pinned**: written in the firm's block (or set by ``--set``, a sweep, the dashboard) and
  decided by the strategy: the firm keeps the user's value every period;
- **decided by the strategy**: it sets them at each review, from the parameters named beside
  each (``Strategy.decides``), starting from the value shown;
- **as written**: levers the strategy does not decide, which stay as the file gives them.

A ``fixed`` firm keeps every lever as written; events change levers at their period.
"""

from __future__ import annotations

from typing import Any

from sim.levers import ALL_LEVERS, LeverSet
from sim.scenario.firms import FirmSpec
from sim.scenario.spec import Scenario
from sim.strategies import decided_levers, get_strategy_class

__all__ = ["explain_firm", "explain_levers"]


def _value(levers: LeverSet, lever: str) -> Any:
    if lever.startswith("programs."):
        return getattr(levers.programs, lever.partition(".")[2])
    value = getattr(levers, lever)
    return list(value) if isinstance(value, tuple) else value


def _listing(items: list[str]) -> str:
    return ", ".join(items) if items else "none"


def explain_firm(name: str, firm: FirmSpec) -> list[str]:
    """Lines saying which of the firm's levers are pinned, decided or as written."""
    cls = get_strategy_class(firm.strategy, allow_code=True)
    decided = decided_levers(cls)
    pinned = firm.pinned_levers()
    levers = firm.levers()
    order = [lv for lv in LeverSet.model_fields if lv != "programs"] + [
        f"programs.{p}" for p in type(levers.programs).model_fields]
    order = [lv for lv in order if lv in ALL_LEVERS]
    every = firm.review_every or getattr(cls, "review_every", 1)
    delay = firm.observation_delay if firm.observation_delay is not None else getattr(
        cls, "observation_delay", 0)
    head = f"{name}: {firm.strategy}"
    if decided:
        head += (", reviews " + ("every period" if every == 1 else f"every {every} periods")
                 + ", sees results " + ("at once" if delay == 0 else
                                        f"{delay} period{'s' if delay != 1 else ''} late"))
    lines = [head]
    if not decided:
        lines.append(f"  every lever as written (a {firm.strategy} firm changes none):"
                     f" {_listing([f'{lv} {_value(levers, lv)}' for lv in order])}")
        return lines
    notes = cls.decides or {}

    def driver(lever: str) -> str:
        text = notes.get(lever) or notes.get("programs" if lever.startswith("programs.") else "")
        return f"{text}; " if text else ""

    lines.append("  pinned (the firm keeps them every period): "
                 + _listing([f"{lv} {_value(levers, lv)}" for lv in order if lv in pinned]))
    lines.append(f"  decided by {firm.strategy}: " + _listing(
        [f"{lv} ({driver(lv)}starts at {_value(levers, lv)})" for lv in order
         if lv in decided and lv not in pinned]))
    lines.append(f"  as written ({firm.strategy} does not change them): " + _listing(
        [f"{lv} {_value(levers, lv)}" for lv in order if lv not in decided]))
    return lines


def explain_levers(scenario: Scenario) -> list[str]:
    """:func:`explain_firm` for every firm, entrants included, and the events that set levers."""
    lines: list[str] = []
    for name, firm in scenario.firms.items():
        lines += explain_firm(name, firm)
    for event in scenario.events:
        if event.add_firm is not None:
            lines += [f"(enters at period {event.period}) " + line if k == 0 else line
                      for k, line in enumerate(explain_firm(event.add_firm.name,
                                                            event.add_firm))]
        elif event.set is not None:
            changed = event.set.model_dump(exclude_none=True)
            lines.append(f"period {event.period}: {event.firm} sets "
                         + ", ".join(f"{k} {v}" for k, v in changed.items())
                         + " (pinned from then on if its strategy decides them)")
        elif event.release is not None:
            lines.append(f"period {event.period}: {event.firm} hands back to its strategy: "
                         + ", ".join(event.release))
        elif event.strategy is not None:
            lines.append(f"period {event.period}: {event.firm} switches to {event.strategy}")
    return lines
