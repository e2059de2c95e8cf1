"""Tests for sim.experiment.measurement, diagnosis and diagnostics_folder: a market measured."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import sim
from sim.experiment.diagnosis import LABELS, diagnose_runs
from sim.experiment.diagnostics_folder import DiagnoseOptions, run_diagnosis, write_diagnosis
from sim.experiment.measurement import FIRM_MEASURES, key, measure_market, perturbed_run
from sim.experiment.stylised_facts import FACTS

FIRMS = {
    "Acme": {"price": 90.0, "promotion": 3_000.0, "quality": 0.6},
    "Rival": {"strategy": "4P", "initial": {"price": 85.0, "promotion": 2_000.0}},
}


@pytest.fixture(scope="module")
def scenario(make_scenario):
    return make_scenario(FIRMS, customers=1_500, periods=18)


@pytest.fixture(scope="module")
def measured(scenario):
    return measure_market(scenario, 7, window=8, step=0.05)


def test_the_unperturbed_run_is_the_plain_run(scenario, measured):
    _, ts = measured
    pd.testing.assert_frame_equal(ts, sim.MarketModel(scenario, seed=7).run().timeseries())


def test_every_measure_of_every_firm_is_there(measured):
    measures, _ = measured
    for firm in FIRMS:
        for m in FIRM_MEASURES:
            assert key(m, firm) in measures, (m, firm)
        for k in range(9):
            assert key(f"purchases_{k}", firm) in measures
        assert sum(measures[key(f"purchases_{k}", firm)] for k in range(9)) == pytest.approx(1)
    assert key("cross_price", "Rival", of="Acme") in measures
    assert key("cross_price", "Acme", of="Rival") in measures
    assert 0 < measures[key("no_purchase", "")] < 1


def test_demand_falls_with_own_price_and_rises_with_quality(measured):
    measures, _ = measured
    assert measures["elasticity_price@Acme"] < -0.2
    assert measures["elasticity_price@Rival"] < -0.2
    assert measures["elasticity_quality@Acme"] > 0


def test_a_rival_gains_when_a_firm_raises_its_price(measured):
    measures, _ = measured
    assert measures[key("cross_price", "Rival", of="Acme")] > 0


def test_purchase_measures_agree_with_each_other(measured):
    measures, _ = measured
    for firm in FIRMS:
        b, w = measures[key("penetration", firm)], measures[key("frequency", firm)]
        assert measures[key("w_1_b", firm)] == pytest.approx(w * (1 - b))
        assert 0 < measures[key("scr", firm)] <= 1
        assert measures[key("retention", firm)] == pytest.approx(1 - measures[key("churn", firm)])
    total = sum(measures[key("share", f)] for f in FIRMS)
    assert total == pytest.approx(1.0)


def test_a_diagnosis_replication_is_reproducible(scenario, measured):
    again, _ = measure_market(scenario, 7, window=8, step=0.05)
    assert again.keys() == measured[0].keys()
    for k, v in measured[0].items():
        assert (math.isnan(v) and math.isnan(again[k])) or v == again[k], k


def test_a_firm_without_promotion_has_no_promotion_elasticity(make_scenario):
    scenario = make_scenario({"Acme": {"promotion": 0.0}, "Rival": {"price": 80.0}},
                             customers=300, periods=6)
    measures, _ = measure_market(scenario, 1, window=3, step=0.05)
    assert math.isnan(measures["elasticity_promotion@Acme"])


def test_a_perturbed_copy_moves_the_lever_and_holds_the_rest_of_the_firms_mix(make_scenario):
    """A perceived-value pricer left to its strategy would turn added image into price; in the
    perturbed copy its price stays where it was while its rival still decides."""
    scenario = make_scenario(
        {"Acme": {"strategy": "4C", "initial": {"price": 90.0, "promotion": 3_000.0}},
         "Rival": {"strategy": "4P", "initial": {"price": 85.0, "promotion": 2_000.0}}},
        customers=800, periods=14)
    base = sim.MarketModel(scenario, seed=3)
    base.run(4)
    held = base.firms["Acme"].levers.model_dump()
    moved = perturbed_run(base, "Acme", "promotion", 3_300.0)
    after = moved.firms["Acme"].levers.model_dump()
    assert after["promotion"] == 3_300.0
    assert {k: v for k, v in after.items() if k != "promotion"} == {
        k: v for k, v in held.items() if k != "promotion"}
    assert moved.firms["Rival"].pinned == base.firms["Rival"].pinned
    left = sim.MarketModel(scenario, seed=3).run()  # unperturbed, the strategy reprices
    assert left.firms["Acme"].levers.price != held["price"]


@pytest.mark.parametrize(("window", "step", "match"), [(0, 0.05, "window"), (19, 0.05, "window"),
                                                        (4, 0.0, "step"), (4, 0.6, "step")])
def test_bad_windows_and_steps(scenario, window, step, match):
    with pytest.raises(ValueError, match=match):
        measure_market(scenario, 1, window=window, step=step)


def test_the_folder_has_the_diagnosis_and_resumes(scenario, tmp_path):
    options = DiagnoseOptions(replications=3, seed=2, window=6)
    store, summary = run_diagnosis(scenario, tmp_path / "d", options, jobs=1, quiet=True)
    assert (summary.done, summary.failed) == (3, 0)
    _diagnosis, paths = write_diagnosis(store)
    assert {p.name for p in paths} == {"diagnostics.json", "diagnostics.csv",
                                       "elasticities.png", "purchases_nbd.png",
                                       "double_jeopardy.png"}
    data = json.loads((tmp_path / "d" / "diagnostics.json").read_text())
    assert data["replications"] == 3 and data["firms"] == ["Acme", "Rival"]
    assert data["literature"]["elasticity_price"]["value"] == -2.62
    rows = pd.read_csv(tmp_path / "d" / "diagnostics.csv")
    assert len(rows) == 2 * len(FIRM_MEASURES) + 1
    price = rows[(rows.measure == "elasticity_price") & (rows.firm == "Acme")].iloc[0]
    assert price["low"] < price["mean"] < price["high"] < 0 and price["n"] == 3
    assert price["literature"] == "mean -2.62"
    _, again = run_diagnosis(scenario, tmp_path / "d", options, jobs=1, quiet=True)
    assert (again.done, again.skipped) == (0, 3)


def test_intervals_stay_in_the_measures_ranges(scenario, tmp_path):
    store, _ = run_diagnosis(scenario, tmp_path / "d", DiagnoseOptions(replications=2,
                                                                        window=6),
                             jobs=1, quiet=True)
    diagnosis = diagnose_runs(store.runs(), ["Acme", "Rival"], 6)
    for _, row in diagnosis.measures.iterrows():
        low, high = LABELS[row.measure][1]
        if math.isfinite(row["low"]):
            assert low <= row["low"] <= row["high"] <= high, row.measure


def test_every_fact_names_a_measure_and_its_source():
    for measure, fact in FACTS.items():
        assert measure in LABELS
        assert fact.source and fact.checked and fact.note
        assert fact.value is not None or (fact.low is not None and fact.high is not None)


def test_the_double_jeopardy_table_is_sorted_by_share_and_checked():
    rows = []
    for r in range(3):
        row = {"status": "ok"}
        for firm, (share, b, w, rep) in {"Big": (0.6, 0.5, 4.0, 0.7),
                                         "Mid": (0.3, 0.3, 3.5, 0.6),
                                         "Small": (0.1, 0.1, 3.0, 0.5)}.items():
            row.update({key("share", firm): share + 0.01 * r, key("penetration", firm): b,
                        key("frequency", firm): w, key("repeat", firm): rep,
                        key("scr", firm): 0.5, key("w_1_b", firm): w * (1 - b)})
        rows.append(row)
    diagnosis = diagnose_runs(pd.DataFrame(rows), ["Small", "Big", "Mid"], 4)
    assert list(diagnosis.double_jeopardy.firm) == ["Big", "Mid", "Small"]
    checks = diagnosis.double_jeopardy_checks()
    assert checks["penetration_rises_with_share"] == pytest.approx(1.0)
    assert checks["frequency_rises_with_share"] == pytest.approx(1.0)
    assert checks["w_1_b_spread"] == pytest.approx(2.7 / 2.0)


def test_without_elasticities_the_panel_is_the_same(scenario, measured):
    panel_only, ts = measure_market(scenario, 7, window=8, step=0.05, elasticities=False)
    assert not any(k.startswith(("elasticity_", "cross_price")) for k in panel_only)
    assert all(measured[0][k] == v or (math.isnan(v) and math.isnan(measured[0][k]))
               for k, v in panel_only.items())
    pd.testing.assert_frame_equal(ts, measured[1])


def test_only_the_levers_asked_for_are_moved(scenario, measured):
    only, ts = measure_market(scenario, 7, window=8, step=0.05, levers=[["Acme", "price"]])
    moved = {k for k in only if k.startswith(("elasticity_", "cross_price"))}
    assert moved == {key("elasticity_price", "Acme"), key("cross_price", "Rival", of="Acme")}
    assert all(only[k] == measured[0][k] for k in moved)  # the same copies, the same draws
    pd.testing.assert_frame_equal(ts, measured[1])


def test_a_diagnosis_task_can_also_report_the_runs_outcomes(scenario):
    from sim.experiment.task import RunTask, final_outcomes, run_task

    task = RunTask("r0", scenario.model_dump(mode="json"), 7,
                   diagnose={"window": 8, "step": 0.05, "elasticities": False,
                             "outcomes": True})
    result = run_task(task)
    assert result.status == "ok", result.error
    expected = final_outcomes(result.timeseries, scenario.market.real_customers)
    assert {k: result.outcomes[k] for k in expected} == expected
    assert key("penetration", "Acme") in result.outcomes


def test_the_measure_names_are_the_measures_taken():
    from sim.measures import CATEGORY_MEASURES, DIAGNOSTIC_MEASURES, MEASURE_ALIASES

    assert set(DIAGNOSTIC_MEASURES) == (set(FIRM_MEASURES) - {"spells", "units"}) | {
        "no_purchase"}
    assert set(MEASURE_ALIASES.values()) <= set(DIAGNOSTIC_MEASURES)
    assert set(DIAGNOSTIC_MEASURES) >= CATEGORY_MEASURES
    assert set(LABELS) >= set(DIAGNOSTIC_MEASURES)


def test_a_diagnosis_is_the_same_on_one_process_or_two(scenario, tmp_path):
    options = DiagnoseOptions(replications=2, seed=3, window=6)
    serial, _ = run_diagnosis(scenario, tmp_path / "one", options, jobs=1, quiet=True)
    pooled, _ = run_diagnosis(scenario, tmp_path / "two", options, jobs=2, quiet=True)
    a, b = (s.runs().drop(columns=["seconds"]).sort_values("run_id").reset_index(drop=True)
            for s in (serial, pooled))
    pd.testing.assert_frame_equal(a, b)
