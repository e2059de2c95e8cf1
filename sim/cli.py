"""The command line: parse, call the API, print. No model logic lives here.

Commands: ``stratsim run``, ``stratsim validate``, ``stratsim dashboard``. User errors (bad
files, bad values) print ``FILE:LINE:COLUMN: field.path: what is wrong (got VALUE)`` lines
and exit with status 2 (DESIGN.md principle 7); a traceback means a bug in stratsim.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import sim
from sim.cli_errors import EXIT_USAGE, allow_code_beside, check_scenario_files, fail
from sim.files import atomic_write
from sim.firm import StrategyError
from sim.scenario import scenario_path_name
from sim.scenario_io import dump_yaml, load_scenario, resolved_scenario
from sim.sourcefile import SourceError

app = typer.Typer(
    name="stratsim", no_args_is_help=True, add_completion=False,
    help="stratsim: an agent-based simulator of marketing strategy. Customers choose firms by"
         " customer delivered value; firms run 4P, 4C or 4R strategies.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False)
out = Console(width=None if sys.stdout.isatty() else 110)
err = Console(stderr=True)

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


def write_outputs(model: sim.MarketModel, out_dir: Path, *, partial: bool = False,
                  figures: bool = True) -> dict[str, Path]:
    """Write a run's output folder; returns the files written, by name."""
    from sim.metrics import summary_table

    spec = model.spec
    df = model.timeseries()
    files: dict[str, Path] = {}
    name = "timeseries.partial.csv" if partial else "timeseries.csv"
    atomic_write(out_dir / name, df.to_csv(index=False))
    files["timeseries"] = out_dir / name
    resolved = resolved_scenario(spec, model.seed, sim.__version__)
    header = (f"Resolved scenario written by stratsim {sim.__version__}: every default filled in."
              f"\nRun `stratsim run {out_dir / 'scenario.resolved.yaml'}` to reproduce this run.")
    atomic_write(out_dir / "scenario.resolved.yaml", dump_yaml(resolved, header))
    files["scenario"] = out_dir / "scenario.resolved.yaml"
    summary = {
        "scenario": spec.name, "seed": model.seed, "stratsim_version": sim.__version__,
        "periods_run": model.period if df.empty else int(df["period"].max()),
        "periods": spec.periods, "customers": spec.market.customers, "complete": not partial,
        "firms": summary_table(df, spec.market.customers).to_dict(orient="records")
        if not df.empty else [],
    }
    if figures and not df.empty and not partial:
        from sim.report.figures import write_run_figures

        figs = write_run_figures(df, out_dir / "figures", customers=spec.market.customers,
                                 title=spec.name, period_unit=spec.period_unit)
        files.update({f"figure_{k}": v for k, v in figs.items()})
    summary["files"] = {k: str(v.relative_to(out_dir)) for k, v in files.items()}
    atomic_write(out_dir / "summary.json", json.dumps(summary, indent=2, default=float) + "\n")
    files["summary"] = out_dir / "summary.json"
    return files


def _print_summary(model: sim.MarketModel) -> None:
    from sim.metrics import summary_table

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


@app.command()
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
        files = write_outputs(model, target, partial=True)
        err.print(f"interrupted at period {model.period}; partial results kept in"
                  f" {files['timeseries']}", markup=False)
        raise typer.Exit(130) from None
    except StrategyError as exc:
        files = write_outputs(model, target, partial=True)
        print(f"error: {exc}\npartial results kept in {files['timeseries']}", file=sys.stderr)
        raise typer.Exit(EXIT_USAGE) from None
    files = write_outputs(model, target, figures=not no_figures)
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


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.",
                                                 show_default=False)],
    allow_code: Annotated[bool, typer.Option(
        "--allow-code", help="Accept user strategy classes (module:Class).")] = False,
) -> None:
    """Check scenario files: exit 0 if all are valid, else print one line per problem, exit 2."""
    check_scenario_files(files, allow_code=allow_code)
    out.print(f"{len(files)} file{'s' if len(files) != 1 else ''} valid", highlight=False)


from sim.cli_experiments import register as _register_experiment_commands  # noqa: E402

_register_experiment_commands(app)

from sim.cli_teaching import register as _register_teaching_commands  # noqa: E402

_register_teaching_commands(app)


@app.command()
def dashboard(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario file to open (default: scenarios/default.yaml). Every file in the"
             " scenarios folder can be picked on the page.", show_default=False)] = None,
    host: Annotated[str, typer.Option(
        help="Interface to listen on (127.0.0.1: this computer only; 0.0.0.0: the"
             " classroom network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0: any free port).", min=0,
                                      max=65535)] = 8765,
    no_browser: Annotated[bool, typer.Option(
        "--no-browser", help="Do not open the page in a web browser.")] = False,
    customers: Annotated[int | None, typer.Option(
        help="Market size to open with (overrides market.customers).", min=1)] = None,
    scenarios: Annotated[Path | None, typer.Option(
        "--scenarios", help="Folder of scenario files to offer (default: ./scenarios).",
        show_default=False)] = None,
) -> None:
    """Start the classroom dashboard, a local web page, and print its address.

    Needs the viz extra: pip install "stratsim\\[viz]". The page works offline and sends
    no telemetry. Stop it with Ctrl-C.
    """
    from sim.dashboard import VIZ_EXTRA_HINT, viz_available

    missing = viz_available()
    if missing is not None:
        fail(f"{VIZ_EXTRA_HINT} ({missing} is not installed)")
    if scenario is not None:
        try:
            load_scenario(scenario)
        except SourceError as exc:
            fail(exc)
    if scenarios is not None and not scenarios.is_dir():
        fail(f"{scenarios}: not a folder")
    from sim.dashboard.server import configure_environment, port_problem, serve

    if port != 0 and (problem := port_problem(host, port)):
        fail(problem)
    configure_environment(scenario=scenario, folder=scenarios, customers=customers)
    from sim.dashboard.app import open_panel
    from sim.dashboard.state import SettingsError

    try:
        open_panel()  # the page's first scenario must load: report problems here, not there
    except SourceError as exc:
        fail(exc)
    except SettingsError as exc:
        fail(str(exc))

    def announce(url: str) -> None:
        out.print(f"stratsim dashboard: {url}  (Ctrl-C to stop)", highlight=False,
                  soft_wrap=True)

    try:
        serve(host, port, open_browser=not no_browser, announce=announce)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def main() -> None:
    """Entry point of the ``stratsim`` command."""
    app()
