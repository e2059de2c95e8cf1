"""Parameter recovery at CI size: the unchanged default market, calibrated to the outcomes of a
market with three known changes, meets every target and brackets every identified truth
(:mod:`sim.calibration.recovery`; the full size is benchmarks/calibration_recovery.py)."""

from __future__ import annotations

from sim.calibration.recovery import CI_SIZE, RANGES, TRUTH, recovery_case


def test_a_calibration_recovers_parameters_it_was_not_told(tmp_path):
    case = recovery_case(CI_SIZE, tmp_path, jobs=2)
    assert case.summary.failed == 0
    assert case.summary.done == CI_SIZE.budget
    fit = case.fit
    assert fit.met, fit.targets.to_string()
    table = case.parameters.set_index("parameter")
    for name, truth in TRUTH.items():
        row = table.loc[name]
        assert row["identified"] == "yes", (name, row.to_dict())
        assert row["low"] <= truth <= row["high"], (name, row.to_dict())
        low, high = RANGES[name]
        assert row["high"] - row["low"] < 0.6 * (high - low)  # the targets pin it
    assert case.passed
    # the tolerances are what the truth's own noise allows, no tighter
    targets = case.targets.set_index("target")
    assert (targets["tolerance"] > 2 * targets["se_truth"]).all()
