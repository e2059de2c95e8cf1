"""Tests for sim.cli.app: every command is registered with help text that reads whole."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_every_command_is_there():
    assert {"run", "validate", "compare", "sweep", "sensitivity", "experiment", "export",
            "report", "diagnose", "check", "schema", "new", "dashboard"} <= set(COMMANDS)


@pytest.mark.parametrize("command", app.registered_commands,
                         ids=lambda c: c.name or c.callback.__name__)
def test_help_paragraphs_are_not_cut_into_short_lines(command):
    assert command.help, command.callback.__name__
    for paragraph in command.help.split("\n\n"):
        assert "\n" not in paragraph, paragraph


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name):
    result = runner.invoke(app, [name.replace("_", "-"), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output, result.output
