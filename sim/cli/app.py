"""The ``stratsim`` command: the Typer application and its command groups.

The command line parses, calls the API and prints; no model logic lives in ``sim.cli``. Each
command group is a module with a ``register(app)`` function: :mod:`sim.cli.run` (run,
validate), :mod:`sim.cli.experiments` (compare, sweep, sensitivity, experiment, export,
report), :mod:`sim.cli.fork` (fork), :mod:`sim.cli.diagnose` (diagnose), :mod:`sim.cli.calibrate`
(calibrate),
:mod:`sim.cli.teaching` (check, schema, new)
and :mod:`sim.cli.dashboard`. User errors
(bad files, bad values) print ``FILE:LINE:COLUMN: field.path: what is wrong (got VALUE)`` lines
and exit with status 2 (DESIGN.md principle 7); a traceback means a bug in stratsim.
"""

from __future__ import annotations

import inspect
from typing import Annotated

import typer

import sim
from sim.cli import calibrate, dashboard, diagnose, experiments, fork, run, teaching
from sim.cli.console import out
from sim.cli.errors import OneLineErrors

__all__ = ["app", "main"]

app = typer.Typer(
    name="stratsim", no_args_is_help=True, add_completion=False, cls=OneLineErrors,
    help="stratsim: an agent-based simulator of marketing strategy. Customers choose firms by"
         " customer delivered value; firms run 4P, 4C or 4R strategies.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False)


def _version(value: bool) -> None:
    if value:
        out.print(f"stratsim {sim.__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """stratsim: simulate customers, firms and marketing strategies."""


for _group in (run, fork, experiments, diagnose, calibrate, teaching, dashboard):
    _group.register(app)


def _reflowed(doc: str) -> str:
    """A docstring as help text: paragraphs kept, the line breaks inside each one removed
    (Typer keeps them after the first paragraph, which cuts lines short in ``--help``)."""
    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(doc).split("\n\n"))


for _command in app.registered_commands:
    if _command.help is None and _command.callback is not None and _command.callback.__doc__:
        _command.help = _reflowed(_command.callback.__doc__)


def main() -> None:
    """Entry point of the ``stratsim`` command."""
    app()
