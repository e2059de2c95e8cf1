"""Teaching commands: check a lesson's expectations, print the JSON Schema, start a scenario.

``stratsim check FILE...`` runs each lesson's replications and prints each expectation as held
or not held with the numbers behind it (exit 1 if any does not hold, 2 for invalid files).
``stratsim schema`` prints the JSON Schema of scenario (or experiment) files.
``stratsim new NAME`` writes a commented starting scenario.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.errors import check_scenario_files, fail
from sim.cli.options import CustomersOption, PeriodsOption, SeedOption
from sim.experiment.lesson import check_lesson
from sim.files import atomic_write
from sim.scenario.problems import SourceError, short_value

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the teaching commands to the ``stratsim`` command."""

    @app.command()
    def check(
        files: Annotated[list[Path], typer.Argument(help="Lesson scenario files.",
                                                     show_default=False)],
        replications: Annotated[int | None, typer.Option(
            min=1, help="Override each file's check.replications.")] = None,
        seed: SeedOption = None, customers: CustomersOption = None,
        periods: PeriodsOption = None,
        jobs: Annotated[int | None, typer.Option(
            "--jobs", "-j", min=1, help="Local worker processes (default: all cores).")]
        = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the verdicts.")]
        = False,
        allow_code: Annotated[bool, typer.Option("--allow-code",
                                                 help="Allow user strategy classes.")] = False,
    ) -> None:
        """Check lessons: run each file's replications and say whether each expectation held.

        Exit status 0 when every expectation held, 1 when one did not, 2 for invalid files.
        """
        check_scenario_files(files, allow_code=allow_code)
        failed = 0
        for f in files:
            notes: list[str] = []
            try:
                results = check_lesson(f, replications=replications, jobs=jobs, quiet=quiet,
                                       allow_code=allow_code, seed=seed, customers=customers,
                                       periods=periods, notes=notes)
            except SourceError as exc:
                fail(exc)
            for note in notes if not quiet else []:
                print(f"note: {note}", file=sys.stderr)
            print(f"{f}: " + (f"{sum(r.holds for r in results)} of {len(results)}"
                              " expectations held" if results else "no expectations"))
            for r in results:
                print("  " + r.line().replace("\n", "\n  "))
                failed += not r.holds
        raise typer.Exit(1 if failed else 0)

    @app.command()
    def schema(
        kind: Annotated[str, typer.Argument(help="scenario or experiment.")] = "scenario",
    ) -> None:
        """Print the JSON Schema of scenario files (or experiment files), for editors."""
        from sim.experiment.schemas import json_schema

        if kind not in ("scenario", "experiment"):
            fail(f"schema: choose scenario or experiment (got {kind!r})")
        print(json.dumps(json_schema(kind), indent=2))

    @app.command()
    def new(
        name: Annotated[str, typer.Argument(help="Scenario name (also the file name).",
                                            show_default=False)],
        out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")]
        = Path("."),
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]
        = False,
    ) -> None:
        """Write a commented starting scenario, NAME.yaml, to adapt."""
        from sim.scenario.starter import starter_scenario

        if (not name.replace("_", "").replace("-", "").isascii()
                or not name.replace("_", "").replace("-", "").isalnum()
                or name.startswith("-") or len(name) > 60):
            fail(f"NAME: a name is 1 to 60 letters, digits, - and _, not starting with -"
                 f" (got {short_value(name)})")
        if out_dir.exists() and not out_dir.is_dir():
            fail(f"--out: {out_dir} is a file, not a folder")
        path = out_dir / f"{name}.yaml"
        if path.exists() and not force:
            fail(f"{path}: exists (use --force to overwrite)")
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(path, starter_scenario(name))
        except OSError as exc:
            fail(f"{path}: cannot write the file ({exc.strerror or exc})")
        print(f"wrote {path}; run it with: stratsim run {path}")
