"""The results folder of a diagnosis: its replications, then ``diagnostics.json``,
``diagnostics.csv`` and the figures.

The replications are runs of the experiment executor (:func:`sim.experiment.executor.execute`)
into a :class:`~sim.experiment.store.ResultStore`, so a diagnosis runs on local worker
processes or on a Dask cluster, keeps every finished replication when it is stopped, and
resumes when run again into the same folder; the folder's manifest says it is a diagnosis
(``"kind": "diagnose"``) and records the resolved scenario, the options and the seeds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.experiment.design import replication_seeds
from sim.experiment.diagnosis import Diagnosis, diagnose_runs
from sim.experiment.executor import ExecutionSummary, execute
from sim.experiment.manifest import fingerprint_of
from sim.experiment.measurement import check_window, key
from sim.experiment.progress import progress_reporter
from sim.experiment.store import ResultStore
from sim.experiment.stylised_facts import FACTS
from sim.experiment.task import RunTask
from sim.files import atomic_write, csv_text
from sim.report.diagnostic_figures import (
    double_jeopardy_figure,
    elasticity_figure,
    nbd_figure,
)
from sim.report.style import check_format, save

if TYPE_CHECKING:
    from sim.scenario.spec import Scenario

__all__ = ["DIAGNOSE_KIND", "DiagnoseOptions", "run_diagnosis", "write_diagnosis"]

DIAGNOSE_KIND = "diagnose"
"""The ``kind`` a diagnosis writes in its folder's manifest."""


@dataclass(frozen=True)
class DiagnoseOptions:
    """How a market is diagnosed.

    Attributes:
        replications: independent replications (each with its own seed).
        seed: the seed the replications' seeds derive from.
        window: the measurement window: the scenario's last ``window`` periods.
        step: the relative change of a lever for an elasticity (0.05: 5% up and down).
    """

    replications: int = 5
    seed: int = 1
    window: int = 12
    step: float = 0.05


def _tasks(scenario: Scenario, options: DiagnoseOptions, allow_code: bool) -> list[RunTask]:
    data = scenario.model_dump(mode="json")
    seeds = replication_seeds(options.seed, options.replications)
    return [RunTask(run_id=f"r{r:03d}", scenario=data, seed=seed,
                    labels={"replication": r}, allow_code=allow_code,
                    diagnose={"window": options.window, "step": options.step})
            for r, seed in enumerate(seeds)]


def run_diagnosis(scenario: Scenario, out_dir: Path, options: DiagnoseOptions, *,
                  jobs: int | None = None, scheduler: str | None = None, retries: int = 2,
                  quiet: bool = False, allow_code: bool = False
                  ) -> tuple[ResultStore, ExecutionSummary]:
    """Run the replications not yet finished in ``out_dir``.

    Raises:
        ValueError: the window does not fit in the scenario, or the step is not in (0, 0.5).
        ExperimentError: the folder holds another experiment or diagnosis; Dask missing or
            unreachable; the folder is being written by another process.
    """
    check_window(options.window, options.step, scenario.periods)
    tasks = _tasks(scenario, options, allow_code)
    options_data = {"window": options.window, "step": options.step, "seed": options.seed,
                    "replications": options.replications}
    store = ResultStore(out_dir, fingerprint=fingerprint_of(
        {"kind": DIAGNOSE_KIND, "scenario": tasks[0].scenario, **options_data}))
    with store.exclusive():
        store.update_manifest(kind=DIAGNOSE_KIND, diagnose=options_data,
                              scenario=tasks[0].scenario, firms=scenario.all_firm_names(),
                              seeds=[t.seed for t in tasks], run_ids=[t.run_id for t in tasks])
    pending = len(tasks) - len(store.finished_ids() & {t.run_id for t in tasks})
    with progress_reporter(pending, f"diagnose {scenario.name}", enabled=not quiet) as callback:
        summary = execute(tasks, store=store, jobs=jobs, scheduler=scheduler, retries=retries,
                          progress=callback)
    return store, summary


def write_diagnosis(store: ResultStore, *, fmt: str = "png") -> tuple[Diagnosis, list[Path]]:
    """Analyse the folder's replications; write ``diagnostics.json``, ``diagnostics.csv`` and
    ``figures/{elasticities,purchases_nbd,double_jeopardy}.<fmt>``; the paths written.

    Raises:
        ValueError: ``fmt`` is not png or svg.
    """
    check_format(fmt)
    manifest = store.read_manifest()
    runs = store.runs()
    # an entrant that enters during the window is not measured: it has no units@Firm
    firms = [f for f in manifest.get("firms") or [] if key("units", f) in runs]
    window = int((manifest.get("diagnose") or {}).get("window", 12))
    diagnosis = diagnose_runs(runs, firms, window)
    data: dict[str, Any] = {"scenario": (manifest.get("scenario") or {}).get("name"),
                            "options": manifest.get("diagnose"), **diagnosis.to_json()}
    directory = store.directory
    paths = [
        atomic_write(directory / "diagnostics.json",
                     json.dumps(data, indent=2, ensure_ascii=False) + "\n", durable=False),
        atomic_write(directory / "diagnostics.csv", csv_text(diagnosis.measures),
                     durable=False),
    ]
    if diagnosis.replications:
        figures = directory / "figures"
        paths += [
            save(elasticity_figure(diagnosis.measures, firms, FACTS),
                 figures / f"elasticities.{fmt}", fmt),
            save(nbd_figure(diagnosis.nbd, firms), figures / f"purchases_nbd.{fmt}", fmt),
            save(double_jeopardy_figure(diagnosis.double_jeopardy, firms),
                 figures / f"double_jeopardy.{fmt}", fmt),
        ]
    return diagnosis, paths
