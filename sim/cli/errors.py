"""What every command does with user input: check scenario files, report problems as
``FILE:LINE:COLUMN`` lines and exit with status 2.

DESIGN.md principle 7: bad input from a user is a message, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

import typer

from sim.scenario.problems import SourceError

__all__ = ["EXIT_USAGE", "allow_code_beside", "check_scenario_files", "fail"]

EXIT_USAGE = 2
"""Exit status of a command given bad input."""


def fail(problem: SourceError | str) -> NoReturn:
    """Print a user error (one line per problem) to stderr and exit with status 2."""
    if isinstance(problem, SourceError):
        for p in problem.problems:
            print(str(p), file=sys.stderr)
    else:
        print(f"error: {problem}", file=sys.stderr)
    raise typer.Exit(EXIT_USAGE)


def allow_code_beside(path: Path) -> None:
    """With --allow-code, user strategy modules may sit beside the scenario file."""
    folder = str(Path(path).resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)


def check_scenario_files(files: Iterable[Path], *, allow_code: bool = False) -> None:
    """Validate every scenario file; on any problem print them all and exit with status 2."""
    from sim.scenario.loader import load_scenario

    problems = []
    for f in files:
        if allow_code:
            allow_code_beside(f)
        try:
            load_scenario(f, allow_code=allow_code)
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        fail(SourceError(problems))
