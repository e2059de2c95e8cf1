"""JSON Schemas of the two kinds of user file: scenario files and experiment files.

The schemas are generated from the pydantic models (the one place every field, default, range
and description lives) and ship inside the package as ``sim/data/*.schema.json``, so editors
with the YAML language server validate and complete scenario files: the shipped scenarios
start with :data:`sim.scenario.starter.SCHEMA_COMMENT`. The module sits in the experiment layer
because it needs both file models, :class:`~sim.scenario.spec.Scenario` and
:class:`~sim.experiment.design.ExperimentSpec`. ``python -m sim.experiment.schemas`` rewrites
the shipped files; a test fails when they are out of date.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from sim.experiment.spec import ExperimentSpec
from sim.scenario.spec import Scenario

__all__ = ["SCHEMA_FILES", "json_schema", "shipped_schema", "write_schemas"]

SCHEMA_FILES = {"scenario": "scenario.schema.json", "experiment": "experiment.schema.json"}


def json_schema(kind: str = "scenario") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of scenario or experiment files."""
    if kind == "scenario":
        model: type = Scenario
    elif kind == "experiment":
        model = ExperimentSpec
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
    folder = folder or Path(__file__).resolve().parents[1] / "data"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, name in SCHEMA_FILES.items():
        path = folder / name
        path.write_text(json.dumps(json_schema(kind), indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_schemas():
        print(p)
