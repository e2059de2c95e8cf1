"""Experiment commands: compare, sweep, sensitivity, experiment, export, report.

Each builds an experiment (from a file or from the options, :mod:`sim.cli.designs`), runs it
into a results folder (skipping runs already there), prints what it found and writes its
figures. Parsing and printing only: designs, execution, storage and statistics live in
``sim.experiment``. ``--customers``, ``--periods`` and ``--seed`` mean what they mean for every
command (:mod:`sim.cli.options`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console

from sim.cli.designs import (
    arms_from_options,
    base_firms,
    check_firm,
    experiment_spec,
    option_error,
    outcomes,
    parameters,
)
from sim.cli.errors import fail, kept_when_stopped
from sim.cli.options import (
    CustomersOption,
    FigureFormat,
    FigureFormatOption,
    PeriodsOption,
    SeedOption,
    SetOption,
)
from sim.experiment.design import build_plan, runs_count
from sim.experiment.spec import ExperimentSpec, arm_slug, load_experiment
from sim.experiment.store import ExperimentError, ResultStore
from sim.scenario.problems import SourceError

__all__ = ["register"]

out = Console(width=None if sys.stdout.isatty() else 120)

JobsOption = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, help="Local worker processes (default: all cores).")]
SchedulerOption = Annotated[str | None, typer.Option(
    help="Address of a Dask scheduler (tcp://host:8786): run on that cluster (needs"
         " stratsim[dask]).")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Results folder.")]
ResumeOption = Annotated[bool, typer.Option(
    "--resume", help="Continue the experiment in --out (it must be there); finished runs are"
                     " skipped (re-running into the same folder does the same).")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
RetriesOption = Annotated[int, typer.Option(min=0, help="Extra attempts for a failing run.")]
AllowCodeOption = Annotated[bool, typer.Option(
    "--allow-code", help="Allow user strategy classes (module:Class).")]
PLAN_QUIETLY = 60
"""Design points planned without a word first (planning takes about 16 ms a point)."""
MaxRunsOption = Annotated[int | None, typer.Option(
    "--max-runs", min=1, help="Most runs the experiment may make (default 20,000; a larger"
                              " design is refused before anything is built).")]
TransactionsOption = Annotated[bool, typer.Option(
    "--transactions", help="Keep every run's transaction log in DIR/transactions/ (stratsim"
                           " export DIR --format lifetimes for CLV tools).")]
OutcomeOption = Annotated[list[str] | None, typer.Option(
    "--outcome", help="Outcome to report, metric@Firm (repeatable); prefix with - to minimise,"
                      " e.g. -churn_rate@Alpha.")]


def _execute(spec: ExperimentSpec, base_dir: Path, out_dir: Path, *, jobs: int | None,
             scheduler: str | None, retries: int, resume: bool, quiet: bool, allow_code: bool,
             loaded: Any = None, origin: str = "experiment", experiment_text: str | None = None,
             experiment_file: str | None = None, integer_params: set[str] | None = None,
             set_origin: str | None = None, figure_format: str = "png") -> None:
    from sim.experiment.runner import run_plan, write_figures

    runs = runs_count(spec.design, spec.replications)
    points = runs // spec.replications
    if not quiet and points > PLAN_QUIETLY:  # counted before anything is built: never silent
        print(f"planning {points:,} design points (about {points * 0.016:.0f} s) ...",
              file=sys.stderr)
    try:
        plan = build_plan(spec, base_dir, loaded=loaded, allow_code=allow_code, origin=origin,
                          integer_params=integer_params, set_origin=set_origin)
    except SourceError as exc:
        fail(exc)
    if not quiet:
        for note in plan.notes:
            print(f"note: {note}", file=sys.stderr)
    if experiment_text is None:
        experiment_text = yaml.safe_dump(spec.model_dump(mode="json", exclude_defaults=True),
                                         sort_keys=False)
    if not quiet:
        out.print(f"{spec.name}: {points:,} design points x {spec.replications:,} replications"
                  f" = {runs:,} runs -> {out_dir}/", highlight=False)
    with kept_when_stopped(out_dir, "runs",
                           "run the same command again, or add --resume, to continue"):
        store, summary = run_plan(plan, out_dir, jobs=jobs, scheduler=scheduler,
                                  retries=retries, resume=resume, quiet=quiet,
                                  experiment_text=experiment_text,
                                  experiment_file=experiment_file)
    analysis, _ = write_figures(store, fmt=figure_format)
    if not quiet:
        _print_analysis(analysis)
        out.print(f"{summary.done} runs done, {summary.skipped} already there, {summary.failed}"
                  f" failed, in {summary.seconds:.1f} s. Figures: {out_dir / 'figures'}/;"
                  f" report: stratsim report {out_dir}", highlight=False)
    if summary.failed:
        print(f"{summary.failed} run(s) failed; their errors are in {out_dir / 'failed'}/"
              " (run the command again to retry them)", file=sys.stderr)
        raise typer.Exit(1)


def _print_analysis(analysis: Any) -> None:
    from sim.cli.tables import print_analysis

    print_analysis(out, analysis)


def register(app: typer.Typer) -> None:
    """Add the experiment commands to the ``stratsim`` command."""

    @app.command()
    def compare(
        scenario: Annotated[Path, typer.Argument(help="Scenario file.", show_default=False)],
        firm: Annotated[str, typer.Option(help="The firm whose strategy changes.")],
        strategies: Annotated[str | None, typer.Option(
            help="Comma-separated strategies, one arm each (e.g. 4P,4C,4R).")] = None,
        arm: Annotated[list[str] | None, typer.Option(
            help="A whole variant: NAME:PATH=VALUE,PATH=VALUE (repeatable).")] = None,
        replications: Annotated[int, typer.Option(min=1, help="Runs per arm.")] = 30,
        seed: SeedOption = None, customers: CustomersOption = None,
        periods: PeriodsOption = None,
        set_: SetOption = None, outcome: OutcomeOption = None, out_dir: OutOption = None,
        jobs: JobsOption = None, scheduler: SchedulerOption = None, retries: RetriesOption = 2,
        resume: ResumeOption = False, quiet: QuietOption = False,
        allow_code: AllowCodeOption = False,
        figure_format: FigureFormatOption = FigureFormat.png,
        max_runs: MaxRunsOption = None, transactions: TransactionsOption = False,
        fork_at: Annotated[int | None, typer.Option(
            "--fork-at", min=0, help="The arms share periods 1..K exactly and differ from"
                                     " K + 1 (their changes: a firm's levers or strategy; as"
                                     " stratsim fork).")] = None,
    ) -> None:
        """Compare strategies (or variants) for one firm on common random numbers."""
        from sim.experiment.runner import default_outcomes

        firms = base_firms(scenario, set_, customers=customers, periods=periods,
                           allow_code=allow_code)
        check_firm(firm, firms)
        arms = arms_from_options(firm, strategies, arm)
        spec = experiment_spec({
            "name": f"compare-{arm_slug(scenario.stem)}-{arm_slug(firm)}",
            "scenario": str(scenario.resolve()),
            "set": list(set_ or []), "seed": 1 if seed is None else seed,
            "customers": customers, "periods": periods, "replications": replications,
            **({"max_runs": max_runs} if max_runs is not None else {}),
            "design": {"kind": "arms", "arms": arms,
                       **({"fork_at": fork_at} if fork_at is not None else {})},
            "transactions": transactions,
            "outcomes": outcomes(outcome, firms) or default_outcomes(firm)}, "--arm")
        _execute(spec, Path.cwd(), out_dir or Path("runs") / spec.name, jobs=jobs,
                 scheduler=scheduler, retries=retries, resume=resume, quiet=quiet,
                 allow_code=allow_code, origin="--arm", set_origin="--set",
                 figure_format=figure_format.value)

    @app.command()
    def sweep(
        scenario: Annotated[Path, typer.Argument(help="Scenario file.", show_default=False)],
        param: Annotated[list[str], typer.Option(
            help="PATH=V1,V2,... for a grid, or PATH=LOW:HIGH with --design lhs"
                 " (repeatable).")],
        design: Annotated[str, typer.Option(help="grid or lhs.")] = "grid",
        samples: Annotated[int | None, typer.Option(min=1, help="lhs: points.")] = None,
        replications: Annotated[int, typer.Option(min=1, help="Runs per point.")] = 10,
        seed: SeedOption = None, customers: CustomersOption = None,
        periods: PeriodsOption = None,
        set_: SetOption = None, outcome: OutcomeOption = None, out_dir: OutOption = None,
        jobs: JobsOption = None, scheduler: SchedulerOption = None, retries: RetriesOption = 2,
        resume: ResumeOption = False, quiet: QuietOption = False,
        allow_code: AllowCodeOption = False,
        figure_format: FigureFormatOption = FigureFormat.png,
        max_runs: MaxRunsOption = None, transactions: TransactionsOption = False,
    ) -> None:
        """Sweep parameters over a grid or a Latin hypercube, with replications."""
        if design not in ("grid", "lhs"):
            fail(option_error("--design", "must be grid or lhs", design))
        firms = base_firms(scenario, set_, customers=customers, periods=periods,
                           allow_code=allow_code)
        found, integers = parameters(param, ranges=design == "lhs", firms=firms)
        spec = experiment_spec({
            "name": f"sweep-{arm_slug(scenario.stem)}", "scenario": str(scenario.resolve()),
            "set": list(set_ or []), "seed": 1 if seed is None else seed,
            "customers": customers, "periods": periods, "replications": replications,
            **({"max_runs": max_runs} if max_runs is not None else {}),
            "design": {"kind": design, "parameters": found, "samples": samples},
            "transactions": transactions, "outcomes": outcomes(outcome, firms)}, "--param")
        _execute(spec, Path.cwd(), out_dir or Path("runs") / spec.name, jobs=jobs,
                 scheduler=scheduler, retries=retries, resume=resume, quiet=quiet,
                 allow_code=allow_code, origin="--param", integer_params=integers,
                 set_origin="--set",
                 figure_format=figure_format.value)

    @app.command()
    def sensitivity(
        scenario: Annotated[Path, typer.Argument(help="Scenario file.", show_default=False)],
        param: Annotated[list[str], typer.Option(help="PATH=LOW:HIGH (repeatable).")],
        outcome: Annotated[list[str], typer.Option(
            help="Outcome, metric@Firm (repeatable; the first three are analysed).")],
        method: Annotated[str, typer.Option(help="sobol or morris.")] = "sobol",
        samples: Annotated[int, typer.Option(
            min=1, help="sobol: base samples N (a power of 2; runs = N x (params + 2));"
                        " morris: trajectories (runs = N x (params + 1)).")] = 64,
        replications: Annotated[int, typer.Option(
            min=1, help="Runs per sample point (averaged).")] = 1,
        seed: SeedOption = None, customers: CustomersOption = None,
        periods: PeriodsOption = None,
        set_: SetOption = None, out_dir: OutOption = None, jobs: JobsOption = None,
        scheduler: SchedulerOption = None, retries: RetriesOption = 2,
        resume: ResumeOption = False, quiet: QuietOption = False,
        allow_code: AllowCodeOption = False,
        figure_format: FigureFormatOption = FigureFormat.png,
        max_runs: MaxRunsOption = None,
    ) -> None:
        """Global sensitivity analysis with SALib: Sobol' indices or Morris screening."""
        if method not in ("sobol", "morris"):
            fail(option_error("--method", "must be sobol or morris", method))
        firms = base_firms(scenario, set_, customers=customers, periods=periods,
                           allow_code=allow_code)
        found, integers = parameters(param, ranges=True, firms=firms)
        spec = experiment_spec({
            "name": f"sensitivity-{arm_slug(scenario.stem)}-{method}",
            "scenario": str(scenario.resolve()),
            "set": list(set_ or []), "seed": 1 if seed is None else seed,
            "customers": customers, "periods": periods, "replications": replications,
            **({"max_runs": max_runs} if max_runs is not None else {}),
            "design": {"kind": method, "parameters": found, "samples": samples},
            "outcomes": outcomes(outcome, firms)}, "--param")
        _execute(spec, Path.cwd(), out_dir or Path("runs") / spec.name, jobs=jobs,
                 scheduler=scheduler, retries=retries, resume=resume, quiet=quiet,
                 allow_code=allow_code, origin="--param", integer_params=integers,
                 set_origin="--set",
                 figure_format=figure_format.value)

    @app.command()
    def experiment(
        file: Annotated[Path, typer.Argument(help="Experiment file (YAML).",
                                             show_default=False)],
        replications: Annotated[int | None, typer.Option(
            min=1, help="Override the file's replications.")] = None,
        seed: SeedOption = None, customers: CustomersOption = None,
        periods: PeriodsOption = None,
        set_: SetOption = None,
        out_dir: OutOption = None, jobs: JobsOption = None, scheduler: SchedulerOption = None,
        retries: RetriesOption = 2, resume: ResumeOption = False, quiet: QuietOption = False,
        allow_code: AllowCodeOption = False,
        figure_format: FigureFormatOption = FigureFormat.png,
        max_runs: MaxRunsOption = None, transactions: TransactionsOption = False,
    ) -> None:
        """Run an experiment file (experiments/*.yaml)."""
        try:
            spec, loaded = load_experiment(file)
        except SourceError as exc:
            fail(exc)
        changes: dict[str, Any] = {"replications": replications, "seed": seed,
                                   "customers": customers, "periods": periods,
                                   "max_runs": max_runs}
        changes = {k: v for k, v in changes.items() if v is not None}
        if transactions:
            changes["transactions"] = True
        if set_:
            changes["set"] = [*spec.set, *set_]
        if changes:
            spec = experiment_spec({**spec.model_dump(mode="json"), **changes}, "--set")
        _execute(spec, file.parent, out_dir or Path("runs") / spec.name, jobs=jobs,
                 scheduler=scheduler, retries=retries, resume=resume, quiet=quiet,
                 allow_code=allow_code, loaded=loaded, origin=str(file),
                 experiment_text=file.read_text(encoding="utf-8"), experiment_file=str(file),
                 set_origin="--set",
                 figure_format=figure_format.value)

    @app.command()
    def export(
        directory: Annotated[Path, typer.Argument(
            help="An experiment's results folder (csv), or a run's folder with"
                 " transactions.parquet (lifetimes).", show_default=False)],
        csv: Annotated[bool, typer.Option("--csv", help="Write runs.csv and timeseries.csv.")]
        = True,
        format_: Annotated[str, typer.Option(
            "--format", help="csv: an experiment's runs.csv and timeseries.csv; lifetimes: a"
                             " run's events.csv and rfm-<Firm>.csv (frequency, recency, T,"
                             " monetary_value) for lifetimes and pymc-marketing.")] = "csv",
        out_dir: OutOption = None,
    ) -> None:
        """Export an experiment's tables as CSV for spreadsheets, or a run's transactions for
        customer-lifetime-value tools."""
        if format_ not in ("csv", "lifetimes"):
            fail(option_error("--format", "must be csv or lifetimes", format_))
        if format_ == "lifetimes":
            from sim.report.clv_export import write_lifetimes

            try:
                paths = write_lifetimes(directory, out_dir)
            except (FileNotFoundError, OSError) as exc:
                fail(str(exc))
        else:
            try:
                store = ResultStore(directory, create=False)
                paths = store.export_csv(out_dir)
            except ExperimentError as exc:
                fail(str(exc))
        for p in paths:
            out.print(str(p), highlight=False)

    @app.command()
    def report(
        directory: Annotated[Path, typer.Argument(help="An experiment's results folder.",
                                                  show_default=False)],
        out_file: Annotated[Path | None, typer.Option(
            "--out", help="HTML file (default: DIR/report.html).")] = None,
    ) -> None:
        """Write one self-contained HTML report of an experiment or a calibration (figures,
        tables, scenario, design, provenance)."""
        from sim.experiment.report import write_experiment_report

        try:
            store = ResultStore(directory, create=False)
            kind = store.read_manifest().get("kind")
            if kind == "diagnose":
                fail(f"{directory}: a diagnosis folder (stratsim diagnose); its results are"
                     " diagnostics.json, diagnostics.csv and figures/ there")
            if kind == "calibrate":
                from sim.calibration.report import write_calibration_report

                path = write_calibration_report(store, out_file or directory / "report.html")
            else:
                path = write_experiment_report(store, out_file or directory / "report.html")
        except ExperimentError as exc:
            fail(str(exc))
        out.print(f"report: {path}", highlight=False)
