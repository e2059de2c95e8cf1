"""Experiment commands: compare, sweep, sensitivity, experiment, export, report.

Each builds an experiment (from a file or from the options), runs it into a results folder
(skipping runs already there), prints what it found and writes its figures. Parsing and
printing only: designs, execution, storage and statistics live in ``sim.experiment``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from sim.cli.errors import fail
from sim.experiment.design import ExperimentSpec, build_plan, load_experiment
from sim.experiment.store import ExperimentError, ResultStore
from sim.scenario.messages import problems_from_validation
from sim.scenario.positions import LoadedYaml
from sim.scenario.problems import MISSING, Problem, SourceError

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
SetOption = Annotated[list[str] | None, typer.Option(
    "--set", help="Change the base scenario: PATH=VALUE (repeatable).")]
OutcomeOption = Annotated[list[str] | None, typer.Option(
    "--outcome", help="Outcome to report, metric@Firm (repeatable); prefix with - to minimise,"
                      " e.g. -churn_rate@Alpha.")]


def _option_error(option: str, message: str, got: Any = None) -> SourceError:
    return SourceError([Problem(option, 1, 1, "", message, got if got is not None else
                                MISSING)])


def _value(text: str) -> Any:
    """A command-line value read as YAML (``90`` -> int, ``basic`` -> str)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _outcomes(items: list[str] | None) -> list[dict[str, str]]:
    result = []
    for item in items or []:
        minimise = item.startswith("-")
        result.append({"name": item.lstrip("-"),
                       "direction": "minimize" if minimise else "maximize"})
    return result


def _spec(data: dict[str, Any], option: str) -> ExperimentSpec:
    from pydantic import ValidationError

    try:
        return ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        fail(SourceError(problems_from_validation(exc, LoadedYaml(option, data),
                                                  ExperimentSpec)))


def _execute(spec: ExperimentSpec, base_dir: Path, out_dir: Path, *, jobs: int | None,
             scheduler: str | None, retries: int, resume: bool, quiet: bool, allow_code: bool,
             loaded: Any = None, origin: str = "experiment", experiment_text: str | None = None,
             experiment_file: str | None = None, integer_params: set[str] | None = None) -> None:
    from sim.experiment.runner import run_plan, write_figures

    try:
        plan = build_plan(spec, base_dir, loaded=loaded, allow_code=allow_code, origin=origin,
                          integer_params=integer_params)
    except SourceError as exc:
        fail(exc)
    if experiment_text is None:
        experiment_text = yaml.safe_dump(spec.model_dump(mode="json", exclude_defaults=True),
                                         sort_keys=False)
    if not quiet:
        out.print(f"{spec.name}: {len(plan.scenarios)} design points x {spec.replications}"
                  f" replications = {len(plan.tasks)} runs -> {out_dir}/", highlight=False)
    try:
        store, summary = run_plan(plan, out_dir, jobs=jobs, scheduler=scheduler,
                                  retries=retries, resume=resume, quiet=quiet,
                                  experiment_text=experiment_text,
                                  experiment_file=experiment_file)
    except ExperimentError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        print(f"interrupted; finished runs are kept in {out_dir}/ (run the same command again,"
              " or add --resume, to continue)", file=sys.stderr)
        raise typer.Exit(130) from None
    analysis, _ = write_figures(store)
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
    for note in analysis.notes:
        out.print(f"note: {note}", highlight=False)
    for caption, table in analysis.tables:
        t = Table(title=caption, title_justify="left")
        for col in table.columns:
            t.add_column(str(col), justify="right" if table[col].dtype.kind in "fi" else "left")
        for row in table.itertuples(index=False):
            t.add_row(*[_cell(v) for v in row])
        out.print(t)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return "–" if v != v else f"{v:,.4g}"
    return str(v)


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
        seed: Annotated[int, typer.Option(min=0, help="Seed of the replication seeds.")] = 1,
        set_: SetOption = None, outcome: OutcomeOption = None, out_dir: OutOption = None,
        jobs: JobsOption = None, scheduler: SchedulerOption = None, retries: RetriesOption = 2,
        resume: ResumeOption = False, quiet: QuietOption = False,
        allow_code: AllowCodeOption = False,
    ) -> None:
        """Compare strategies (or variants) for one firm on common random numbers."""
        from sim.experiment.runner import default_outcomes

        arms: dict[str, dict[str, Any]] = {}
        for name in [s.strip() for s in (strategies or "").split(",") if s.strip()]:
            arms[name] = {f"firms.{firm}.strategy": name, f"firms.{firm}.params": {}}
        for text in arm or []:
            name, colon, body = text.partition(":")
            if not colon or not name.strip():
                fail(_option_error("--arm", "an arm looks like NAME:PATH=VALUE,...", text))
            changes = {}
            for item in [i for i in body.split(",") if i.strip()]:
                path, eq, value = item.partition("=")
                if not eq or not path.strip():
                    fail(_option_error("--arm", f"'{item}' is not PATH=VALUE", text))
                changes[path.strip()] = _value(value.strip())
            arms[name.strip()] = changes
        if len(arms) < 2:
            fail(_option_error("--strategies", "a comparison needs two or more arms"
                                " (--strategies 4P,4C,4R and/or --arm NAME:PATH=VALUE)"))
        spec = _spec({"name": f"compare-{scenario.stem}-{firm}", "scenario": str(
            scenario.resolve()), "set": list(set_ or []), "seed": seed,
            "replications": replications, "design": {"kind": "arms", "arms": arms},
            "outcomes": _outcomes(outcome) or default_outcomes(firm)}, "--strategies")
        _execute(spec, Path.cwd(), out_dir or Path("runs") / spec.name, jobs=jobs,
                 scheduler=scheduler, retries=retries, resume=resume, quiet=quiet,
                 allow_code=allow_code, origin="--arm")

    @app.command()
    def sweep(
        scenario: Annotated[Path, typer.Argument(help="Scenario file.", show_default=False)],
        param: Annotated[list[str], typer.Option(
            help="PATH=V1,V2,... for a grid, or PATH=LOW:HIGH with --design lhs"
                 " (repeatable).")],
        design: Annotated[str, typer.Option(help="grid or lhs.")] = "grid",
        samples: Annotated[int | None, typer.Option(min=1, help="lhs: points.")] = None,
        replications: Annotated[int, typer.Option(min=1, help="Runs per point.")] = 10,
        seed: Annotated[int, typer.Option(min=0, help="Seed.")] = 1,
        set_: SetOption = None, outcome: OutcomeOption = None, out_dir: OutOption = None,
        jobs: JobsOption = None, scheduler: SchedulerOption = None, retries: RetriesOption = 2,
        resume: ResumeOption = False, quiet: QuietOption = False,
        allow_code: AllowCodeOption = False,
    ) -> None:
        """Sweep parameters over a grid or a Latin hypercube, with replications."""
        if design not in ("grid", "lhs"):
            fail(_option_error("--design", "must be grid or lhs", design))
        parameters, integers = _parameters(param, ranges=design == "lhs")
        data = {"name": f"sweep-{scenario.stem}", "scenario": str(scenario.resolve()),
                "set": list(set_ or []), "seed": seed, "replications": replications,
                "design": {"kind": design, "parameters": parameters, "samples": samples},
                "outcomes": _outcomes(outcome)}
        spec = _spec(data, "--param")
        _execute(spec, Path.cwd(), out_dir or Path("runs") / spec.name, jobs=jobs,
                 scheduler=scheduler, retries=retries, resume=resume, quiet=quiet,
                 allow_code=allow_code, origin="--param", integer_params=integers)

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
        seed: Annotated[int, typer.Option(min=0, help="Seed.")] = 1,
        set_: SetOption = None, out_dir: OutOption = None, jobs: JobsOption = None,
        scheduler: SchedulerOption = None, retries: RetriesOption = 2,
        resume: ResumeOption = False, quiet: QuietOption = False,
        allow_code: AllowCodeOption = False,
    ) -> None:
        """Global sensitivity analysis with SALib: Sobol' indices or Morris screening."""
        if method not in ("sobol", "morris"):
            fail(_option_error("--method", "must be sobol or morris", method))
        parameters, integers = _parameters(param, ranges=True)
        spec = _spec({"name": f"sensitivity-{scenario.stem}-{method}",
                      "scenario": str(scenario.resolve()), "set": list(set_ or []),
                      "seed": seed, "replications": replications,
                      "design": {"kind": method, "parameters": parameters, "samples": samples},
                      "outcomes": _outcomes(outcome)}, "--param")
        _execute(spec, Path.cwd(), out_dir or Path("runs") / spec.name, jobs=jobs,
                 scheduler=scheduler, retries=retries, resume=resume, quiet=quiet,
                 allow_code=allow_code, origin="--param", integer_params=integers)

    @app.command()
    def experiment(
        file: Annotated[Path, typer.Argument(help="Experiment file (YAML).",
                                             show_default=False)],
        replications: Annotated[int | None, typer.Option(
            min=1, help="Override the file's replications.")] = None,
        set_: SetOption = None,
        out_dir: OutOption = None, jobs: JobsOption = None, scheduler: SchedulerOption = None,
        retries: RetriesOption = 2, resume: ResumeOption = False, quiet: QuietOption = False,
        allow_code: AllowCodeOption = False,
    ) -> None:
        """Run an experiment file (experiments/*.yaml)."""
        try:
            spec, loaded = load_experiment(file)
        except SourceError as exc:
            fail(exc)
        if replications is not None:
            spec = spec.model_copy(update={"replications": replications})
        if set_:
            spec = spec.model_copy(update={"set": [*spec.set, *set_]})
        _execute(spec, file.parent, out_dir or Path("runs") / spec.name, jobs=jobs,
                 scheduler=scheduler, retries=retries, resume=resume, quiet=quiet,
                 allow_code=allow_code, loaded=loaded, origin=str(file),
                 experiment_text=file.read_text(encoding="utf-8"), experiment_file=str(file))

    @app.command()
    def export(
        directory: Annotated[Path, typer.Argument(help="An experiment's results folder.",
                                                  show_default=False)],
        csv: Annotated[bool, typer.Option("--csv", help="Write runs.csv and timeseries.csv.")]
        = True,
        out_dir: OutOption = None,
    ) -> None:
        """Export an experiment's tables as CSV for spreadsheets."""
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
        """Write one self-contained HTML report of an experiment (figures, tables, scenario,
        design, provenance)."""
        from sim.experiment.report import write_experiment_report

        try:
            store = ResultStore(directory, create=False)
            path = write_experiment_report(store, out_file or directory / "report.html")
        except ExperimentError as exc:
            fail(str(exc))
        out.print(f"report: {path}", highlight=False)


def _parameters(items: list[str], *, ranges: bool) -> tuple[dict[str, Any], set[str]]:
    """Parse --param options into design parameters (and the integer ranges)."""
    parameters: dict[str, Any] = {}
    integers: set[str] = set()
    for item in items:
        path, eq, body = item.partition("=")
        path = path.strip()
        if not eq or not path or not body.strip():
            fail(_option_error("--param", "a parameter looks like PATH=V1,V2 or"
                                " PATH=LOW:HIGH", item))
        if ranges:
            low, colon, high = body.partition(":")
            lo, hi = _value(low.strip()), _value(high.strip())
            if not colon or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                    for v in (lo, hi)):
                fail(_option_error("--param", f"{path}: a range looks like LOW:HIGH with"
                                    " numbers", body))
            parameters[path] = {"low": lo, "high": hi}
            if isinstance(lo, int) and isinstance(hi, int):
                integers.add(path)
        else:
            parameters[path] = [_value(v.strip()) for v in body.split(",") if v.strip()]
    return parameters, integers
