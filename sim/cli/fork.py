"""``stratsim fork``: a finished run continued from the end of period K with a change.

Parses the options, builds the forked scenario (:func:`sim.scenario.fork.fork_scenario`: the
change as events at K + 1 on the run's resolved scenario), runs it on the run's seed into a
run folder like ``stratsim run`` writes, and prints, per firm, what the change did after K:
the original's and the fork's cumulative profit, market share and loyal customers at the last
period, and their difference.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

import sim
from sim.cli.console import out
from sim.cli.errors import EXIT_USAGE, allow_code_beside, fail, interrupted_status
from sim.cli.options import FigureFormat, FigureFormatOption, SetOption, numbered
from sim.cli.run import _keep_partial, _run_with_progress, _write
from sim.experiment.checkpoint import CheckpointError, checkpoint_path, load_checkpoint
from sim.files import atomic_write
from sim.market.firm import StrategyError
from sim.report.run_place import RunPlaceError, prepare_target, publish
from sim.scenario.fork import fork_scenario
from sim.scenario.loader import load_scenario_with_source
from sim.scenario.problems import SourceError
from sim.scenario.resolved import resolved_scenario
from sim.scenario.spec import Scenario

__all__ = ["register"]

FORK_FILE = "fork.json"


def _original(run_dir: Path, allow_code: bool) -> tuple[dict, Scenario]:
    resolved = run_dir / "scenario.resolved.yaml"
    if not resolved.is_file():
        fail(f"{run_dir}: not a run's folder (no scenario.resolved.yaml); give a folder"
             " stratsim run wrote")
    try:
        base, loaded = load_scenario_with_source(resolved, allow_code=allow_code)
    except SourceError as exc:
        fail(exc)
    return loaded.data, base


def _from_checkpoint(run_dir: Path, at: int, data: dict, base: Scenario, spec: Scenario,
                     allow_code: bool, quiet: bool) -> sim.MarketModel:
    """The market at the end of period ``at`` from the run's checkpoint, with the fork's events
    scheduled; without a usable checkpoint, a new market (periods 1..at are re-simulated,
    which gives the same, bit for bit)."""
    path = checkpoint_path(run_dir, at)
    if at > 0 and path.is_file():
        try:
            model = load_checkpoint(path, data, base.seed, sim.__version__,
                                    allow_code=allow_code)
        except CheckpointError as exc:
            print(f"note: {exc}", file=sys.stderr)
        else:
            model.spec = spec
            model.schedule(list(spec.events[len(base.events):]))
            if not quiet:
                print(f"note: starting from {path}", file=sys.stderr)
            return model
    return sim.MarketModel(spec, seed=base.seed, allow_code=allow_code)


def _effect(original: pd.DataFrame, fork: pd.DataFrame) -> pd.DataFrame:
    last = int(fork["period"].max())
    rows = []
    for firm in fork["firm"].unique():
        a = original[(original["firm"] == firm) & (original["period"] == last)]
        b = fork[(fork["firm"] == firm) & (fork["period"] == last)]
        if a.empty or b.empty:
            continue
        row = {"firm": firm}
        for column, label in (("cumulative_profit", "cumulative profit"),
                              ("share_units", "market share"), ("loyal", "loyal customers")):
            x, y = float(a[column].iloc[0]), float(b[column].iloc[0])
            row[f"{label}: run"], row[f"{label}: fork"] = x, y
            row[f"{label}: difference"] = y - x
        rows.append(row)
    return pd.DataFrame(rows)


def _print_effect(effect: pd.DataFrame, at: int, last: int) -> None:
    table = Table(title=f"what the change did after period {at} (at period {last}; periods 1 to"
                        f" {at} are the run's own)")
    table.add_column("firm")
    for label in ("cumulative profit", "market share", "loyal customers"):
        table.add_column(f"{label}: run -> fork (difference)", justify="right")
    for r in effect.to_dict(orient="records"):
        cells = []
        for label, fmt in (("cumulative profit", "{:,.0f}"), ("market share", "{:.1%}"),
                           ("loyal customers", "{:,.0f}")):
            run, fork, diff = (r[f"{label}: {k}"] for k in ("run", "fork", "difference"))
            sign = "+" if diff >= 0 else ""
            cells.append(f"{fmt.format(run)} -> {fmt.format(fork)} ({sign}{fmt.format(diff)})")
        table.add_row(str(r["firm"]), *cells)
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``fork`` to the ``stratsim`` command."""

    @app.command()
    def fork(
        run_dir: Annotated[Path, typer.Argument(help="A run's folder (stratsim run wrote it).",
                                                show_default=False)],
        at: Annotated[int, typer.Option(
            "--at", min=0, help="The last period the fork shares with the run; the change acts"
                                " from period AT + 1.")],
        set_: SetOption = None,
        strategy: Annotated[list[str] | None, typer.Option(
            "--strategy", help="Switch a firm's strategy from AT + 1: FIRM=STRATEGY"
                               " (repeatable).")] = None,
        out_dir: Annotated[Path | None, typer.Option(
            "--out", help="Output folder (default: RUN_DIR-forkAT beside the run).")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
        = False,
        allow_code: Annotated[bool, typer.Option(
            "--allow-code", help="Allow user strategy classes (module:Class).")] = False,
        no_figures: Annotated[bool, typer.Option("--no-figures", help="Skip the figures.")]
        = False,
        figure_format: FigureFormatOption = FigureFormat.png,
        force: Annotated[bool, typer.Option(
            "--force", help="Replace an output folder that holds another run.")] = False,
    ) -> None:
        """Continue a finished run from the end of period AT with a change, on the same
        customers and the same random draws: periods 1 to AT are the run's own, byte for byte,
        and what differs after AT is the effect of the change alone (docs/counterfactuals.md).
        A fork changes a firm's levers (--set firms.NAME.price=80) or its strategy
        (--strategy NAME=4C, with --set firms.NAME.params.KEY=VALUE)."""
        if allow_code:
            allow_code_beside(run_dir)
        data, base = _original(run_dir, allow_code)
        if at >= base.periods:
            fail(f"--at: the run has {base.periods} periods; a fork shares 0 to"
                 f" {base.periods - 1} of them with it (got {at})")
        try:
            spec = fork_scenario(data, at, numbered("--set", set_),
                                 numbered("--strategy", strategy), base.all_firm_names(),
                                 allow_code=allow_code)
        except SourceError as exc:
            fail(exc)
        target = out_dir or run_dir.parent / f"{run_dir.name}-fork{at}"
        try:
            prepare_target(target, resolved_scenario(spec, base.seed, sim.__version__),
                           force=force)
        except RunPlaceError as exc:
            fail(str(exc))
        started = time.perf_counter()
        model = _from_checkpoint(run_dir, at, data, base, spec, allow_code, quiet)
        try:
            _run_with_progress(model, quiet=quiet)
        except KeyboardInterrupt as stop:
            kept = _keep_partial(model, target)
            print(f"interrupted at period {model.period}; partial results kept in {kept}/",
                  file=sys.stderr)
            raise typer.Exit(interrupted_status(stop)) from None
        except StrategyError as exc:
            kept = _keep_partial(model, target)
            print(f"{exc}; partial results kept in {kept}/", file=sys.stderr)
            raise typer.Exit(EXIT_USAGE) from None
        original = pd.read_csv(run_dir / "timeseries.csv") if (
            run_dir / "timeseries.csv").is_file() else pd.DataFrame()
        effect = (_effect(original, model.timeseries())
                  if not original.empty else pd.DataFrame())
        record = {"forked_from": str(run_dir), "at": at, "seed": base.seed,
                  "set": list(set_ or []), "strategy": list(strategy or []),
                  "effect_at_last_period": effect.to_dict(orient="records")}

        def write(folder: Path) -> None:
            _write(model, folder, figures=not no_figures, fmt=figure_format.value,
                   shown_as=target)
            atomic_write(folder / FORK_FILE, json.dumps(record, indent=2) + "\n")

        try:
            publish(target, write)
        except OSError as exc:
            fail(f"{target}: cannot write the output folder ({exc.strerror or exc})")
        if not quiet:
            if not effect.empty:
                _print_effect(effect, at, int(model.period))
            out.print(f"fork of {run_dir} after period {at}: {spec.periods} periods in"
                      f" {time.perf_counter() - started:.1f} s; results in {target}/",
                      highlight=False)
