"""Reading scenario files: safe YAML, overrides, validation with ``FILE:LINE:COLUMN`` errors.

:func:`load_scenario` reads YAML safely (:mod:`sim.scenario.yamlfile`), applies
``--set PATH=VALUE`` overrides (:mod:`sim.scenario.overrides`), and validates into a frozen
:class:`~sim.scenario.spec.Scenario`; any problem raises
:class:`~sim.scenario.problems.SourceError` whose lines read
``FILE:LINE:COLUMN: field.path: what is wrong (got VALUE)``. The cross-field checks of the
scenario, raised together at the root, are placed at their own positions
(:func:`split_cross_checks`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.changes import Change, apply_changes, shorten_horizon
from sim.scenario.messages import problems_from_validation
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import Problem, SourceError
from sim.scenario.spec import Scenario
from sim.scenario.yamlfile import load_yaml

__all__ = ["SourceError", "change_scenario", "load_scenario", "load_scenario_with_source",
           "scenario_from_dict", "scenario_path_name", "split_cross_checks"]


def load_scenario(path: str | os.PathLike[str], overrides: Iterable[Change] = (), *,
                  allow_code: bool = False, customers: int | None = None,
                  periods: int | None = None, notes: list[str] | None = None) -> Scenario:
    """Load and validate a scenario file.

    Args:
        path: the YAML file.
        overrides: ``dotted.path=VALUE`` strings (or ``(origin, PATH=VALUE)`` pairs) applied
            before validation, by the rules of :mod:`sim.scenario.changes`: they may not invent
            a firm or a segment, and a lever they set is pinned.
        allow_code: accept user strategy classes (``module:Class``).
        customers: the market's number of customers (``--customers``).
        periods: the number of periods (``--periods``); events and expectations after it are
            left out, with a note.
        notes: if given, the notes of what was left out are appended to it.

    Raises:
        SourceError: every problem found, one per line.
    """
    scenario, _ = load_scenario_with_source(path, overrides, allow_code=allow_code,
                                            customers=customers, periods=periods, notes=notes)
    return scenario


def load_scenario_with_source(path: str | os.PathLike[str], overrides: Iterable[Change] = (), *,
                              allow_code: bool = False, customers: int | None = None,
                              periods: int | None = None,
                              notes: list[str] | None = None) -> tuple[Scenario, LoadedYaml]:
    """Like :func:`load_scenario`, also returning the loaded YAML (for positions)."""
    loaded = change_scenario(load_yaml(path), overrides, customers=customers, periods=periods,
                             notes=notes)
    try:
        model = Scenario.model_validate(loaded.data, context={"allow_code": allow_code})
    except ValidationError as exc:
        raise SourceError(split_cross_checks(
            problems_from_validation(exc, loaded, Scenario), loaded)) from None
    return model, loaded


def change_scenario(loaded: LoadedYaml, overrides: Iterable[Change] = (), *,
                    customers: int | None = None, periods: int | None = None,
                    notes: list[str] | None = None, origin: str = "--set") -> LoadedYaml:
    """A scenario file's data with the changes of :func:`load_scenario` applied (unvalidated)."""
    changes: list[Change] = list(overrides)
    if customers is not None:
        changes.append(("--customers", f"market.customers={customers}"))
    loaded = apply_changes(loaded, changes, origin=origin)
    if periods is not None:
        loaded, note = shorten_horizon(loaded, periods)
        if note and notes is not None:
            notes.append(note)
    return loaded


def split_cross_checks(problems: list[Problem], loaded: LoadedYaml) -> list[Problem]:
    """Place the scenario's cross-field checks (one ``path: message`` per line, raised by a
    model validator at the root) at their own file positions."""
    out: list[Problem] = []
    for p in problems:
        lines = p.message.splitlines()
        if p.path or not lines or not all(": " in ln for ln in lines):
            out.append(p)
            continue
        for ln in lines:
            path, _, message = ln.partition(": ")
            keys: list[str | int] = [int(k) if k.isdigit() else k for k in path.split(".")]
            file, line, column = loaded.locate(keys)
            out.append(Problem(file=file, line=line, column=column, path=path, message=message))
    return sorted(out, key=lambda q: (q.file, q.line, q.column))


def scenario_from_dict(data: Mapping[str, Any], *, allow_code: bool = False) -> Scenario:
    """Validate a scenario given as a Python mapping (raises pydantic.ValidationError)."""
    return Scenario.model_validate(dict(data), context={"allow_code": allow_code})


def scenario_path_name(path: str | os.PathLike[str]) -> str:
    """A scenario's short name from its file name (``scenarios/default.yaml`` -> ``default``)."""
    return Path(path).stem.removesuffix(".resolved")
