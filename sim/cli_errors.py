"""How every command reports a user error: ``FILE:LINE:COLUMN`` lines, exit status 2.

DESIGN.md principle 7: bad input from a user is a message, never a traceback.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from sim.sourcefile import SourceError

__all__ = ["EXIT_USAGE", "fail"]

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
