"""JSON Schemas of scenario and experiment files, and the starting scenario of ``stratsim new``.

The schemas are generated from the pydantic models (the one place every field, default, range
and description lives) and ship inside the package as ``sim/data/*.schema.json``, so editors
with the YAML language server validate and complete scenario files: the shipped scenarios
start with ``# yaml-language-server: $schema=../sim/data/scenario.schema.json``.
``python -m sim.schema`` rewrites the shipped files; a test fails when they are out of date.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_FILES", "json_schema", "shipped_schema", "starter_scenario", "write_schemas"]

SCHEMA_FILES = {"scenario": "scenario.schema.json", "experiment": "experiment.schema.json"}
SCHEMA_COMMENT = "# yaml-language-server: $schema=../sim/data/scenario.schema.json"
"""First line of the shipped scenarios: editor validation and completion."""


def json_schema(kind: str = "scenario") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of scenario or experiment files."""
    if kind == "scenario":
        from sim.scenario import Scenario as model
    elif kind == "experiment":
        from sim.experiment.design import ExperimentSpec as model
    else:
        raise ValueError(f"unknown schema {kind!r}; choose scenario or experiment")
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"stratsim {kind} file"
    return schema


def shipped_schema(kind: str = "scenario") -> dict[str, Any]:
    """The schema file shipped inside the package."""
    text = resources.files("sim").joinpath("data", SCHEMA_FILES[kind]).read_text("utf-8")
    return json.loads(text)


def write_schemas(folder: Path | None = None) -> list[Path]:
    """Write both schema files (default: the package's ``data`` folder)."""
    folder = folder or Path(__file__).resolve().parent / "data"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, name in SCHEMA_FILES.items():
        path = folder / name
        path.write_text(json.dumps(json_schema(kind), indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def starter_scenario(name: str) -> str:
    """A commented scenario to start from: two firms, the default market."""
    return f"""{SCHEMA_COMMENT}
# {name}: a starting scenario. Every field not written here takes its default; the full list
# with units, ranges and sources is in docs/reference.md (or run `stratsim schema`).
#
# Learning goal: (what should students see?)
# Question:      (what do they answer?)
# Try:           stratsim run {name}.yaml --set firms.Alpha.price=80
# Read:          runs/{name}-seed1/figures/loyalty.png and profit.png

name: {name}
description: Two firms compete for 5,000 customers over three years.
periods: 36            # months
seed: 1

market:
  customers: 5000
  awareness:
    initial: 0.5       # share of customers who know each firm at the start
  # segments: leave out for the four default segments (lighthouse, follower, rational,
  # deal_seeker), or define your own; their shares must sum to 1:
  # segments:
  #   families: {{share: 0.6, weights: {{money: 1.4}}, purchase_rate: 0.6}}
  #   professionals: {{share: 0.4, weights: {{service: 1.5, money: 0.7}}}}

firms:
  Alpha:
    strategy: 4P       # 4P, 4C, 4R or fixed (levers as written)
    price: 90          # money per unit
    quality: 0.7       # 0..1
    promotion: 8000    # money per month
  Beta:
    strategy: fixed
    price: 95
    quality: 0.75
    service: 0.6       # 0..1
    relationship_level: accountable   # basic, reactive, accountable, proactive, partnership
    programs:
      financial: 0.0   # points worth this share of spend
      social: 0.0      # 0..1
      structural: 0.0  # 0..1

events: []             # e.g. - {{period: 12, firm: Alpha, set: {{price: 75}}}}

# check: {{replications: 20}}
# expectations:        # checked by `stratsim check {name}.yaml`
#   - claim: Beta keeps more of its customers than Alpha
#     left: retention_rate@Beta
#     op: ">"
#     right: retention_rate@Alpha
#     over: [25, 36]
#     holds_in: 0.8
"""


if __name__ == "__main__":
    for p in write_schemas():
        print(p)
