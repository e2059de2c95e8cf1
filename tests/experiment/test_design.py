"""Experiment files and designs: points, seeds, validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment.design import build_plan, design_points, replication_seeds, runs_count
from sim.experiment.spec import ExperimentSpec, load_experiment
from sim.scenario.problems import SourceError

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "scenarios" / "default.yaml")


def spec(design: dict, **kw) -> ExperimentSpec:
    return ExperimentSpec.model_validate({"name": "t", "scenario": SCENARIO, "replications": 3,
                                          "set": ["market.customers=200", "periods=3"],
                                          "design": design, **kw})


def test_arms_share_seeds_by_replication() -> None:
    plan = build_plan(spec({"kind": "arms", "arms": {
        "a": {"firms.Gamma.strategy": "4P", "firms.Gamma.params": {}},
        "b": {"firms.Gamma.strategy": "4C", "firms.Gamma.params": {}}}}), ROOT)
    assert [t.run_id for t in plan.tasks] == ["a-r000", "a-r001", "a-r002", "b-r000", "b-r001",
                                              "b-r002"]
    by_arm = {}
    for t in plan.tasks:
        by_arm.setdefault(t.labels["arm"], []).append(t.seed)
    assert by_arm["a"] == by_arm["b"] == replication_seeds(1, 3)
    assert len(set(by_arm["a"])) == 3
    assert plan.tasks[0].scenario["firms"]["Gamma"]["strategy"] == "4P"
    assert plan.tasks[3].scenario["firms"]["Gamma"]["strategy"] == "4C"
    assert plan.tasks[0].scenario["market"]["customers"] == 200


def test_grid_is_the_full_factorial_with_linked_factors() -> None:
    design = {"kind": "grid", "parameters": {
        "firms.Alpha.price": [80, 90, 100],
        "size": {"small": {"market.customers": 100}, "large": {"market.customers": 300}}}}
    plan = build_plan(spec(design, replications=2), ROOT)
    assert len(plan.points) == 6 and len(plan.tasks) == 12
    assert runs_count(spec(design, replications=2).design, 2) == 12
    labels = {(p["firms.Alpha.price"], p["size"]) for p in plan.points}
    assert labels == {(a, b) for a in (80, 90, 100) for b in ("small", "large")}
    for t in plan.tasks:
        assert t.scenario["firms"]["Alpha"]["price"] == t.labels["firms.Alpha.price"]
        assert t.scenario["market"]["customers"] == {"small": 100, "large": 300}[t.labels["size"]]


@pytest.mark.parametrize("kind,samples,expected", [("lhs", 7, 7), ("sobol", 4, 4 * (2 + 2)),
                                                   ("morris", 3, 3 * (2 + 1))])
def test_sampled_designs_cover_the_ranges(kind: str, samples: int, expected: int) -> None:
    design = spec({"kind": kind, "samples": samples, "parameters": {
        "firms.Alpha.price": {"low": 60, "high": 120},
        "firms.Alpha.quality": {"low": 0.2, "high": 0.9}}}, replications=1).design
    labels, changes = design_points(design, seed=5)
    assert len(changes) == expected == runs_count(design, 1)
    prices = [c["firms.Alpha.price"] for c in changes]
    assert all(60 <= p <= 120 for p in prices)
    assert labels == changes
    assert design_points(design, seed=5) == (labels, changes)  # reproducible


def test_lhs_is_stratified() -> None:
    design = spec({"kind": "lhs", "samples": 10, "parameters": {
        "firms.Alpha.quality": {"low": 0.0, "high": 1.0}}}).design
    _, changes = design_points(design, seed=1)
    bins = sorted(int(c["firms.Alpha.quality"] * 10) for c in changes)
    assert bins == list(range(10))  # one sample per tenth


def test_integer_ranges_sample_integers(tmp_path: Path) -> None:
    f = tmp_path / "e.yaml"
    f.write_text(f"name: e\nscenario: {SCENARIO}\nset: [periods=2]\nreplications: 1\n"
                 "design:\n  kind: lhs\n  samples: 4\n  parameters:\n"
                 "    market.customers: {low: 100, high: 400}\n")
    s, loaded = load_experiment(f)
    plan = build_plan(s, tmp_path, loaded=loaded)
    sizes = [t.scenario["market"]["customers"] for t in plan.tasks]
    assert all(isinstance(x, int) and 100 <= x <= 400 for x in sizes)


def test_bad_experiment_file_gets_error_lines(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\nscenario: x.yaml\nreplications: 0\ndesign:\n  kind: grd\n"
                 "outcomes:\n  - {name: profitt@Alpha}\n")
    with pytest.raises(SourceError) as err:
        load_experiment(f)
    text = str(err.value)
    assert f"{f}:3:1: replications: must be >= 1 (got 0)" in text
    assert f"{f}:5:3: design.kind: must be one of" in text
    assert "unknown metric 'profitt'" in text


def test_invalid_design_point_names_the_point() -> None:
    design = {"kind": "arms", "arms": {"ok": {"firms.Alpha.price": 90},
                                       "broken": {"firms.Alpha.quality": 3}}}
    with pytest.raises(SourceError) as err:
        build_plan(spec(design), ROOT, origin="exp.yaml")
    assert "exp.yaml: broken: firms.Alpha.quality: must be <= 1 (got 3)" in str(err.value)


def test_outcome_for_unknown_firm(tmp_path: Path) -> None:
    f = tmp_path / "e.yaml"
    f.write_text(f"name: e\nscenario: {SCENARIO}\nset: [periods=2]\n"
                 "design: {kind: arms, arms: {a: {}}}\n"
                 "outcomes:\n  - name: profit@Zeta\n")
    s, loaded = load_experiment(f)
    with pytest.raises(SourceError) as err:
        build_plan(s, tmp_path, loaded=loaded)
    assert f"{f}:6:5: outcomes.0.name: unknown firm 'Zeta'" in str(err.value)


def test_fingerprint_changes_with_the_design() -> None:
    a = build_plan(spec({"kind": "arms", "arms": {"x": {"firms.Alpha.price": 90}}}), ROOT)
    b = build_plan(spec({"kind": "arms", "arms": {"x": {"firms.Alpha.price": 91}}}), ROOT)
    assert a.fingerprint != b.fingerprint
    again = build_plan(spec({"kind": "arms", "arms": {"x": {"firms.Alpha.price": 90}}}), ROOT)
    assert again.fingerprint == a.fingerprint


def test_arms_that_fork_share_every_period_up_to_k() -> None:
    from sim.experiment.task import run_task

    design = {"kind": "arms", "fork_at": 4, "arms": {
        "stay": {}, "switch": {"firms.Gamma.strategy": "4C", "firms.Gamma.params": {}},
        "cut": {"firms.Alpha.price": 80}}}
    plan = build_plan(spec(design, set=["market.customers=300", "periods=8"],
                           replications=1), ROOT)
    events = {t.labels["arm"]: t.scenario["events"] for t in plan.tasks}
    assert events["stay"] == []
    assert [(e["period"], e["firm"], e["strategy"]) for e in events["switch"]] == [
        (5, "Gamma", "4C")]
    assert events["cut"][0]["set"]["price"] == 80
    assert plan.tasks[1].scenario["firms"]["Gamma"]["strategy"] == "4R"  # until period 5
    series = {t.labels["arm"]: run_task(t).timeseries for t in plan.tasks}
    first = series["stay"][series["stay"]["period"] <= 4].reset_index(drop=True)
    for arm in ("switch", "cut"):
        ts = series[arm]
        assert ts[ts["period"] <= 4].reset_index(drop=True).equals(first), arm
        assert not ts[ts["period"] == 5].reset_index(drop=True).equals(
            series["stay"][series["stay"]["period"] == 5].reset_index(drop=True)), arm


@pytest.mark.parametrize(("design", "message"), [
    ({"kind": "arms", "fork_at": 3, "arms": {"a": {}, "b": {"firms.Alpha.price": 80}}},
     "exp.yaml: a: design.fork_at: fork_at 3: the scenario has 3 periods; the arms can share"
     " 0 to 2"),
    ({"kind": "arms", "fork_at": 1, "arms": {"a": {}, "b": {
        "market.behaviour.choice_scale": 9}}},
     "exp.yaml: b: a fork changes what a firm does from period K + 1"),
    ({"kind": "arms", "fork_at": 1, "arms": {"a": {}, "b": {"firms.Alpha.price": -1}}},
     "exp.yaml: b: set.price: must be >= 0"),
])
def test_forked_arms_are_checked(design: dict, message: str) -> None:
    with pytest.raises(SourceError) as err:
        build_plan(spec(design), ROOT, origin="exp.yaml")
    assert message in str(err.value)


def test_fork_at_goes_with_arms() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="fork_at goes with an arms design"):
        spec({"kind": "grid", "fork_at": 2, "parameters": {"firms.Alpha.price": [80, 90]}})
