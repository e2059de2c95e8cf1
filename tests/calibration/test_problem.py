"""Reading and checking a calibration: targets, parameters, settings, every problem one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.calibration.problem import build_calibration, parse_target
from sim.experiment.design import replication_seeds
from sim.scenario.calibration import ParameterRange
from sim.scenario.problems import SourceError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.yaml"
CHOICE = {"market.behaviour.choice_scale": (ParameterRange(low=5.0, high=20.0), "--param 1")}


def calibration(targets, parameters=None, **kw):
    return build_calibration(DEFAULT, customers=300, periods=24, targets=targets,
                             parameters=CHOICE if parameters is None else parameters, **kw)


def problems(targets, parameters=None, **kw) -> str:
    with pytest.raises(SourceError) as caught:
        calibration(targets, parameters, **kw)
    return str(caught.value)


@pytest.mark.parametrize(("text", "fields"), [
    ("churn_rate@Alpha=0.03", {"metric": "churn_rate@Alpha", "value": 0.03}),
    ("churn_rate@Alpha=0.03:0.005", {"metric": "churn_rate@Alpha", "value": 0.03,
                                     "tolerance": 0.005}),
    ("share_units@Beta[49-60]=0.25:0.02", {"metric": "share_units@Beta", "value": 0.25,
                                           "tolerance": 0.02, "window": (49, 60)}),
    (" no_purchase = 0.3 ", {"metric": "no_purchase", "value": 0.3}),
    ("price_elasticity@Alpha=-2.5:0.5", {"metric": "price_elasticity@Alpha", "value": -2.5,
                                         "tolerance": 0.5}),
])
def test_a_target_option_reads_as_its_fields(text, fields):
    assert parse_target(text, "--target 1") == fields


@pytest.mark.parametrize(("text", "message"), [
    ("churn_rate@Alpha", "a target looks like METRIC@FIRM=VALUE[:TOLERANCE]"),
    ("churn_rate@Alpha=abc", "value 'abc' is not a number"),
    ("churn_rate@Alpha=0.1:x", "tolerance 'x' is not a number"),
])
def test_a_badly_written_target_option_is_named(text, message):
    with pytest.raises(SourceError) as caught:
        parse_target(text, "--target 3")
    line = str(caught.value)
    assert line.startswith("--target 3: ") and message in line and "\n" not in line


def test_targets_resolve_to_their_kind_window_and_tolerance():
    cal = calibration(["churn_rate@Alpha=0.04:0.01", "price_elasticity@Alpha=-2.5:0.5",
                       "share_units@Beta[13-24]=0.3", "purchases_per_buyer=2.0:0.2"])
    by = {t.label: t for t in cal.targets}
    assert set(by) == {"churn_rate@Alpha", "price_elasticity@Alpha",
                       "share_units@Beta[13-24]", "purchases_per_buyer"}
    churn = by["churn_rate@Alpha"]
    assert (churn.kind, churn.window, churn.half_width, churn.sigma) == ("outcome", None, 0.01,
                                                                          0.005)
    elasticity = by["price_elasticity@Alpha"]
    assert (elasticity.kind, elasticity.metric, elasticity.column) == (
        "diagnostic", "elasticity_price", "elasticity_price@Alpha")
    assert elasticity.window == (13, 24)  # the diagnosis window: the last 12 periods
    share = by["share_units@Beta[13-24]"]
    assert share.windowed and share.half_width == pytest.approx(0.03)  # 10% by default
    assert by["purchases_per_buyer"].column == "frequency@"  # the category's measure
    assert cal.diagnose_window == 12 and cal.levers == [["Alpha", "price"]]
    assert cal.seeds == replication_seeds(cal.seed, cal.replications)
    assert cal.candidates == 200 // 4
    tasks = cal.tasks("c0001", cal.scenario, {"round": 0})
    assert [t.run_id for t in tasks] == [f"c0001-r{r:03d}" for r in range(4)]
    assert tasks[0].diagnose == {"window": 12, "step": 0.05, "levers": [["Alpha", "price"]],
                                 "outcomes": True, "elasticities": True}


def test_a_calibration_without_a_diagnostic_target_runs_plain_runs():
    cal = calibration(["churn_rate@Alpha=0.04"])
    assert cal.diagnose_window is None
    assert all(t.diagnose is None for t in cal.tasks("c0001", cal.scenario, {}))


@pytest.mark.parametrize(("targets", "parameters", "message"), [
    (["churn_rate@Alpa=0.04"], None,
     "--target 1: churn_rate@Alpa: unknown firm 'Alpa'; did you mean 'Alpha'?"),
    (["churn_rat@Alpha=0.04"], None, "unknown metric 'churn_rat'; did you mean 'churn_rate'?"),
    (["churn_rate=0.04"], None, "'churn_rate' needs a firm"),
    (["no_purchase@Alpha=0.3"], None, "no_purchase is measured for the whole category"),
    (["churn_rate@Alpha[13-30]=0.04"], None,
     "the window ends at period 30, after the scenario's last period 24"),
    (["cumulative_profit@Alpha[1-5]=1000"], None, "cumulative_profit is a value at the last"
                                                  " period: it takes no window"),
    (["price_elasticity@Alpha[1-5]=-2"], None, "its window must end at period 24"),
    (["price_elasticity@Alpha[13-24]=-2", "churn@Beta[19-24]=0.05"], None,
     "diagnostic targets are measured over one window"),
    (["churn_rate@Alpha=0"], None, "a target of 0 needs a tolerance"),
    (["churn_rate@Alpha=0.03", "churn_rate@Alpha=0.05"], None,
     "--target 2: churn_rate@Alpha: conflicts with the same target at --target 1, which wants"
     " 0.03"),
    (["churn_rate@Alpha=0.03:0.01", "retention_rate@Alpha=0.9:0.01"], None,
     "churn_rate + retention_rate = 1, and 0.03 + 0.9 misses 1 by 0.07"),
    (["share_units@Alpha=0.6:0.01", "share_units@Beta=0.6:0.01"], None,
     "the firms' share_units add up to at most 1, and these add up to 1.2"),
    (["share@Alpha=0.2:0.01", "share@Beta=0.2:0.01", "share@Gamma=0.2:0.01"], None,
     "the firms' share add up to 1, and these add up to 0.6"),
    (["churn_rate@Alpha=0.04"],
     {"market.behaviour.choice_scale": (ParameterRange(low=-5.0, high=20.0), "--param 1")},
     "--param 1: market.behaviour.choice_scale: the range's low end is outside what the field"
     " allows: must be >= 0 (got -5.0)"),
    (["churn_rate@Alpha=0.04"],
     {"firms.Alpha.quality": (ParameterRange(low=0.5, high=1.5), "--param 2")},
     "--param 2: firms.Alpha.quality: the range's high end is outside what the field allows:"
     " must be <= 1 (got 1.5)"),
    (["churn_rate@Alpha=0.04"],
     {"market.behaviour.choise_scale": (ParameterRange(low=1.0, high=2.0), "--param 1")},
     "--param 1: market.behaviour.choise_scale: unknown key 'choise_scale'; did you mean"
     " 'choice_scale'?"),
    (["churn_rate@Alpha=0.04"],
     {"firms.Alfa.price": (ParameterRange(low=80, high=120), "--param 1")},
     "--param 1: firms.Alfa: unknown firm 'Alfa'; did you mean 'Alpha'?"),
    (["churn_rate@Alpha=0.04"], {"seed": (ParameterRange(low=1, high=9), "--param 1")},
     "--param 1: seed: is not a parameter of the market"),
    (["churn_rate@Alpha=0.04"],
     {"market.customers": (ParameterRange(low=100, high=900), "--param 1")},
     "market.customers: is not a parameter of the market: it is the number of agents"),
    ([], None, "--target: a calibration needs a target"),
    (["churn_rate@Alpha=0.04"], {}, "--param: a calibration needs a free parameter"),
])
def test_every_problem_is_one_line_naming_where_it_was_written(targets, parameters, message):
    assert message in problems(targets, parameters)


def test_a_budget_that_pays_for_no_candidate_is_refused():
    assert "--budget: a budget of 3 runs pays for no candidate" in problems(
        ["churn_rate@Alpha=0.04"], budget=3, replications=4)


def test_duplicates_that_agree_are_one_target():
    cal = calibration(["churn_rate@Alpha=0.03:0.01", "churn_rate@Alpha=0.03:0.01"])
    assert [t.label for t in cal.targets] == ["churn_rate@Alpha"]


SECTION = """\
name: small
periods: 12
market: {customers: 300}
firms:
  A: {strategy: fixed, price: 100}
  B: {strategy: fixed, price: 90}
calibration:
  targets:
    - metric: share_units@A
      value: 0.5
      se: 0.02
      window: [7, 12]
    - metric: churn_rate@C
      value: 0.03
  parameters:
    firms.A.quality: {low: 0.3, high: 0.9}
    market.behaviour.choice_scale: {low: -1, high: 20}
  budget: 40
  replications: 2
"""


def test_a_scenario_section_is_read_and_its_problems_are_placed_in_the_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SECTION, encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        build_calibration(path)
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{path}:13:7: churn_rate@C: unknown firm 'C' (firms: A, B) (got 'churn_rate@C')",
        f"{path}:17:5: market.behaviour.choice_scale: the range's low end is outside what the"
        " field allows: must be >= 0 (got -1)"]
    good = SECTION.replace("churn_rate@C", "churn_rate@B").replace("low: -1", "low: 1")
    path.write_text(good, encoding="utf-8")
    cal = build_calibration(path)
    assert [t.label for t in cal.targets] == ["share_units@A[7-12]", "churn_rate@B"]
    assert cal.targets[0].half_width == pytest.approx(0.04)  # 2 se
    assert (cal.budget, cal.replications, cal.batch) == (40, 2, 8)
    assert cal.parameters["market.behaviour.choice_scale"].integer
    # options add targets and replace settings and a parameter's range
    cal = build_calibration(path, targets=["churn_rate@A=0.05"], budget=60,
                            parameters={"firms.A.quality": (ParameterRange(low=0.4, high=0.8),
                                                            "--param 1")})
    assert len(cal.targets) == 3 and cal.budget == 60
    assert cal.parameters["firms.A.quality"].low == 0.4
    assert cal.origins["firms.A.quality"] == "--param 1"
    assert cal.origins["market.behaviour.choice_scale"] == f"{path}:17:5"


def test_a_calibration_file_of_its_own_is_validated_with_positions(tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SECTION.split("calibration:")[0], encoding="utf-8")
    file = tmp_path / "targets.yaml"
    file.write_text("targets:\n  - metric: share_units@A\n    value: 0.5\n    tolernce: 0.1\n"
                    "parameters:\n  firms.A.quality: {low: 0.9, high: 0.3}\n",
                    encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        build_calibration(scenario, file=file)
    text = str(caught.value)
    assert f"{file}:4:5: targets.0.tolernce: unknown key 'tolernce'" in text
    assert f"{file}:6:3: parameters.firms.A.quality: a range goes from low to high" in text


def test_the_fingerprint_ignores_the_budget_and_nothing_else():
    base = calibration(["churn_rate@Alpha=0.04"])
    assert base.fingerprint() == calibration(["churn_rate@Alpha=0.04"],
                                             budget=400).fingerprint()
    assert base.fingerprint() != calibration(["churn_rate@Alpha=0.05"]).fingerprint()
    assert base.fingerprint() != calibration(["churn_rate@Alpha=0.04"],
                                             replications=3).fingerprint()
