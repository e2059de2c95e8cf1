"""The resolved scenario: every field with its value, the seed and the stratsim version.

Every run writes it beside its results (DESIGN.md principle 5); running that file reproduces the
run exactly, byte for byte. :func:`dump_yaml` writes plain data as YAML with the safe dumper.
"""

from __future__ import annotations

from typing import Any

import yaml

from sim.scenario.firms import FirmSpec
from sim.scenario.spec import Scenario
from sim.strategies import get_strategy_class

__all__ = ["dump_yaml", "resolved_scenario"]


def resolved_scenario(scenario: Scenario, seed: int, version: str) -> dict[str, Any]:
    """Every field with its value (defaults filled in), the seed and the stratsim version.

    Running the returned mapping (written as YAML) reproduces the run exactly.
    """
    data = scenario.model_dump(mode="json")
    decay = scenario.market.behaviour.goodwill_decay

    switching = {e["firm"] for e in data["events"] if e.get("strategy")}

    def fill(firm: dict[str, Any], spec: FirmSpec, name: str) -> None:
        cls = get_strategy_class(firm["strategy"], allow_code=True)
        for key in ("review_every", "observation_delay"):
            # null means "the strategy's own", which changes with a strategy switch: keep it
            if firm[key] is None and name not in switching:
                firm[key] = int(getattr(cls, key))
        # the starting levers written out in full; which of them the strategy keeps is `pinned`
        firm.update(spec.levers().model_dump(mode="json"))
        firm["initial"] = None
        firm["pinned"] = sorted(spec.pinned_levers())
        if firm["goodwill"] is None:
            firm["goodwill"] = firm["promotion"] / decay if decay > 0 else firm["promotion"]

    for name, firm in data["firms"].items():
        fill(firm, scenario.firms[name], name)
    for event, spec in zip(data["events"], scenario.events, strict=True):
        if event.get("add_firm"):
            fill(event["add_firm"], spec.add_firm, event["add_firm"]["name"])  # type: ignore[arg-type]
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

