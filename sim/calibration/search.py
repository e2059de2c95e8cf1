"""The search: candidate markets proposed in rounds, each run through the experiment executor.

Rules:

* **Common random numbers.** Every candidate runs the same replication seeds, so two
  candidates differ by their parameters and not by luck: the objective is a deterministic
  function of the parameters (a sample-average approximation; Kleywegt, Shapiro &
  Homem-de-Mello 2002), and differences between candidates are measured with the variance
  reduction of paired comparisons.
* **Rounds of a fixed size** (``batch`` candidates), so what is proposed never depends on the
  number of jobs or the executor. Three phases:

  1. *start*: a Latin hypercube over the ranges (McKay, Beckman & Conover 1979; at least 10
     candidates and 4 per parameter), so every range is covered evenly before a model of the
     objective is trusted;
  2. *search*: Optuna's tree-structured Parzen estimator (Bergstra et al. 2011; Watanabe
     2023), multivariate (it models the parameters jointly), with the constant liar for
     proposals made together, from a sampler seeded by the calibration's seed and the round,
     given every scored candidate so far;
  3. *local*: the last rounds (half of those after the start, at least twice the coefficients
     of a quadratic in the parameters where the budget allows) are Latin hypercubes in a box
     around the best candidate that moves, grows and shrinks by a trust-region rule
     (:func:`local_box`): the second stage of response-surface methodology (Box & Wilson
     1951), which walks the last stretch to the optimum, where a global sampler is slow, and
     maps the objective there densely enough for the parameters' intervals
     (:mod:`sim.calibration.uncertainty`). One candidate of each local round is the minimum
     of a quadratic surface fitted to the best candidates so far, where one is curved upward
     (the stationary point of response-surface methodology).
* **Resumable.** Each round's candidates are written to ``candidates.json`` (atomically)
  before any of its runs start, and each run lands in the folder's result store as it
  finishes; a calibration killed at any moment and run again re-reads the candidates, skips
  the finished runs and goes on to the same result. A larger ``--budget`` on the same folder
  continues the search.
* Values are rounded to 6 significant digits when proposed, so the value written to
  ``calibrated.yaml`` is exactly the one that was run.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.fit import Scores
from sim.calibration.problem import Calibration
from sim.calibration.uncertainty import nearest_count, quadratic_minimum
from sim.experiment.executor import execute
from sim.experiment.manifest import ExperimentError
from sim.experiment.progress import progress_reporter
from sim.experiment.store import ResultStore
from sim.files import atomic_write
from sim.scenario.calibration import ParameterRange
from sim.scenario.problems import SourceError

__all__ = ["CANDIDATES", "KIND", "Candidate", "SearchSummary", "initial_size", "local_box",
           "local_size", "run_search"]

CANDIDATES = "candidates.json"
LOCAL_HALF_WIDTH = 0.1
"""The first local round spans the best point ± 10% of each parameter's range."""
LOCAL_PHASES = ("local", "step")
MIN_HALF_WIDTH, MAX_HALF_WIDTH = 0.0125, 0.25
"""The local box stays between ± 1.25% and ± 25% of each range."""
KIND = "calibrate"
"""The ``kind`` a calibration writes in its folder's manifest."""


@dataclass(frozen=True)
class Candidate:
    """One candidate market: its parameter values, and why it could not run if it could not."""

    id: str
    round: int
    point: dict[str, float | int]
    error: str = ""
    phase: str = ""
    """``start``, ``search``, ``local`` or ``step`` (the local round's surface step)."""


@dataclass(frozen=True)
class SearchSummary:
    """What one session of the search did."""

    done: int
    skipped: int
    failed: int
    seconds: float


def initial_size(cal: Calibration) -> int:
    """Candidates of the space-filling start: at least 10, 4 per parameter, whole rounds."""
    wanted = max(10, 4 * len(cal.parameters))
    rounds = -(-wanted // cal.batch)
    return min(cal.candidates, rounds * cal.batch)


def local_size(cal: Calibration) -> int:
    """Candidates of the closing local search: half of those after the start, and at least
    twice the coefficients of a quadratic surface in the parameters where the budget allows,
    in whole rounds."""
    p = len(cal.parameters)
    rest = cal.candidates - initial_size(cal)
    wanted = max(rest // 2, min(2 * (1 + p + p * (p + 1) // 2), rest))
    return wanted // cal.batch * cal.batch


def _rounded(value: float, r: ParameterRange) -> float | int:
    """A proposed value as it is run: an integer, or 6 significant digits, inside the range."""
    rounded = round(value) if r.integer else float(f"{value:.6g}")
    return min(max(rounded, r.low), r.high)


def _latin_hypercube(cal: Calibration, count: int, stream: int = 0,
                     box: dict[str, tuple[float, float]] | None = None
                     ) -> list[dict[str, float | int]]:
    """``count`` points of a Latin hypercube over the ranges (or over ``box``)."""
    from scipy.stats import qmc

    names = list(cal.parameters)
    unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng([cal.seed, stream])
                              ).random(count)
    points = []
    for row in unit:
        point = {}
        for name, u in zip(names, row, strict=True):
            r = cal.parameters[name]
            low, high = box[name] if box else (r.low, r.high)
            point[name] = _rounded(low + u * (high - low), r)
        points.append(point)
    return points


def _box(cal: Calibration, centre: dict[str, float | int], half: float
         ) -> dict[str, tuple[float, float]]:
    """The box ``centre ± half`` of each range (as a share of it), moved inside the range."""
    box = {}
    for name, r in cal.parameters.items():
        width = half * (r.high - r.low)
        low = min(max(r.low, centre[name] - width), r.high - 2 * width)
        box[name] = (low, low + 2 * width)
    return box


def local_box(cal: Calibration, done: list[Candidate], scores: Scores
              ) -> dict[str, tuple[float, float]]:
    """The box of the next local round, by a trust-region rule replayed over the local rounds
    so far (Conn, Gould & Toint 2000, ch. 6; Stander & Craig 2002 for boxes of sampled
    designs): it starts at ± 10% of each range around the best candidate before the local
    search; after a round that found a better candidate it moves there, and doubles if that
    candidate lay at the box's edge (the optimum may be beyond it); after a round that did not,
    it halves. Between ± 1.25% and ± 25% of each range."""
    pooled = scores.pooled_se()
    s = {c.id: scores.objective(c.id, pooled) for c in done}
    before = [c for c in done if c.phase not in LOCAL_PHASES] or done
    best = min(before, key=lambda c: s[c.id])
    centre, half, best_s = best.point, LOCAL_HALF_WIDTH, s[best.id]
    for round_ in sorted({c.round for c in done if c.phase in LOCAL_PHASES}):
        box = _box(cal, centre, half)
        in_round = [c for c in done if c.round == round_]
        top = min(in_round, key=lambda c: s[c.id])
        if s[top.id] < best_s:
            edge = any(min(top.point[n] - lo, hi - top.point[n]) <= 0.1 * (hi - lo)
                       for n, (lo, hi) in box.items())
            centre, best_s = top.point, s[top.id]
            half = min(2.0 * half, MAX_HALF_WIDTH) if edge else half
        else:
            half = max(0.5 * half, MIN_HALF_WIDTH)
    return _box(cal, centre, half)


def _surface_step(cal: Calibration, done: list[Candidate], scores: Scores
                  ) -> dict[str, float | int] | None:
    """The minimum of a quadratic surface fitted to the best candidates so far, inside the
    ranges (:func:`sim.calibration.uncertainty.quadratic_minimum`), or None if no surface is
    curved upward around them: one candidate of each local round goes there, the step of
    response-surface methodology toward the optimum."""
    pooled = scores.pooled_se()
    scored = [(scores.objective(c.id, pooled), c) for c in done]
    scored = sorted([(v, c) for v, c in scored if math.isfinite(v)], key=lambda vc: vc[0])
    names = list(cal.parameters)
    low = np.array([float(cal.parameters[n].low) for n in names])
    width = np.array([float(cal.parameters[n].high - cal.parameters[n].low) for n in names])
    nearest = scored[:nearest_count(len(scored), len(names))]
    u = np.array([[(c.point[n] - lo) / w for n, lo, w in zip(names, low, width, strict=True)]
                  for _, c in nearest])
    minimum = quadratic_minimum(u, np.array([v for v, _ in nearest])) if len(nearest) else None
    if minimum is None:
        return None
    minimum = np.clip(minimum, 0.0, 1.0)
    return {n: _rounded(lo + m * w, cal.parameters[n])
            for n, lo, w, m in zip(names, low, width, minimum, strict=True)}


def _distributions(cal: Calibration) -> dict[str, Any]:
    from optuna.distributions import FloatDistribution, IntDistribution

    return {name: IntDistribution(int(r.low), int(r.high)) if r.integer
            else FloatDistribution(float(r.low), float(r.high))
            for name, r in cal.parameters.items()}


def _tpe(cal: Calibration, round_: int, scored: list[tuple[dict[str, Any], float]],
         count: int) -> list[dict[str, float | int]]:
    """``count`` proposals of the tree-structured Parzen estimator given the scored history."""
    import optuna
    from optuna.trial import create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions = _distributions(cal)
    finite = [s for _, s in scored if math.isfinite(s)]
    worst = 10.0 * max(finite) + 1.0 if finite else 1e12  # failed candidates rank last
    seed = int(np.random.SeedSequence([cal.seed, round_]).generate_state(1)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # multivariate and constant_liar are "experimental"
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True,
                                             n_startup_trials=0)
        study = optuna.create_study(sampler=sampler, direction="minimize")
        for point, score in scored:
            study.add_trial(create_trial(params=dict(point), distributions=distributions,
                                         value=score if math.isfinite(score) else worst))
        trials = [study.ask(distributions) for _ in range(count)]
    return [{name: _rounded(t.params[name], cal.parameters[name])
             for name in cal.parameters} for t in trials]


def _read_candidates(path: Path) -> list[Candidate]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ExperimentError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})"
                              ) from None
    return [Candidate(**c) for c in data.get("candidates", [])]


def _write_candidates(path: Path, candidates: list[Candidate]) -> None:
    text = json.dumps({"candidates": [asdict(c) for c in candidates]}, indent=1) + "\n"
    atomic_write(path, text)


def _propose(cal: Calibration, round_: int, done: list[Candidate], scores: Scores
             ) -> list[Candidate]:
    count = min(cal.batch, cal.candidates - len(done))
    start = len(done)
    phases: list[str] = []
    if start < initial_size(cal):
        phase = "start"
        points = _latin_hypercube(cal, initial_size(cal))[start:start + count]
    elif start < cal.candidates - local_size(cal):
        phase = "search"
        pooled = scores.pooled_se()
        history = [(c.point, scores.objective(c.id, pooled)) for c in done]
        points = _tpe(cal, round_, history, count)
    else:
        phase = "local"
        points = _latin_hypercube(cal, count, stream=1 + round_,
                                  box=local_box(cal, done, scores))
        phases = [phase] * len(points)
        step = _surface_step(cal, done, scores)
        if step is not None and count > 1:
            points[-1] = step
            phases[-1] = "step"
    out = []
    for k, point in enumerate(points):
        cid = f"c{start + k + 1:04d}"
        phase = phases[k] if phases else phase
        error = ""
        try:
            cal.candidate_scenario(point, f"candidate {cid}")
        except SourceError as exc:
            error = str(exc).splitlines()[0]
        out.append(Candidate(cid, round_, point, error, phase))
    return out


def run_search(cal: Calibration, out_dir: Path, *, jobs: int | None = None,
               scheduler: str | None = None, retries: int = 2, quiet: bool = False
               ) -> tuple[ResultStore, list[Candidate], Scores, SearchSummary]:
    """Run the calibration's candidates into ``out_dir`` until its budget is spent.

    Raises:
        ExperimentError: the folder holds another experiment or calibration; Dask missing or
            unreachable; the folder is being written by another process.
    """
    import time

    started = time.perf_counter()
    store = ResultStore(out_dir, fingerprint=cal.fingerprint())
    path = out_dir / CANDIDATES
    with store.exclusive():
        candidates = _read_candidates(path)
        store.update_manifest(kind=KIND, calibration=cal.describe(), scenario=cal.scenario,
                              seeds=cal.seeds)
    scores = Scores(cal, store)
    finished = store.finished_ids()
    pending = (max(cal.candidates, len(candidates)) - sum(1 for c in candidates if c.error)
               ) * cal.replications - sum(1 for c in candidates for r in range(cal.replications)
                                          if f"{c.id}-r{r:03d}" in finished)
    done = skipped = failed = 0
    with progress_reporter(max(pending, 0), f"calibrate {cal.scenario.get('name', '')}",
                           enabled=not quiet) as callback:
        round_ = 0
        while True:
            in_round = [c for c in candidates if c.round == round_]
            if not in_round:
                if len(candidates) >= cal.candidates:
                    break
                with store.exclusive():
                    in_round = _propose(cal, round_, candidates, scores)
                    candidates = [*candidates, *in_round]
                    _write_candidates(path, candidates)
            tasks = [t for c in in_round if not c.error
                     for t in cal.tasks(c.id, cal.candidate_scenario(c.point, c.id),
                                        {"round": c.round, **c.point})]
            base = done

            def report(settled: int, total: int, result: Any, base: int = base) -> None:
                callback(base + settled, max(pending, base + total), result)

            summary = execute(tasks, store=store, jobs=jobs, scheduler=scheduler,
                              retries=retries, progress=report)
            done += summary.done
            skipped += summary.skipped
            failed += summary.failed
            scores.add(in_round)
            round_ += 1
    with store.exclusive():
        store.update_manifest(run_ids=[f"{c.id}-r{r:03d}" for c in candidates if not c.error
                                       for r in range(cal.replications)])
    return store, candidates, scores, SearchSummary(done, skipped, failed,
                                                    time.perf_counter() - started)
