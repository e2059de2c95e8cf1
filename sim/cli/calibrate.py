"""``stratsim calibrate``: fit a market to a strategist's own figures.

Parses the options into a checked calibration (:func:`sim.calibration.problem.build_calibration`),
runs the search into its folder (:func:`sim.calibration.search.run_search`), and prints the
fit table, the parameters with their uncertainty and every warning; the files are written by
:mod:`sim.calibration.outputs`.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.text import Text

from sim.cli.console import out
from sim.cli.designs import parameters
from sim.cli.errors import allow_code_beside, fail, kept_when_stopped
from sim.cli.experiments import (
    AllowCodeOption,
    JobsOption,
    QuietOption,
    RetriesOption,
    SchedulerOption,
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
from sim.cli.tables import fit_table
from sim.scenario.calibration import ParameterRange
from sim.scenario.loader import scenario_path_name
from sim.scenario.problems import SourceError

if TYPE_CHECKING:
    from sim.calibration.fit import Fit

__all__ = ["register"]

HELP = (
    "Fit a market to your own figures: churn, shares, purchases per buyer, elasticities.\n\n"
    "Targets are METRIC@FIRM=VALUE[:TOLERANCE] (an outcome of an experiment's runs table, e.g."
    " churn_rate@Alpha, or a stratsim diagnose measure, e.g. price_elasticity@Alpha); free"
    " parameters are PATH=LOW:HIGH. Both can also be written in the scenario's calibration:"
    " section or a --calibration file. Candidate markets run on the same seeds (common random"
    " numbers) through the experiment executor, proposed by Optuna's TPE after a Latin"
    " hypercube; a stopped calibration resumes when run again into the same folder. Writes"
    " calibrated.yaml, fit.csv, parameters.csv, candidates.csv, calibration.json and"
    " figures/fit.png (docs/calibration.md).")


def _parameters(items: list[str] | None) -> dict[str, tuple[ParameterRange, str]]:
    """``--param PATH=LOW:HIGH`` options (read by :func:`sim.cli.designs.parameters`, as for
    ``sweep`` and ``sensitivity``), each with the option that gave it."""
    found, _ = parameters(list(items or []), ranges=True)
    where = {item.partition("=")[0].strip(): f"--param {k}"
             for k, item in enumerate(items or [], start=1)}
    return {path: (ParameterRange(low=r["low"], high=r["high"]), where[path])
            for path, r in found.items()}


def _print_fit(fit: Fit) -> None:
    width = out.width
    targets = fit.targets
    shown = pd.DataFrame({
        "target": targets["target"],
        "wanted": [f"{w:.4g} ±{t:.2g}" for w, t in zip(targets["wanted"], targets["tolerance"],
                                                       strict=True)],
        "achieved": [f"{a:.4g} [{lo:.4g}, {hi:.4g}]" for a, lo, hi in
                     zip(targets["achieved"], targets["low"], targets["high"], strict=True)],
        "residual": [f"{r:+.2f}" for r in targets["residual"]],
        "met": ["yes" if m else "NO" for m in targets["met"]]})
    out.print(fit_table(shown, "targets (residual: (achieved - wanted) / tolerance)", width))
    params = fit.parameters
    shown = pd.DataFrame({
        "parameter": params["parameter"],
        "fitted": [f"{v:.4g}" for v in params["fitted"]],
        "95% interval": [f"{lo:.4g} .. {hi:.4g}" for lo, hi in
                         zip(params["low"], params["high"], strict=True)],
        "range": [f"{lo:g}:{hi:g}" for lo, hi in
                  zip(params["range_low"], params["range_high"], strict=True)],
        "identified": params["identified"]})
    out.print(fit_table(shown, "parameters (95% profile interval)", width))
    for w in fit.warnings:
        out.print(Text(f"warning: {w}"))


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to the ``stratsim`` command."""

    @app.command(help=HELP)
    def calibrate(
        scenario: Annotated[Path, typer.Argument(help="Scenario file.", show_default=False)],
        target: Annotated[list[str] | None, typer.Option(
            help="A figure to fit: METRIC@FIRM=VALUE[:TOLERANCE], or with a window"
                 " METRIC@FIRM[FIRST-LAST]=VALUE (repeatable; tolerance default 10%).")] = None,
        param: Annotated[list[str] | None, typer.Option(
            help="A free parameter: PATH=LOW:HIGH (repeatable; integers if both are).")]
        = None,
        calibration: Annotated[Path | None, typer.Option(
            "--calibration", help="A calibration file (targets, parameters, budget ...)"
                                  " instead of the scenario's calibration: section.")] = None,
        budget: Annotated[int | None, typer.Option(
            min=1, help="Simulation runs in all, candidates x replications (default 200).")]
        = None,
        replications: Annotated[int | None, typer.Option(
            min=1, help="Runs per candidate market, on the same seeds (default 4).")] = None,
        batch: Annotated[int | None, typer.Option(
            min=1, help="Candidates proposed and run together (default 8).")] = None,
        seed: SeedOption = None, customers: CustomersOption = None,
        periods: PeriodsOption = None, set_: SetOption = None,
        out_dir: Annotated[Path | None, typer.Option(
            "--out", help="Results folder (default runs/NAME-calibrate).")] = None,
        jobs: JobsOption = None, scheduler: SchedulerOption = None, retries: RetriesOption = 2,
        quiet: QuietOption = False, allow_code: AllowCodeOption = False,
        figure_format: FigureFormatOption = FigureFormat.png,
    ) -> None:
        """Fit a market to your own figures."""
        from sim.calibration.fit import analyse
        from sim.calibration.outputs import write_outputs
        from sim.calibration.problem import build_calibration
        from sim.calibration.search import run_search

        if allow_code:
            allow_code_beside(scenario)
        notes: list[str] = []
        changes = numbered("--set", set_)
        try:
            cal = build_calibration(
                scenario, set_=changes, customers=customers, periods=periods,
                file=calibration, targets=list(target or []), parameters=_parameters(param),
                budget=budget, replications=replications, seed=seed, batch=batch,
                allow_code=allow_code, notes=notes)
        except SourceError as exc:
            fail(exc)
        if not quiet:
            for note in notes:
                print(f"note: {note}", file=sys.stderr)
        target_dir = out_dir or Path("runs") / f"{scenario_path_name(scenario)}-calibrate"
        if not quiet:
            out.print(Text(f"calibrate {cal.scenario.get('name', '')}: {len(cal.targets)}"
                           f" targets, {len(cal.parameters)} parameters, {cal.candidates}"
                           f" candidates x {cal.replications} replications = "
                           f"{cal.candidates * cal.replications} runs -> {target_dir}/"))
        with kept_when_stopped(target_dir, "runs", "run the same command again to continue"
                                                   " the calibration"):
            _, _, scores, summary = run_search(
                cal, target_dir, jobs=jobs, scheduler=scheduler, retries=retries, quiet=quiet)
        try:
            fit = analyse(cal, scores)
        except ValueError as exc:
            fail(f"{target_dir}: {exc}")
        command = (shlex.join(["stratsim", *sys.argv[1:]])
                   if Path(sys.argv[0]).name in ("stratsim", "__main__.py") else "")
        write_outputs(cal, fit, target_dir, set_=changes, periods=periods, command=command,
                      fmt=figure_format.value)
        if not quiet:
            _print_fit(fit)
            out.print(Text(f"{summary.done} runs done, {summary.skipped} already there,"
                           f" {summary.failed} failed, in {summary.seconds:.1f} s. Written:"
                           f" {target_dir / 'calibrated.yaml'}, fit.csv, parameters.csv,"
                           f" candidates.csv, calibration.json, figures/; report: stratsim"
                           f" report {target_dir}"))
        if summary.failed:
            print(f"{summary.failed} run(s) failed; their errors are in {target_dir / 'failed'}/"
                  " (run the command again to retry them)", file=sys.stderr)
            raise typer.Exit(1)
