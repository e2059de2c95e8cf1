"""``stratsim run`` and ``stratsim validate``: run a scenario into its output folder; check files.

Parse, call the API, print (no model logic). User errors print ``FILE:LINE:COLUMN`` lines and
exit with status 2 (DESIGN.md principle 7).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import sim
from sim.cli.console import err, out
from sim.cli.errors import EXIT_USAGE, allow_code_beside, check_scenario_files, fail
from sim.market.firm import StrategyError
from sim.report.run_folder import summary_table, write_outputs
from sim.scenario.loader import load_scenario, scenario_path_name
from sim.scenario.problems import SourceError

__all__ = ["register"]


def _write(model: sim.MarketModel, target: Path, *, partial: bool = False,
           figures: bool = True) -> dict[str, Path]:
    return write_outputs(model.timeseries(), model.spec, model.seed, model.period, target,
                         sim.__version__, partial=partial, figures=figures)


def _print_summary(model: sim.MarketModel) -> None:
    df = model.timeseries()
    table = Table(title=f"{model.spec.name}: period {model.period} of {model.spec.periods},"
                        f" {model.spec.market.customers:,} customers, seed {model.seed}")
    for col, justify in (("firm", "left"), ("strategy", "left"), ("market share", "right"),
                         ("loyal customers", "right"), ("retention rate", "right"),
                         ("cumulative profit", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in summary_table(df, model.spec.market.customers).itertuples(index=False):
        rate = "-" if r.retention_rate != r.retention_rate else f"{r.retention_rate:.1%}"
        table.add_row(r.firm, r.strategy, f"{r.market_share:.1%}",
                      f"{r.loyal:,} ({r.loyal_share:.1%})", rate,
                      f"{r.cumulative_profit:,.0f}")
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``validate`` to the ``stratsim`` command."""
    app.command()(run)
    app.command()(validate)


def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    seed: Annotated[int | None, typer.Option(
        help="Random seed (default: the scenario's seed).", min=0)] = None,
    periods: Annotated[int | None, typer.Option(
        help="Number of periods (overrides the scenario's).", min=1)] = None,
    customers: Annotated[int | None, typer.Option(
        help="Number of customers (overrides market.customers).", min=1)] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: runs/<scenario>-seed<seed>/).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override a scenario field: PATH=VALUE, e.g. firms.Alpha.price=90."
                      " Repeatable.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
    = False,
    allow_code: Annotated[bool, typer.Option(
        "--allow-code", help="Allow user strategy classes (module:Class) to be imported and"
                             " run. Only for files you trust.")] = False,
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Skip the PNG figures.")]
    = False,
) -> None:
    """Run a scenario and write its output folder (time series, summary, figures)."""
    overrides = list(set_ or [])
    if periods is not None:
        overrides.append(f"periods={periods}")
    if customers is not None:
        overrides.append(f"market.customers={customers}")
    if allow_code:
        allow_code_beside(scenario)
    try:
        spec = load_scenario(scenario, overrides, allow_code=allow_code)
    except SourceError as exc:
        fail(exc)
    run_seed = spec.seed if seed is None else seed
    target = out_dir or Path("runs") / f"{scenario_path_name(scenario)}-seed{run_seed}"
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"{target}: cannot create the output folder ({exc.strerror})")
    started = time.perf_counter()
    model = sim.MarketModel(spec, seed=run_seed, allow_code=allow_code)
    try:
        _run_with_progress(model, quiet=quiet)
    except KeyboardInterrupt:
        files = _write(model, target, partial=True)
        err.print(f"interrupted at period {model.period}; partial results kept in"
                  f" {files['timeseries']}", markup=False)
        raise typer.Exit(130) from None
    except StrategyError as exc:
        files = _write(model, target, partial=True)
        print(f"error: {exc}\npartial results kept in {files['timeseries']}", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE) from None
    files = _write(model, target, figures=not no_figures)
    if not quiet:
        _print_summary(model)
        out.print(f"{spec.periods} periods in {time.perf_counter() - started:.1f} s;"
                  f" results in {target}/", highlight=False)


def _run_with_progress(model: sim.MarketModel, *, quiet: bool) -> None:
    """Run the model, with a progress bar on a terminal (and nothing otherwise)."""
    if quiet or not sys.stderr.isatty():
        model.run()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("periods"), TimeRemainingColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task(model.spec.name, total=model.spec.periods)
        model.run(progress=lambda done, total: bar.update(task, completed=done))


def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.",
                                                 show_default=False)],
    allow_code: Annotated[bool, typer.Option(
        "--allow-code", help="Accept user strategy classes (module:Class).")] = False,
) -> None:
    """Check scenario files: exit 0 if all are valid, else print one line per problem, exit 2."""
    check_scenario_files(files, allow_code=allow_code)
    out.print(f"{len(files)} file{'s' if len(files) != 1 else ''} valid", highlight=False)
