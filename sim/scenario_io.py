"""Reading and writing scenario files: validation with file:line:column errors, overrides,
and the resolved scenario that reproduces a run.

``load_scenario`` reads YAML safely (:mod:`sim.sourcefile`), applies ``--set PATH=VALUE``
overrides, and validates into a frozen :class:`~sim.scenario.Scenario`; any problem raises
:class:`~sim.sourcefile.SourceError` whose lines read
``FILE:LINE:COLUMN: field.path: what is wrong (got VALUE)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario import Scenario
from sim.sourcefile import (
    LoadedYaml,
    Problem,
    SourceError,
    apply_overrides,
    load_yaml,
    problems_from_validation,
)

__all__ = ["dump_yaml", "load_scenario", "resolved_scenario", "scenario_from_dict"]


def load_scenario(path: str | os.PathLike[str], overrides: Iterable[str] = (), *,
                  allow_code: bool = False) -> Scenario:
    """Load and validate a scenario file.

    Args:
        path: the YAML file.
        overrides: ``dotted.path=VALUE`` strings applied before validation.
        allow_code: accept user strategy classes (``module:Class``).

    Raises:
        SourceError: every problem found, one per line.
    """
    scenario, _ = load_scenario_with_source(path, overrides, allow_code=allow_code)
    return scenario


def load_scenario_with_source(path: str | os.PathLike[str], overrides: Iterable[str] = (), *,
                              allow_code: bool = False) -> tuple[Scenario, LoadedYaml]:
    """Like :func:`load_scenario`, also returning the loaded YAML (for positions)."""
    loaded = load_yaml(path)
    overrides = list(overrides)
    if overrides:
        loaded = apply_overrides(loaded, overrides)
    try:
        model = Scenario.model_validate(loaded.data, context={"allow_code": allow_code})
    except ValidationError as exc:
        raise SourceError(split_cross_checks(
            problems_from_validation(exc, loaded, Scenario), loaded)) from None
    return model, loaded


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


def resolved_scenario(scenario: Scenario, seed: int, version: str) -> dict[str, Any]:
    """Every field with its value (defaults filled in), the seed and the stratsim version.

    Running the returned mapping (written as YAML) reproduces the run exactly.
    """
    from sim.strategies import get_strategy_class

    data = scenario.model_dump(mode="json")
    decay = scenario.market.behaviour.goodwill_decay

    switching = {e["firm"] for e in data["events"] if e.get("strategy")}

    def fill(firm: dict[str, Any], name: str) -> None:
        cls = get_strategy_class(firm["strategy"], allow_code=True)
        for key in ("review_every", "observation_delay"):
            # null means "the strategy's own", which changes with a strategy switch: keep it
            if firm[key] is None and name not in switching:
                firm[key] = int(getattr(cls, key))
        if firm["goodwill"] is None:
            firm["goodwill"] = firm["promotion"] / decay if decay > 0 else firm["promotion"]

    for name, firm in data["firms"].items():
        fill(firm, name)
    for event in data["events"]:
        if event.get("add_firm"):
            fill(event["add_firm"], event["add_firm"]["name"])
    data["seed"] = int(seed)
    data["stratsim_version"] = version
    return data


class _Dumper(yaml.SafeDumper):
    """Safe dumper that writes tuples as lists and keeps key order."""


_Dumper.add_representer(tuple, lambda d, v: d.represent_list(list(v)))


def dump_yaml(data: Any, header: str = "") -> str:
    """YAML text for plain data (safe dumper, key order kept), with an optional comment header."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    lines = "".join(f"# {h}\n" if h else "#\n" for h in header.splitlines()) if header else ""
    return lines + body


__all__ += ["SourceError", "load_scenario_with_source"]
