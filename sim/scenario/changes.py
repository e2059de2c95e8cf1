"""Changing a scenario from outside its file: ``--set``, ``--customers``, ``--periods``, the arms,
grid points and samples of an experiment.

Changes are ``PATH=VALUE`` overrides (:mod:`sim.scenario.overrides`) with three rules of their
own, so that every change either takes effect or is refused with a message:

- **Names must exist.** A change may not invent a firm or a segment: ``firms.Alhpa.price=70``
  is refused with "did you mean 'Alpha'?"; a firm is added by a firm block in the file or by
  an ``add_firm`` event. A change inside a default segment (``market.segments.rational...``) of
  a file that does not list its segments changes that default segment.
- **The change wins.** Setting a firm's lever directly pins it (:mod:`sim.scenario.firms`): a
  change of ``firms.Alpha.price`` replaces a starting value the file gives under
  ``firms.Alpha.initial``; a change under ``initial`` replaces (and so unpins) the lever the
  file writes directly.
- **A new strategy starts from its own defaults.** A change of ``firms.Gamma.strategy`` to
  another strategy drops the parameters the file gives the old one (``firms.Gamma.params``),
  which mean nothing to the new one; parameters the same changes set
  (``firms.Gamma.params.value_capture=0.6``) apply to the new one (``compare --strategies``
  does the same).
- **A shorter horizon works** (:func:`shorten_horizon`): the events and expectations after the
  new last period are dropped, with one note; the file as written is still checked by
  ``stratsim validate``.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from sim.scenario.firms import written_levers
from sim.scenario.market import default_segments
from sim.scenario.overrides import apply_overrides
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import Problem, SourceError

__all__ = ["Change", "apply_changes", "did_you_mean", "shorten_horizon"]

type Change = str | tuple[str, str]
"""``PATH=VALUE``, or ``(origin, PATH=VALUE)`` naming where it came from (``--set 2``)."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``; did you mean 'X'?`` for the closest known name (case aside), or nothing."""
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"; did you mean '{by_lower[close[0]]}'?" if close else ""


def _path(change: Change) -> tuple[str, list[str]]:
    origin, text = change if isinstance(change, tuple) else ("", change)
    return origin, [p.strip() for p in text.partition("=")[0].split(".")]


def _names(data: Any, *keys: str) -> list[str] | None:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return list(data) if isinstance(data, dict) else None


def apply_changes(loaded: LoadedYaml, changes: Sequence[Change], *,
                  origin: str = "--set") -> LoadedYaml:
    """Apply changes to a scenario file's data by the rules of the module docstring.

    Raises:
        SourceError: a malformed change, or one that names a firm or segment that does not
            exist (each problem at the change's origin).
    """
    if not changes:
        return loaded
    data = copy.deepcopy(loaded.data) if isinstance(loaded.data, dict) else loaded.data
    if isinstance(data, dict) and any(_path(c)[1][:2] == ["market", "segments"]
                                      and len(_path(c)[1]) > 3 for c in changes):
        market = data.setdefault("market", {}) if isinstance(data.get("market", {}), dict) else None
        if market is not None and "segments" not in market:  # the default segments, written out
            market["segments"] = {name: segment.model_dump(mode="json")
                                  for name, segment in default_segments().items()}
    base = LoadedYaml(loaded.file, data, loaded.node, loaded.origins)
    firms_before = _names(data, "firms")
    segments_before = _names(data, "market", "segments")
    changed = apply_overrides(base, changes, origin=origin)
    problems: list[Problem] = []
    for item in changes:
        where, path = _path(item)
        where = where or origin
        for known, prefix, noun, how in (
                (firms_before, ["firms"], "firm", "a firm is added by a firm block in the file or"
                 " an add_firm event"),
                (segments_before, ["market", "segments"], "segment", "a segment is added in the"
                 " file, with shares that sum to 1")):
            depth = len(prefix)
            if known is None or path[:depth] != prefix or len(path) <= depth:
                continue
            name = path[depth]
            if name not in known:
                problems.append(Problem.option(
                    where, f"unknown {noun} '{name}'{did_you_mean(name, known)} ({how})",
                    path=".".join(path[:depth + 1])))
    if problems:
        raise SourceError(list(dict.fromkeys(problems)))
    switched = _switched_strategies(data, changed.data, changes)
    if switched:  # the old strategy's parameters go; the changes' own parameters apply
        for name in switched:
            data["firms"][name].pop("params", None)
        changed = apply_overrides(base, changes, origin=origin)
    _settle_levers(changed, changes)
    return changed


def _switched_strategies(before: Any, after: Any, changes: Sequence[Change]) -> list[str]:
    """The firms whose strategy the changes replace by another one."""
    old = before.get("firms") if isinstance(before, dict) else None
    new = after.get("firms") if isinstance(after, dict) else None
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    names = []
    for item in changes:
        path = _path(item)[1]
        if len(path) != 3 or path[:1] != ["firms"] or path[2] != "strategy":
            continue
        was, now = old.get(path[1]), new.get(path[1])
        if (isinstance(was, dict) and isinstance(now, dict) and "params" in was
                and now.get("strategy") != was.get("strategy", "fixed")):
            names.append(path[1])
    return list(dict.fromkeys(names))


def _settle_levers(loaded: LoadedYaml, changes: Sequence[Change]) -> None:
    """A change of a firm's lever replaces the file's other form of that lever (in place)."""
    firms = loaded.data.get("firms") if isinstance(loaded.data, dict) else None
    if not isinstance(firms, dict):
        return
    for item in changes:
        _, path = _path(item)
        if len(path) < 3 or path[0] != "firms" or not isinstance(firms.get(path[1]), dict):
            continue
        block = firms[path[1]]
        initial = block.get("initial")
        if not isinstance(initial, dict):
            continue
        if path[2] == "initial":  # a starting value replaces (unpins) the direct lever
            set_here = written_levers(initial if len(path) == 3 else _nested(path[3:]))
            for lever in set_here & written_levers(block):
                _drop(block, lever)
        else:  # a direct lever replaces the starting value
            set_here = written_levers({path[2]: block.get(path[2])} if len(path) == 3
                                      else _nested(path[2:]))
            for lever in set_here & written_levers(initial):
                _drop(initial, lever)


def _nested(parts: list[str]) -> dict[str, Any]:
    return {parts[0]: _nested(parts[1:]) if len(parts) > 1 else None}


def _drop(block: dict[str, Any], lever: str) -> None:
    if lever.startswith("programs."):
        programs = block.get("programs")
        if isinstance(programs, dict):
            programs.pop(lever.partition(".")[2], None)
            if not programs:
                del block["programs"]
    else:
        block.pop(lever, None)


def shorten_horizon(loaded: LoadedYaml, periods: int, *,
                    origin: str = "--periods") -> tuple[LoadedYaml, str | None]:
    """Run ``periods`` periods: events and expectations after them are dropped.

    Returns:
        The changed file and a one-line note saying what was dropped (None if nothing was).
    """
    changed = apply_overrides(loaded, [(origin, f"periods={periods}")])
    data = changed.data
    if not isinstance(data, dict):
        return changed, None
    dropped = []
    events = data.get("events")
    if isinstance(events, list):
        kept = [e for e in events if not _after(e, ("period",), periods)]
        if len(kept) < len(events):
            dropped.append(f"{len(events) - len(kept)} event(s)")
            data["events"] = kept
    expectations = data.get("expectations")
    if isinstance(expectations, list):
        kept = [e for e in expectations
                if not _after(e, ("at", "right_at", "over", "right_over"), periods)]
        if len(kept) < len(expectations):
            dropped.append(f"{len(expectations) - len(kept)} expectation(s)")
            data["expectations"] = kept
    if not dropped:
        return changed, None
    return changed, (f"{origin} {periods}: {' and '.join(dropped)} after period {periods}"
                     " left out (stratsim validate checks the file as written)")


def _after(entry: Any, fields: tuple[str, ...], periods: int) -> bool:
    """Whether an event or expectation refers to a period after ``periods``."""
    if not isinstance(entry, dict):
        return False
    for field in fields:
        value = entry.get(field)
        if isinstance(value, list) and value:
            value = value[-1]
        if isinstance(value, int) and not isinstance(value, bool) and value > periods:
            return True
    return False
