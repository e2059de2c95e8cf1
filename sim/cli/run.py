"""``stratsim run`` and ``stratsim validate``: run a scenario into its output folder; check files.

Parse, call the API, print (no model logic). User errors print ``FILE:LINE:COLUMN`` lines and
exit with status 2 (DESIGN.md principle 7).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

import sim
from sim.cli.console import err, out
from sim.cli.errors import (
    EXIT_USAGE,
    allow_code_beside,
    check_scenario_files,
    fail,
    interrupted_status,
)
from sim.cli.options import (
    CustomersOption,
    FigureFormat,
    FigureFormatOption,
    PeriodsOption,
    SeedOption,
    SetOption,
    numbered,
)
from sim.experiment.checkpoint import save_checkpoint
from sim.market.firm import StrategyError
from sim.market.transactions import DEFAULT_START, TransactionLog, calendar
from sim.report.run_folder import summary_table, write_outputs
from sim.report.run_place import RunPlaceError, prepare_target, publish
from sim.scenario.loader import load_scenario, scenario_path_name
from sim.scenario.problems import SourceError
from sim.scenario.resolved import resolved_scenario

__all__ = ["register"]


class _Checkpoints:
    """Saves the model every ``every`` periods into ``staging`` (moved into the run's folder,
    ``checkpoints/``, when it is written; :mod:`sim.experiment.checkpoint`)."""

    def __init__(self, every: int, staging: Path, resolved: dict) -> None:
        self.every, self.staging, self.resolved = every, staging, resolved
        if staging.is_dir():  # what a killed run left: not this run's
            shutil.rmtree(staging)
        staging.mkdir(parents=True)

    def after(self, model: sim.MarketModel) -> None:
        """Called between two periods (never inside one: the model's own step bookkeeping
        must be complete for the saved state to continue exactly)."""
        t = model.period
        if t % self.every == 0 and t < model.spec.periods:
            save_checkpoint(model, self.staging / f"period-{t:04d}.ckpt", self.resolved,
                            sim.__version__)

    def move_into(self, folder: Path) -> None:
        files = sorted(self.staging.glob("period-*.ckpt"))
        if files:
            (folder / "checkpoints").mkdir(exist_ok=True)
            for f in files:
                os.replace(f, folder / "checkpoints" / f.name)
        shutil.rmtree(self.staging, ignore_errors=True)


def _write(model: sim.MarketModel, target: Path, *, partial: bool = False,
           figures: bool = True, fmt: str = "png", shown_as: Path | None = None,
           checkpoints: _Checkpoints | None = None) -> None:
    if checkpoints is not None:
        checkpoints.move_into(target)
    log = next((o for o in model.observers if isinstance(o, TransactionLog)), None)
    write_outputs(model.timeseries(), model.spec, model.seed, model.period, target,
                  sim.__version__, partial=partial, figures=figures, fmt=fmt, shown_as=shown_as,
                  transactions=None if log is None else log.frame(model))


def _print_summary(model: sim.MarketModel) -> None:
    df = model.timeseries()
    m = model.spec.market
    people = (f"{m.customers:,} customers" if m.size is None else
              f"{m.real_customers:,} customers ({m.customers:,} simulated)")
    table = Table(title=f"{model.spec.name}: period {model.period} of {model.spec.periods},"
                        f" {people}, seed {model.seed}")
    for col, justify in (("firm", "left"), ("strategy", "left"), ("market share", "right"),
                         ("loyal customers", "right"), ("retention rate", "right"),
                         ("cumulative profit", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in summary_table(df, model.spec.market.real_customers).itertuples(index=False):
        rate = "-" if r.retention_rate != r.retention_rate else f"{r.retention_rate:.1%}"
        table.add_row(r.firm, r.strategy, f"{r.market_share:.1%}",
                      f"{r.loyal:,} ({r.loyal_share:.1%})", rate,
                      f"{r.cumulative_profit:,.0f}")
    for name, last in model.exits.items():
        firm = model.firms[name]
        table.add_row(name, firm.strategy_name, "left", "-", "-",
                      f"{firm.cumulative_profit:,.0f}")
        table.caption = (f"{table.caption + '; ' if table.caption else ''}{name} left the market"
                         f" after {model.spec.period_unit} {last} (its exit rule)")
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``validate`` to the ``stratsim`` command."""
    app.command()(run)
    app.command()(validate)


def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)],
    seed: SeedOption = None,
    periods: PeriodsOption = None,
    customers: CustomersOption = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: runs/<scenario>-seed<seed>/).")] = None,
    set_: SetOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
    = False,
    allow_code: Annotated[bool, typer.Option(
        "--allow-code", help="Allow user strategy classes (module:Class) to be imported and"
                             " run. Only for files you trust.")] = False,
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Skip the figures.")]
    = False,
    figure_format: FigureFormatOption = FigureFormat.png,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an output folder that holds another run.")] = False,
    transactions: Annotated[bool, typer.Option(
        "--transactions", help="Also write transactions.parquet: one row per purchase"
                               " (stratsim export DIR --format lifetimes for CLV tools).")]
    = False,
    start_date: Annotated[str, typer.Option(
        "--start-date", help="Calendar date of period 1 in the transactions (YYYY-MM-DD).")]
    = DEFAULT_START,
    checkpoint_every: Annotated[int | None, typer.Option(
        "--checkpoint-every", min=1, help="Save the run's state every N periods in"
                                          " checkpoints/ (stratsim fork starts from them).")]
    = None,
    period_length: Annotated[str | None, typer.Option(
        "--period-length", help="One period in the transactions' calendar: 1D, 2W, 1M, 3M,"
                                " 1Y ... (default: from period_unit day, week, month, quarter,"
                                " year).")] = None,
) -> None:
    """Run a scenario and write its output folder (time series, summary, figures).

    The folder is written whole, then swapped in; a run that stops early keeps what it
    simulated in FOLDER.partial/.
    """
    if allow_code:
        allow_code_beside(scenario)
    notes: list[str] = []
    try:
        spec = load_scenario(scenario, numbered("--set", set_), allow_code=allow_code,
                             customers=customers, periods=periods, notes=notes)
    except SourceError as exc:
        fail(exc)
    if not quiet:
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    if not transactions and (start_date != DEFAULT_START or period_length is not None):
        fail("--start-date and --period-length set the calendar of the transactions: add"
             " --transactions")
    dates = _calendar(start_date, period_length, spec.period_unit) if transactions else None
    run_seed = spec.seed if seed is None else seed
    target = out_dir or Path("runs") / f"{scenario_path_name(scenario)}-seed{run_seed}"
    try:
        prepare_target(target, resolved_scenario(spec, run_seed, sim.__version__), force=force)
    except RunPlaceError as exc:
        fail(str(exc))
    started = time.perf_counter()
    model = None
    checkpoints = None
    try:
        model = sim.MarketModel(spec, seed=run_seed, allow_code=allow_code)
        if dates is not None:
            model.observers.append(TransactionLog(model, *dates))
        if checkpoint_every is not None:
            checkpoints = _Checkpoints(checkpoint_every,
                                       target.with_name(f".{target.name}.checkpoints"),
                                       resolved_scenario(spec, run_seed, sim.__version__))
        _run_with_progress(model, quiet=quiet,
                           after=None if checkpoints is None else checkpoints.after)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (sim.cli.errors.Terminated)
        if model is None or model.period == 0:
            print("interrupted while building the market; nothing was simulated",
                  file=sys.stderr)
        else:
            kept = _keep_partial(model, target, checkpoints)
            print(f"interrupted at period {model.period}; partial results kept in {kept}/",
                  file=sys.stderr)
        raise typer.Exit(interrupted_status(stop)) from None
    except StrategyError as exc:
        assert model is not None
        kept = _keep_partial(model, target, checkpoints)
        print(f"{exc}; partial results kept in {kept}/", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE) from None
    try:
        publish(target, lambda folder: _write(model, folder, figures=not no_figures,
                                              fmt=figure_format.value, shown_as=target,
                                              checkpoints=checkpoints))
    except OSError as exc:
        fail(f"{target}: cannot write the output folder ({exc.strerror or exc})")
    if not quiet:
        _print_summary(model)
        out.print(f"{spec.periods} periods in {time.perf_counter() - started:.1f} s;"
                  f" results in {target}/", highlight=False)


def _calendar(start: str, length: str | None, unit: str) -> tuple[str, pd.DateOffset]:
    """The transactions' calendar (:func:`sim.market.transactions.calendar`); exit 2 if not."""
    try:
        return calendar(start, length, unit)
    except ValueError as exc:
        fail(str(exc))


def _keep_partial(model: sim.MarketModel, target: Path,
                  checkpoints: _Checkpoints | None = None) -> Path:
    """What a stopped run simulated, in ``TARGET.partial/`` (the target is left as it was)."""
    partial = target.with_name(f"{target.name}.partial")
    publish(partial, lambda folder: _write(model, folder, partial=True, shown_as=partial,
                                           checkpoints=checkpoints))
    return partial


PROGRESS_FIRST, PROGRESS_EVERY = 2.0, 10.0
"""Seconds before the first plain progress line, and between lines (not on a terminal)."""


def _run_with_progress(model: sim.MarketModel, *, quiet: bool,
                       after: Callable[[sim.MarketModel], None] | None = None) -> None:
    """Run the model, with a progress bar on a terminal, plain progress lines otherwise
    (a long run in a log or a batch job is never silent), nothing with ``--quiet``;
    ``after(model)`` is called between periods (never inside one)."""

    def run(show: Callable[[int, int], None] | None) -> None:
        if after is None:
            model.run(progress=show)
            return

        def both(done: int, total: int) -> None:
            after(model)
            if show is not None:
                show(done, total)

        model.run(progress=both)

    if quiet:
        run(None)
        return
    if not sys.stderr.isatty():
        start = time.monotonic()
        due = [start + PROGRESS_FIRST]

        def line(done: int, total: int) -> None:
            now = time.monotonic()
            if now >= due[0] and done < total:
                print(f"{model.spec.name}: period {done} of {total}"
                      f" ({now - start:.0f} s)", file=sys.stderr, flush=True)
                due[0] = now + PROGRESS_EVERY

        run(line)
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
        run(lambda done, total: bar.update(task, completed=done))


def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.",
                                                 show_default=False)],
    allow_code: Annotated[bool, typer.Option(
        "--allow-code", help="Accept user strategy classes (module:Class).")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Also list, for every firm, which levers are pinned, which its"
                          " strategy decides (and from which parameters), which stay as"
                          " written.")] = False,
) -> None:
    """Check scenario files: exit 0 if all are valid, else print one line per problem, exit 2."""
    check_scenario_files(files, allow_code=allow_code)
    if explain:
        from sim.scenario.explain import explain_levers

        for f in files:
            out.print(str(f), highlight=False, markup=False)
            for line in explain_levers(load_scenario(f, allow_code=allow_code)):
                out.print(f"  {line}", highlight=False, markup=False)
    out.print(f"{len(files)} file{'s' if len(files) != 1 else ''} valid", highlight=False)
