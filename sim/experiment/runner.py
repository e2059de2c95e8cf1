"""Running a planned experiment into its results folder, and reading it back.

``run_plan`` records the manifest (stratsim version, the experiment, every resolved scenario,
seeds, design, outcomes, run ids), then executes the runs not yet finished in the folder (a
re-run or ``--resume`` skips them), writing each as soon as it finishes; start and end times
and every run's status are recorded by the executor. Then ``write_figures`` draws the analysis
(PNG, or SVG on request).
"""

from __future__ import annotations

from pathlib import Path

from sim.experiment.analysis import Analysis, analyze
from sim.experiment.design import Plan, replication_seeds
from sim.experiment.executor import ExecutionSummary, execute
from sim.experiment.manifest import MANIFEST, ExperimentError
from sim.experiment.progress import progress_reporter
from sim.experiment.store import ResultStore
from sim.report.style import check_format, save

__all__ = ["default_outcomes", "run_plan", "write_figures"]

STANDARD_OUTCOMES = ("cumulative_profit", "loyal_share", "retention_rate", "satisfaction",
                     "customer_equity")


def default_outcomes(firm: str) -> list[dict[str, str]]:
    """The outcomes a strategy comparison reports for ``firm``."""
    return [{"name": f"{m}@{firm}", "direction": "maximize"} for m in STANDARD_OUTCOMES]


def run_plan(plan: Plan, out_dir: Path, *, jobs: int | None = None, scheduler: str | None = None,
             retries: int = 2, resume: bool = False, quiet: bool = False,
             experiment_text: str | None = None, experiment_file: str | None = None
             ) -> tuple[ResultStore, ExecutionSummary]:
    """Execute ``plan`` into ``out_dir`` (skipping runs already finished there).

    Raises:
        ExperimentError: ``resume`` without an experiment in the folder; the folder holds a
            different experiment; Dask missing or unreachable.
    """
    if resume and not (out_dir / MANIFEST).exists():
        raise ExperimentError(f"{out_dir}: nothing to resume (no {MANIFEST} there)")
    store = ResultStore(out_dir, fingerprint=plan.fingerprint)
    spec = plan.spec
    outcomes = [o.model_dump() for o in spec.outcomes]
    if not outcomes:
        first = next(iter(plan.scenarios.values()))
        outcomes = [{"name": f"{m}@{f}", "direction": "maximize"}
                    for f in first["firms"] for m in ("cumulative_profit", "loyal_share")]
    with store.exclusive():
        store.update_manifest(
            experiment=spec.model_dump(mode="json"), experiment_file=experiment_file,
            experiment_text=experiment_text, outcomes=outcomes,
            seeds=replication_seeds(spec.seed, spec.replications),
            points=list(plan.scenarios), design_points=plan.points,
            design_labels=[*plan.label_columns, "replication"],
            scenarios=plan.scenarios, run_ids=[t.run_id for t in plan.tasks])
    pending = len(plan.tasks) - len(store.finished_ids() & {t.run_id for t in plan.tasks})
    with progress_reporter(pending, spec.name, enabled=not quiet) as callback:
        summary = execute(plan.tasks, store=store, jobs=jobs, scheduler=scheduler,
                          retries=retries, progress=callback)
    return store, summary


def write_figures(store: ResultStore, analysis: Analysis | None = None, *,
                  fmt: str = "png") -> tuple[Analysis, list[Path]]:
    """Analyse the folder and write its figures to ``figures/<stem>.<fmt>``.

    Args:
        store: the experiment's results folder.
        analysis: its analysis, if already made (default: :func:`analyze` it).
        fmt: the figures' file format, ``"png"`` or ``"svg"``.

    Raises:
        ValueError: ``fmt`` is not png or svg (before the folder is analysed).
    """
    check_format(fmt)
    analysis = analysis or analyze(store)
    paths = [save(fig, store.directory / "figures" / f"{stem}.{fmt}", fmt)
             for stem, _, fig in analysis.figures]
    return analysis, paths
