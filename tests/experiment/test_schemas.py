"""JSON Schemas shipped in the package, the editor comment, and `stratsim new`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiment.schemas import json_schema, shipped_schema
from sim.scenario.starter import SCHEMA_COMMENT

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.mark.parametrize("kind", ["scenario", "experiment"])
def test_shipped_schema_is_current(kind: str) -> None:
    assert shipped_schema(kind) == json.loads(json.dumps(json_schema(kind))), (
        "the shipped schema is out of date: run `python -m sim.experiment.schemas`")


def test_schema_command_prints_json() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "stratsim scenario file"
    assert "firms" in schema["properties"] and "expectations" in schema["properties"]
    assert runner.invoke(app, ["schema", "experiment"]).exit_code == 0
    assert runner.invoke(app, ["schema", "nope"]).exit_code == 2


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_shipped_scenarios_name_the_schema(path: Path) -> None:
    assert path.read_text().splitlines()[0] == SCHEMA_COMMENT
    assert (path.parent / "../sim/data/scenario.schema.json").resolve().exists()


def test_new_writes_a_valid_commented_scenario(tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", "my_market", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "my_market.yaml"
    assert path.read_text().startswith(SCHEMA_COMMENT)
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    again = runner.invoke(app, ["new", "my_market", "--out", str(tmp_path)])
    assert again.exit_code == 2 and "exists" in again.output
    assert runner.invoke(app, ["new", "bad name!", "--out", str(tmp_path)]).exit_code == 2
