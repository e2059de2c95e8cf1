"""``stratsim diagnose``: what a market is like, measured, beside what is known of real ones.

Parses the options, runs :func:`sim.experiment.diagnostics_folder.run_diagnosis` and prints
the diagnosis (:mod:`sim.experiment.diagnosis`) as tables no wider than the terminal.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.text import Text

from sim.cli.console import out
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
from sim.experiment.diagnosis import Diagnosis
from sim.experiment.measurement import CATEGORY
from sim.report.html import format_number
from sim.scenario.loader import load_scenario, scenario_path_name
from sim.scenario.problems import SourceError

__all__ = ["register"]

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("elasticities of units over the window", ("elasticity_price", "elasticity_promotion",
                                              "elasticity_quality")),
    ("customers", ("churn", "retention", "lifetime", "tenure")),
    ("purchase panel over the window", ("penetration", "frequency", "scr", "repeat", "share",
                                        "w_1_b")),
    ("loyalty classes at the last period (share of all customers)",
     ("class_unaware", "class_potential", "class_new", "class_repeat", "class_loyal",
      "class_lapsed")),
)
"""The console's tables: a caption and its measures (rows), one column per firm."""

SHORT = {
    "elasticity_price": "price", "elasticity_promotion": "promotion",
    "elasticity_quality": "quality", "churn": "churn/period", "retention": "retention/period",
    "lifetime": "1/churn", "tenure": "mean tenure", "penetration": "penetration b",
    "frequency": "purchases/buyer w", "scr": "share of requirements", "repeat": "repeat rate",
    "share": "purchase share", "w_1_b": "w(1-b)",
    **{f"class_{c}": c for c in ("unaware", "potential", "new", "repeat", "loyal", "lapsed")},
}
"""Row names of the console tables (the full labels are in diagnostics.csv)."""


def _cell(mean: float, low: float, high: float) -> str:
    """``mean ±half-width`` of the interval, to three and two significant digits."""
    if not math.isfinite(mean):
        return format_number(mean)
    if math.isfinite(low) and math.isfinite(high):
        return f"{mean:.3g} ±{(high - low) / 2:.2g}"
    return f"{mean:.3g}"


def _section(diagnosis: Diagnosis, measures: tuple[str, ...]) -> pd.DataFrame:
    rows = []
    table = diagnosis.measures.set_index(["measure", "firm"])
    for measure in measures:
        row: dict[str, str] = {"measure": SHORT[measure]}
        for firm in diagnosis.firms:
            r = table.loc[(measure, firm)]
            row[firm] = _cell(float(r["mean"]), float(r["low"]), float(r["high"]))
        literature = table.loc[(measure, diagnosis.firms[0]), "literature"]
        if str(literature):
            row["literature"] = str(literature)
        rows.append(row)
    frame = pd.DataFrame(rows).fillna("")
    return frame


def print_diagnosis(diagnosis: Diagnosis) -> None:
    """The diagnosis as tables, then the market-wide lines and the Double Jeopardy check."""
    if not diagnosis.replications or not diagnosis.firms:
        out.print(Text("no replication has finished: nothing to show"))
        return
    width = out.width
    for caption, measures in SECTIONS:
        out.print(fit_table(_section(diagnosis, measures), f"{caption}", width))
    cross = diagnosis.cross_price.map(lambda v: f"{v:.3g}" if math.isfinite(v) else "–")
    cross.insert(0, "price of", cross.index)
    out.print(fit_table(cross.reset_index(drop=True),
                        "price elasticities (row: whose price moved; column: whose units)",
                        width))
    market = diagnosis.measures.set_index(["measure", "firm"])
    no_buy = market.loc[("no_purchase", CATEGORY)]
    out.print(Text("purchase occasions that ended with no purchase: "
                   + _cell(float(no_buy["mean"]), float(no_buy["low"]), float(no_buy["high"]))))
    for name, fit in diagnosis.nbd.items():
        if fit is not None:
            label = "category" if name == CATEGORY else name
            out.print(Text(f"NBD of purchases per customer, {label}: mean {fit.mean:.3g},"
                           f" k {fit.shape:.3g}; largest gap to the observed shares"
                           f" {fit.max_difference:.3f}"))
    checks = diagnosis.double_jeopardy_checks()
    if checks.get("firms", 0) >= 2:
        out.print(Text(
            "Double Jeopardy (rank correlation with share; +1 is the law): penetration"
            f" {checks['penetration_rises_with_share']:+.2f}, purchases per buyer"
            f" {checks['frequency_rises_with_share']:+.2f}, repeat rate"
            f" {checks['repeat_rises_with_share']:+.2f}; w(1-b) highest/lowest"
            f" {format_number(checks['w_1_b_spread'])} (1 is Ehrenberg's w(1-b) = w0)"))


HELP = (
    "Measure a market: elasticities, churn, purchase panel, Double Jeopardy, NBD.\n\n"
    "Every firm's price, promotion and quality elasticity of units (each lever pinned 5% above"
    " and below its level over the window, rivals reacting as their strategies do), churn and"
    " tenure, its buyers' purchase behaviour and the loyalty classes, with 95% intervals over"
    " replications and the literature's values beside them (docs/validation.md). Writes"
    " diagnostics.json, diagnostics.csv and figures/.")
"""The command's help text."""


def register(app: typer.Typer) -> None:
    """Add ``diagnose`` to the ``stratsim`` command."""

    @app.command(help=HELP)
    def diagnose(
        scenario: Annotated[Path, typer.Argument(help="Scenario file.", show_default=False)],
        replications: Annotated[int, typer.Option(
            min=2, max=10_000, help="Independent replications (intervals need 2 or more).")]
        = 5,
        window: Annotated[int, typer.Option(
            min=2, help="Measure over the scenario's last N periods.")] = 12,
        step: Annotated[float, typer.Option(
            min=0.001, max=0.45, help="Relative lever change for elasticities (0.05: 5% up"
                                      " and down).")] = 0.05,
        seed: SeedOption = None, customers: CustomersOption = None,
        periods: PeriodsOption = None, set_: SetOption = None,
        out_dir: Annotated[Path | None, typer.Option(
            "--out", help="Results folder (default runs/NAME-diagnose).")] = None,
        jobs: JobsOption = None, scheduler: SchedulerOption = None, retries: RetriesOption = 2,
        quiet: QuietOption = False, allow_code: AllowCodeOption = False,
        figure_format: FigureFormatOption = FigureFormat.png,
    ) -> None:
        """Measure a market: elasticities, churn, purchase panel, Double Jeopardy, NBD."""
        from sim.experiment.diagnostics_folder import (
            DiagnoseOptions,
            run_diagnosis,
            write_diagnosis,
        )

        if allow_code:
            allow_code_beside(scenario)
        notes: list[str] = []
        try:
            spec = load_scenario(scenario, numbered("--set", set_), allow_code=allow_code,
                                 customers=customers, periods=periods, notes=notes)
        except SourceError as exc:
            fail(exc)
        if not math.isfinite(step):
            fail(f"--step: must be a number between 0.001 and 0.45 (got {step})")
        if window > spec.periods:
            fail(f"--window: must be at most the scenario's {spec.periods} periods"
                 f" (got {window})")
        if not quiet:
            for note in notes:
                print(f"note: {note}", file=sys.stderr)
        options = DiagnoseOptions(replications=replications,
                                  seed=spec.seed if seed is None else seed,
                                  window=window, step=step)
        target = out_dir or Path("runs") / f"{scenario_path_name(scenario)}-diagnose"
        if not quiet:
            out.print(Text(f"diagnose {spec.name}: {replications} replications, window"
                           f" {window} periods, levers ±{step:.0%} -> {target}/"))
        with kept_when_stopped(target, "replications", "run the same command again to continue"):
            store, summary = run_diagnosis(spec, target, options, jobs=jobs,
                                           scheduler=scheduler, retries=retries, quiet=quiet,
                                           allow_code=allow_code)
        diagnosis, _ = write_diagnosis(store, fmt=figure_format.value)
        if not quiet:
            print_diagnosis(diagnosis)
            out.print(Text(f"{summary.done} replications done, {summary.skipped} already"
                           f" there, {summary.failed} failed, in {summary.seconds:.1f} s."
                           f" Written: {target / 'diagnostics.json'}, diagnostics.csv,"
                           f" figures/"))
        if summary.failed:
            print(f"{summary.failed} replication(s) failed; their errors are in"
                  f" {target / 'failed'}/ (run the command again to retry them)",
                  file=sys.stderr)
            raise typer.Exit(1)
