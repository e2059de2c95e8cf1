"""The search: its phases, the same result on any executor, resuming, candidates that cannot run.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sim.calibration.fit import analyse
from sim.calibration.problem import build_calibration
from sim.calibration.search import (
    CANDIDATES,
    LOCAL_HALF_WIDTH,
    MAX_HALF_WIDTH,
    initial_size,
    local_box,
    local_size,
    run_search,
)
from sim.scenario.calibration import ParameterRange

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.yaml"
SCALE, QUALITY = "market.behaviour.choice_scale", "firms.Beta.quality"


def problem(budget: int = 64, **kw):
    return build_calibration(DEFAULT, customers=300, periods=12,
                             targets=["share_units@Beta=0.3:0.03", "churn_rate@Alpha=0.1:0.02"],
                             parameters={SCALE: (ParameterRange(low=5.0, high=25.0), "p1"),
                                         QUALITY: (ParameterRange(low=0.5, high=0.9), "p2")},
                             replications=2, budget=budget, batch=4, seed=3, **kw)


def candidates_table(folder: Path) -> pd.DataFrame:
    data = json.loads((folder / CANDIDATES).read_text(encoding="utf-8"))["candidates"]
    return pd.DataFrame([{"id": c["id"], "round": c["round"], **c["point"]} for c in data])


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("search") / "one-job"
    cal = problem()
    _, candidates, scores, summary = run_search(cal, folder, jobs=1, quiet=True)
    return cal, folder, candidates, scores, summary


def test_the_search_spends_its_budget_in_three_phases(searched):
    cal, folder, candidates, _, summary = searched
    assert len(candidates) == cal.candidates == 32
    assert summary.done == 64 and summary.failed == 0
    start, local = initial_size(cal), local_size(cal)
    assert (start, local) == (12, 12)  # 10 and 4 per parameter; half of the other 20, rounds
    assert [c.round for c in candidates] == [k // 4 for k in range(32)]
    phases = [c.phase for c in candidates]
    assert phases[:12] == ["start"] * 12 and phases[12:20] == ["search"] * 8
    assert set(phases[20:]) <= {"local", "step"} and phases.count("step") <= 3
    for c in candidates:
        for name, r in cal.parameters.items():
            assert r.low <= c.point[name] <= r.high
    # the start is a Latin hypercube: one point in each twelfth of each range
    for name, r in cal.parameters.items():
        cells = sorted(int((c.point[name] - r.low) / (r.high - r.low) * start)
                       for c in candidates[:start])
        assert cells == list(range(start))
    # each local round is a Latin hypercube in a box of at most ± 25% of each range
    for round_ in {c.round for c in candidates[-local:]}:
        points = pd.DataFrame([c.point for c in candidates
                               if c.round == round_ and c.phase == "local"])
        for name, r in cal.parameters.items():
            spread = points[name].max() - points[name].min()
            assert 0 < spread <= 2 * MAX_HALF_WIDTH * (r.high - r.low) + 1e-9
    # values are rounded to 6 significant digits when proposed, and run as written
    assert all(float(f"{v:.6g}") == v for c in candidates for v in c.point.values())
    runs = pd.read_parquet(folder / "runs" / f"{candidates[-1].id}-r000.parquet")
    assert runs[SCALE].iloc[0] == candidates[-1].point[SCALE]


def test_the_local_box_moves_to_a_better_candidate_and_shrinks_without_one(searched):
    cal, _, candidates, scores, _ = searched
    before = [c for c in candidates if c.phase in ("start", "search")]
    pooled = scores.pooled_se()
    best = min(before, key=lambda c: scores.objective(c.id, pooled))
    box = local_box(cal, before, scores)  # the first local round: ± 10% around the best
    for name, r in cal.parameters.items():
        lo, hi = box[name]
        assert hi - lo == pytest.approx(2 * LOCAL_HALF_WIDTH * (r.high - r.low))
        assert lo <= best.point[name] <= hi
    worse = [*before, *[type(c)(f"w{k}", 99, c.point, "", "local") for k, c in
                        enumerate(before[:4])]]
    other = copy.copy(scores)  # the fixture's scores stay as they are
    other.values = dict(scores.values)
    for c in worse[-4:]:  # a local round no better than the best: the box halves
        other.values[c.id] = {t: v + 1.0 for t, v in scores.values[before[0].id].items()}
    shrunk = local_box(cal, worse, other)
    for name, r in cal.parameters.items():
        lo, hi = shrunk[name]
        assert hi - lo == pytest.approx(LOCAL_HALF_WIDTH * (r.high - r.low))


def test_two_jobs_give_the_same_candidates_and_scores(searched, tmp_path):
    _, folder, _, scores, _ = searched
    other = tmp_path / "two-jobs"
    _, _, scores2, _ = run_search(problem(), other, jobs=2, quiet=True)
    pd.testing.assert_frame_equal(candidates_table(folder), candidates_table(other))
    pd.testing.assert_frame_equal(scores.table(), scores2.table())


@pytest.fixture()
def dask_scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_a_dask_cluster_gives_the_same_candidates_and_scores(dask_scheduler, tmp_path):
    _, _, local, _ = run_search(problem(budget=24), tmp_path / "local", jobs=1, quiet=True)
    _, _, dask, _ = run_search(problem(budget=24), tmp_path / "dask", scheduler=dask_scheduler,
                               quiet=True)
    pd.testing.assert_frame_equal(candidates_table(tmp_path / "local"),
                                  candidates_table(tmp_path / "dask"))
    pd.testing.assert_frame_equal(local.table(), dask.table())


def test_a_larger_budget_on_the_same_folder_keeps_every_run_and_searches_on(tmp_path):
    folder = tmp_path / "grown"
    _, first, _, _ = run_search(problem(budget=40), folder, jobs=1, quiet=True)
    _, candidates, scores, summary = run_search(problem(budget=64), folder, jobs=1, quiet=True)
    assert summary.skipped == 40 and summary.done == 24
    assert candidates[:20] == first and len(candidates) == 32
    assert all(scores.objective(c.id) < float("inf") for c in candidates)
    # the new rounds close with a local design of their own around the best so far
    assert [c.round for c in candidates[20:]] == [5] * 4 + [6] * 4 + [7] * 4
    again = run_search(problem(budget=64), folder, jobs=1, quiet=True)[3]
    assert (again.done, again.skipped) == (0, 64)


def test_a_folder_of_another_calibration_is_refused(searched):
    from sim.experiment.manifest import ExperimentError

    _, folder, _, _, _ = searched
    other = build_calibration(DEFAULT, customers=300, periods=12,
                              targets=["share_units@Beta=0.4:0.03"],
                              parameters={SCALE: (ParameterRange(low=5.0, high=25.0), "p1")},
                              replications=2, budget=8)
    with pytest.raises(ExperimentError, match="holds the results of a different experiment"):
        run_search(other, folder, quiet=True)


EVENTFUL = """\
name: eventful
periods: 20
market: {customers: 200}
firms:
  A: {strategy: fixed, price: 100}
  B: {strategy: fixed, price: 90}
events:
  - {period: 10, firm: A, set: {price: 80}}
"""


def test_a_candidate_that_makes_an_invalid_scenario_is_recorded_and_not_scored(tmp_path):
    path = tmp_path / "eventful.yaml"
    path.write_text(EVENTFUL, encoding="utf-8")
    cal = build_calibration(path, targets=["share_units@A=0.5:0.05"],
                            parameters={"periods": (ParameterRange(low=12, high=30), "p1"),
                                        "events.0.period": (ParameterRange(low=2, high=19),
                                                            "p2")},
                            replications=1, budget=20, batch=4, seed=2)
    _, candidates, scores, _ = run_search(cal, tmp_path / "out", jobs=1, quiet=True)
    bad = [c for c in candidates if c.error]
    assert bad and all(c.point["events.0.period"] > c.point["periods"] for c in bad)
    assert all("after the last period" in c.error for c in bad)
    assert all(not (tmp_path / "out" / "runs" / f"{c.id}-r000.parquet").exists() for c in bad)
    fit = analyse(cal, scores)
    assert fit.unscored == len(bad)
    assert any(f"{len(bad)} candidate(s) could not be scored" in w for w in fit.warnings)
