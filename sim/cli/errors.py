"""What every command does with user input: check scenario files, report problems as
``FILE:LINE:COLUMN`` lines and exit with status 2.

DESIGN.md principle 7: bad input from a user is a message, never a traceback. That holds for
option values too: :class:`OneLineErrors` replaces Click's usage box with one line naming the
option (``--periods: 'abc' is not a valid integer``), exit status 2. Anything else that goes
wrong is a bug in stratsim, and the message says so.

SIGTERM (what ``kill``, ``timeout``, systemd, container runtimes and cluster schedulers send)
ends a command as cleanly as Ctrl-C does: it raises :class:`Terminated`, a
``KeyboardInterrupt``, in the main thread, so the same code stops the workers, keeps partial
results and marks an experiment's manifest interrupted; the exit status is 143 (128 + 15)
instead of 130.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from typer.core import TyperGroup

try:  # Typer 0.24 and newer carry their own copy of Click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older Typer uses Click itself
    from click import exceptions as click_errors

from sim.experiment.manifest import ExperimentError
from sim.scenario.problems import SourceError

__all__ = ["EXIT_USAGE", "OneLineErrors", "Terminated", "allow_code_beside",
           "check_scenario_files", "fail", "interrupted_status", "kept_when_stopped",
           "usage_line"]

EXIT_USAGE = 2
"""Exit status of a command given bad input."""
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """The process got SIGTERM: handled wherever Ctrl-C is, with exit status 143."""


@contextmanager
def kept_when_stopped(folder: Path, finished: str, again: str) -> Iterator[None]:
    """Run work into a results folder: a folder problem (:class:`ExperimentError`) is a one-line
    error, exit 2; Ctrl-C or SIGTERM says that the ``finished`` work is kept in ``folder`` and
    how to go on (``again``), exit 130 or 143."""
    try:
        yield
    except ExperimentError as exc:
        fail(str(exc))
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (Terminated)
        print(f"interrupted; finished {finished} are kept in {folder}/ ({again})",
              file=sys.stderr)
        raise typer.Exit(interrupted_status(stop)) from None


def interrupted_status(exc: BaseException) -> int:
    """The exit status of a command stopped by ``exc``: 143 for SIGTERM, 130 for Ctrl-C."""
    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


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
    """Validate every scenario file (and its calibration: section, against the scenario); on
    any problem print them all and exit with status 2."""
    from sim.calibration.problem import build_calibration
    from sim.scenario.loader import load_scenario

    problems = []
    for f in files:
        if allow_code:
            allow_code_beside(f)
        try:
            if load_scenario(f, allow_code=allow_code).calibration is not None:
                build_calibration(f, allow_code=allow_code)
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        fail(SourceError(problems))


_BOUND_WORDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
                "less_than_equal": "<="}


def _value_message(error: click_errors.BadParameter) -> str:
    """What is wrong with an option's value, in the words of the scenario messages."""
    cause = error.__cause__
    details = cause.errors() if hasattr(cause, "errors") else []
    if not details:
        return error.message
    detail = details[0]
    kind, ctx = detail.get("type", ""), detail.get("ctx") or {}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        text = "expected an integer"
    elif kind in ("float_parsing", "float_type"):
        text = "expected a number"
    elif kind in _BOUND_WORDS:
        bound = next(iter(ctx.values()), "?")
        text = f"must be {_BOUND_WORDS[kind]} {bound}"
    else:
        text = str(detail.get("msg", error.message)).removeprefix("Value error, ")
    return f"{text} (got {detail['input']!r})" if "input" in detail else text


def usage_line(error: click_errors.UsageError) -> str:
    """A Click usage error as one line: ``--option: what is wrong (got VALUE)``."""
    has_param = getattr(error, "param", None) is not None or getattr(error, "param_hint", None)
    if isinstance(error, click_errors.BadParameter) and not isinstance(
            error, click_errors.MissingParameter) and has_param:
        hint = error.param_hint
        if hint is None and error.param is not None:
            opts = getattr(error.param, "opts", None) or [error.param.name or "value"]
            hint = max(opts, key=len)
        if isinstance(hint, list | tuple):
            hint = " / ".join(hint)
        text = f"{str(hint).strip(chr(39) + chr(34))}: {_value_message(error)}"
    else:
        text = error.format_message()
    command = error.ctx.command_path if error.ctx is not None else "stratsim"
    line = " ".join(text.split())
    return line if "--help" in line else f"{line} (see {command} --help)"


class OneLineErrors(TyperGroup):
    """The ``stratsim`` command group: usage errors are one line; a crash says it is a bug."""

    def main(self, args=None, prog_name=None, complete_var=None,  # type: ignore[override]
             standalone_mode: bool = True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        terminated: list[int] = []

        def on_sigterm(signum: int, frame: object) -> None:
            terminated.append(signum)
            raise Terminated()

        try:
            previous = signal.signal(signal.SIGTERM, on_sigterm)
        except ValueError:  # not the main thread (an embedding application): leave it alone
            previous = None
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as help_error:
            help_error.show()
            sys.exit(0)
        except click_errors.UsageError as error:
            print(usage_line(error), file=sys.stderr)
            sys.exit(EXIT_USAGE)
        except typer.Abort:
            print("aborted", file=sys.stderr)
            sys.exit(EXIT_INTERRUPTED)
        except KeyboardInterrupt as stop:  # stopped outside a command's own handling
            sys.exit(interrupted_status(stop))
        except Exception:
            import traceback

            traceback.print_exc()
            print("stratsim: internal error: this is a bug in stratsim, not in your input;"
                  " please report it to the stratsim maintainers with the command you ran and"
                  " the traceback above", file=sys.stderr)
            sys.exit(1)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        if terminated and code == EXIT_INTERRUPTED:
            code = EXIT_TERMINATED  # Typer reports any KeyboardInterrupt as 130
        sys.exit(code if isinstance(code, int) else 0)
