"""Tests for sim/experiment/intervals.py and stats.py: t intervals, arm summaries, paired
differences, bands.

The coverage tests draw many synthetic experiments with a known mean (a fixed-seed NumPy
Generator) and count how often the 95% interval holds it: a t interval of samples of ten covers
it 95% of the time, a normal (z) interval only about 92%, so the 0.93-0.97 window tells them
apart.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from sim.experiment.intervals import Interval, mean_ci
from sim.experiment.stats import arm_summary, paired_differences, timeseries_bands

TRUE_MEAN = 3.0
SAMPLES = 2_000
SIZE = 10


# --- mean_ci --------------------------------------------------------------------------------


def test_mean_ci_matches_the_t_formula_on_a_small_sample() -> None:
    interval = mean_ci([1, 2, 3, 4, 5])
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)  # t(0.975, 4) · sd / √n
    assert interval.mean == pytest.approx(3.0)
    assert interval.sd == pytest.approx(math.sqrt(2.5))
    assert interval.n == 5
    assert interval.low == pytest.approx(3.0 - half)
    assert interval.high == pytest.approx(3.0 + half)
    assert interval.half_width == pytest.approx(half)


def test_a_lower_level_gives_a_narrower_interval() -> None:
    wide, narrow = mean_ci([1, 2, 3, 4, 5], 0.99), mean_ci([1, 2, 3, 4, 5], 0.80)
    assert narrow.half_width < wide.half_width
    assert narrow.half_width == pytest.approx(1.5332062740589443 * math.sqrt(2.5 / 5))


def test_95_percent_interval_covers_the_true_mean_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(20240611)
    samples = rng.normal(TRUE_MEAN, 2.0, size=(SAMPLES, SIZE))
    covered = np.mean([mean_ci(sample).contains(TRUE_MEAN) for sample in samples])
    assert 0.93 <= covered <= 0.97
    # A normal-quantile interval on the same samples covers too rarely: the t matters at n=10.
    z_half = 1.959963984540054 * samples.std(axis=1, ddof=1) / math.sqrt(SIZE)
    z_covered = np.mean(np.abs(samples.mean(axis=1) - TRUE_MEAN) <= z_half)
    assert z_covered < covered


def test_90_percent_interval_covers_90_percent_of_the_time() -> None:
    rng = np.random.default_rng(7)
    samples = rng.normal(-1.0, 0.5, size=(SAMPLES, SIZE))
    covered = np.mean([mean_ci(sample, level=0.90).contains(-1.0) for sample in samples])
    assert 0.88 <= covered <= 0.92


def test_one_value_has_a_mean_and_no_interval() -> None:
    interval = mean_ci([4.5])
    assert interval.mean == 4.5
    assert interval.n == 1
    assert math.isnan(interval.low) and math.isnan(interval.high) and math.isnan(interval.sd)
    assert not interval.contains(4.5)
    assert not interval.excludes_zero()


def test_empty_and_all_missing_samples_are_nan_with_n_zero() -> None:
    for values in ([], [math.nan, math.nan], np.array([], dtype=float)):
        interval = mean_ci(values)
        assert interval.n == 0
        assert all(math.isnan(v) for v in (interval.mean, interval.low, interval.high))


def test_missing_values_are_dropped_before_counting() -> None:
    interval = mean_ci([1.0, math.nan, 3.0, None, pd.NA])
    assert interval.n == 2
    assert interval.mean == pytest.approx(2.0)
    half = 12.706204736174694 * math.sqrt(2.0) / math.sqrt(2)  # t(0.975, 1) · sd / √2
    assert (interval.low, interval.high) == pytest.approx((2.0 - half, 2.0 + half))


def test_no_spread_gives_a_zero_width_interval() -> None:
    interval = mean_ci(pd.Series([2.0, 2.0, 2.0]))
    assert (interval.mean, interval.low, interval.high, interval.sd) == (2.0, 2.0, 2.0, 0.0)


@pytest.mark.parametrize("level", [0.0, 1.0, 95, -0.5])
def test_a_level_outside_zero_to_one_is_refused(level: float) -> None:
    with pytest.raises(ValueError, match="level"):
        mean_ci([1, 2, 3], level)


def test_non_numbers_are_refused() -> None:
    with pytest.raises(ValueError):
        mean_ci([1.0, "high"])


# --- arm_summary ----------------------------------------------------------------------------


def _runs() -> pd.DataFrame:
    """Three arms × four replications, one failed run (arm 4C, replication 3)."""
    rows = []
    profit = {"4P": [10, 12, 11, 13], "4C": [20, 22, 21, 999], "4R": [15, 14, 16, 15]}
    loyal = {"4P": [0.1, 0.2, 0.1, 0.2], "4C": [0.3, 0.3, 0.4, 0.9], "4R": [0.5, 0.5, 0.6, 0.6]}
    for arm in profit:
        for replication in range(4):
            failed = arm == "4C" and replication == 3
            rows.append({
                "run_id": f"{arm}-r{replication}",
                "seed": 100 + replication,
                "status": "failed" if failed else "ok",
                "arm": arm,
                "replication": replication,
                "cumulative_profit@Alpha": math.nan if failed else profit[arm][replication],
                "loyal_share@Alpha": math.nan if failed else loyal[arm][replication],
            })
    return pd.DataFrame(rows)


def test_arm_summary_gives_each_arm_and_outcome_its_interval() -> None:
    outcomes = ["cumulative_profit@Alpha", "loyal_share@Alpha"]
    summary = arm_summary(_runs(), "arm", outcomes)
    assert list(summary.columns) == ["arm", "outcome", "mean", "low", "high", "n", "sd"]
    assert list(summary["arm"]) == ["4P", "4P", "4C", "4C", "4R", "4R"]  # design order
    assert list(summary["outcome"]) == outcomes * 3
    row = summary[(summary["arm"] == "4P") & (summary["outcome"] == outcomes[0])].iloc[0]
    expected = mean_ci([10, 12, 11, 13])
    assert (row["mean"], row["low"], row["high"], row["n"]) == pytest.approx(
        (expected.mean, expected.low, expected.high, 4))
    failed_arm = summary[(summary["arm"] == "4C") & (summary["outcome"] == outcomes[0])].iloc[0]
    assert failed_arm["n"] == 3  # the failed run is not a measurement
    assert failed_arm["mean"] == pytest.approx(21.0)
    assert summary.attrs["level"] == 0.95


def test_arm_summary_over_two_parameters_gives_grid_cells() -> None:
    runs = pd.DataFrame({
        "status": "ok",
        "a": [1, 1, 1, 1, 2, 2, 2, 2],
        "b": ["x", "x", "y", "y", "x", "x", "y", "y"],
        "profit@Alpha": [1.0, 3.0, 5.0, 7.0, 2.0, 2.0, 10.0, 14.0],
    })
    summary = arm_summary(runs, ["a", "b"], ["profit@Alpha"])
    assert list(zip(summary["a"], summary["b"], summary["mean"], strict=True)) == [
        (1, "x", 2.0), (1, "y", 6.0), (2, "x", 2.0), (2, "y", 12.0)]
    assert (summary["n"] == 2).all()


def test_arm_summary_names_a_missing_outcome() -> None:
    with pytest.raises(ValueError, match="profit@Nobody"):
        arm_summary(_runs(), "arm", ["profit@Nobody"])


# --- paired_differences ---------------------------------------------------------------------


def _paired_runs(rng: np.random.Generator, replications: int, effect: float,
                 shock_sd: float, noise_sd: float) -> pd.DataFrame:
    """Two arms on common random numbers: a shared shock per replication plus own noise."""
    shock = rng.normal(0.0, shock_sd, replications)
    rows = []
    for arm, shift in (("A", 0.0), ("B", effect)):
        noise = rng.normal(0.0, noise_sd, replications)
        for replication in range(replications):
            rows.append({"status": "ok", "arm": arm, "replication": replication,
                         "profit@Alpha": 50.0 + shift + shock[replication] + noise[replication]})
    return pd.DataFrame(rows)


def test_paired_difference_is_b_minus_a_over_common_replications() -> None:
    differences = paired_differences(_runs(), "arm", "cumulative_profit@Alpha")
    assert list(differences.columns) == ["arm_a", "arm_b", "outcome", "mean", "low", "high",
                                         "n", "sd", "excludes_zero"]
    assert list(zip(differences["arm_a"], differences["arm_b"], strict=True)) == [
        ("4P", "4C"), ("4P", "4R"), ("4C", "4R")]
    first = differences.iloc[0]
    expected = mean_ci(np.array([20, 22, 21]) - np.array([10, 12, 11]))
    assert first["n"] == 3  # replication 3 failed in 4C, so it pairs nothing with 4C
    assert (first["mean"], first["low"], first["high"]) == pytest.approx(
        (expected.mean, expected.low, expected.high))
    assert bool(first["excludes_zero"])
    second = differences.iloc[1]  # 4R - 4P: 5, 2, 5, 2
    assert second["n"] == 4 and second["mean"] == pytest.approx(3.5)


def test_paired_difference_against_a_baseline_only() -> None:
    differences = paired_differences(_runs(), "arm", "loyal_share@Alpha", baseline="4R")
    assert list(zip(differences["arm_a"], differences["arm_b"], strict=True)) == [
        ("4R", "4P"), ("4R", "4C")]
    assert differences.iloc[0]["mean"] == pytest.approx(-0.4)
    with pytest.raises(ValueError, match="baseline"):
        paired_differences(_runs(), "arm", "loyal_share@Alpha", baseline="4X")


def test_paired_intervals_cover_the_true_difference_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(99)
    effect = 1.5
    covered = 0
    for _ in range(SAMPLES):
        runs = _paired_runs(rng, SIZE, effect, shock_sd=5.0, noise_sd=1.0)
        row = paired_differences(runs, "arm", "profit@Alpha").iloc[0]
        covered += row["low"] <= effect <= row["high"]
    assert 0.93 <= covered / SAMPLES <= 0.97


def test_pairing_removes_the_common_noise() -> None:
    rng = np.random.default_rng(3)
    runs = _paired_runs(rng, 20, effect=1.0, shock_sd=5.0, noise_sd=0.5)
    paired = paired_differences(runs, "arm", "profit@Alpha").iloc[0]
    a = runs.loc[runs["arm"] == "A", "profit@Alpha"].to_numpy()
    b = runs.loc[runs["arm"] == "B", "profit@Alpha"].to_numpy()
    # The interval that ignores the pairing (Welch, two independent samples).
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    dof = se**4 / ((a.var(ddof=1) / len(a)) ** 2 / (len(a) - 1)
                   + (b.var(ddof=1) / len(b)) ** 2 / (len(b) - 1))
    unpaired_half = scipy_stats.t.ppf(0.975, dof) * se
    paired_half = (paired["high"] - paired["low"]) / 2
    assert paired_half < 0.2 * unpaired_half
    assert bool(paired["excludes_zero"])  # the paired comparison sees the effect ...
    assert abs(b.mean() - a.mean()) < unpaired_half  # ... the unpaired one does not


def test_repeated_replications_in_an_arm_are_refused() -> None:
    runs = pd.concat([_runs(), _runs().iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="repeated"):
        paired_differences(runs, "arm", "cumulative_profit@Alpha")


def test_a_pair_with_one_common_replication_has_no_interval() -> None:
    runs = pd.DataFrame({"arm": ["A", "B", "B"], "replication": [0, 0, 1],
                         "profit@Alpha": [1.0, 2.0, 3.0]})
    row = paired_differences(runs, "arm", "profit@Alpha").iloc[0]
    assert row["n"] == 1 and row["mean"] == 1.0
    assert math.isnan(row["low"]) and not row["excludes_zero"]


# --- timeseries_bands -----------------------------------------------------------------------


def _timeseries() -> pd.DataFrame:
    """Two arms × three runs × three periods × two firms; loyal = run index × period."""
    rows = []
    for arm, base in (("4P", 0), ("4R", 100)):
        for run in range(3):
            for period in (1, 2, 3):
                for firm, scale in (("Alpha", 1), ("Beta", 2)):
                    rows.append({"run_id": f"{arm}-{run}", "arm": arm, "replication": run,
                                 "market.customers": 1000 if arm == "4P" else 500,
                                 "period": period, "firm": firm,
                                 "loyal": scale * (base + run * period),
                                 "profit": float(period + run)})
    return pd.DataFrame(rows)


def test_bands_give_the_t_interval_across_runs_per_group_and_period() -> None:
    bands = timeseries_bands(_timeseries(), ["arm", "firm"], "loyal")
    assert list(bands.columns) == ["arm", "firm", "period", "mean", "low", "high", "n", "sd"]
    assert len(bands) == 2 * 2 * 3
    row = bands[(bands["arm"] == "4R") & (bands["firm"] == "Alpha") & (bands["period"] == 2)]
    expected = mean_ci([100, 102, 104])
    assert (row["mean"].item(), row["low"].item(), row["high"].item(), row["n"].item()) == (
        pytest.approx((expected.mean, expected.low, expected.high, 3)))
    assert list(bands["period"][:3]) == [1, 2, 3]
    assert bands.attrs == {"value": "loyal", "level": 0.95}


def test_loyal_share_divides_by_a_number_or_a_column_of_customers() -> None:
    alpha = _timeseries()[lambda t: t["firm"] == "Alpha"]
    by_number = timeseries_bands(alpha, "arm", "loyal_share", customers=1000)
    by_column = timeseries_bands(alpha, "arm", "loyal_share", customers="market.customers")
    p4_period3 = (by_number["arm"] == "4P") & (by_number["period"] == 3)
    assert by_number.loc[p4_period3, "mean"].item() == pytest.approx(3 / 1000)  # (0+3+6)/3
    r4_period1 = (by_column["arm"] == "4R") & (by_column["period"] == 1)
    assert by_column.loc[r4_period1, "mean"].item() == pytest.approx(101 / 500)
    assert by_number.attrs["value"] == "loyal_share"
    with pytest.raises(ValueError, match="customers"):
        timeseries_bands(alpha, "arm", "loyal_share")


def test_bands_of_a_derived_value_from_a_callable() -> None:
    def profit_per_loyal(table: pd.DataFrame) -> pd.Series:
        return table["profit"] / (table["loyal"] + 1)

    bands = timeseries_bands(_timeseries(), ["arm", "firm"], profit_per_loyal)
    assert bands.attrs["value"] == "profit_per_loyal"
    row = bands.iloc[0]  # 4P, Alpha, period 1: profits 1, 2, 3 over loyal 0, 1, 2 (+1)
    assert row["mean"] == pytest.approx((1 / 1 + 2 / 2 + 3 / 3) / 3)


def test_bands_refuse_groups_that_mix_firms() -> None:
    with pytest.raises(ValueError, match="firm"):
        timeseries_bands(_timeseries(), ["arm"], "loyal")


def test_a_group_with_one_run_has_a_mean_and_no_band() -> None:
    one = _timeseries()[lambda t: (t["replication"] == 0) & (t["firm"] == "Alpha")]
    bands = timeseries_bands(one, "arm", "profit")
    assert (bands["n"] == 1).all()
    assert bands["low"].isna().all() and bands["high"].isna().all()
    assert list(bands["mean"][:3]) == [1.0, 2.0, 3.0]


def test_bands_skip_missing_values() -> None:
    table = _timeseries()
    table.loc[(table["run_id"] == "4P-0") & (table["period"] == 2), "profit"] = math.nan
    bands = timeseries_bands(table, ["arm", "firm"], "profit")
    row = bands[(bands["arm"] == "4P") & (bands["firm"] == "Alpha") & (bands["period"] == 2)]
    assert row["n"].item() == 2 and row["mean"].item() == pytest.approx(3.5)


def test_interval_is_a_value_object() -> None:
    assert Interval(1.0, 0.5, 1.5, 3, 0.2) == Interval(1.0, 0.5, 1.5, 3, 0.2)
    assert Interval(1.0, 0.5, 1.5, 3, 0.2).excludes_zero()
    assert not Interval(0.1, -0.5, 0.7, 3, 0.2).excludes_zero()


# --- bounded outcomes -----------------------------------------------------------------------


def _two_replications() -> pd.DataFrame:
    """Two arms × two replications, as a 2-replication compare writes them."""
    return pd.DataFrame({
        "status": "ok", "arm": ["A", "A", "B", "B"], "replication": [0, 1, 0, 1],
        "loyal_share@Gamma": [0.0, 0.08, 1.0, 0.0],
        "satisfaction@Gamma": [0.85, 0.99, 0.9, 0.95],
        "cumulative_profit@Gamma": [-10.0, 10.0, 5.0, 6.0],
    })


def test_a_two_replication_share_interval_stays_in_zero_to_one() -> None:
    outcomes = ["loyal_share@Gamma", "satisfaction@Gamma", "cumulative_profit@Gamma"]
    summary = arm_summary(_two_replications(), "arm", outcomes).set_index(["arm", "outcome"])
    plain = arm_summary(_two_replications(), "arm", outcomes, bounded=False).set_index(
        ["arm", "outcome"])
    assert plain.loc[("A", "loyal_share@Gamma"), "low"] < 0  # the old interval left [0, 1]
    assert plain.loc[("A", "satisfaction@Gamma"), "high"] > 1
    assert summary.loc[("A", "loyal_share@Gamma"), "low"] == 0.0
    assert summary.loc[("A", "satisfaction@Gamma"), "high"] == 1.0
    shares = summary.loc[[i for i in summary.index if i[1] != "cumulative_profit@Gamma"]]
    assert (shares["low"] >= 0).all() and (shares["high"] <= 1).all()
    # money has no bound: its interval is the plain t interval
    profit = ("A", "cumulative_profit@Gamma")
    assert summary.loc[profit, "low"] == plain.loc[profit, "low"] < -10


def test_a_paired_difference_of_shares_stays_in_minus_one_to_one() -> None:
    row = paired_differences(_two_replications(), "arm", "loyal_share@Gamma").iloc[0]
    assert row["mean"] == pytest.approx(0.46)  # (1.0 - 0.0 + 0.0 - 0.08) / 2
    assert (row["low"], row["high"]) == (-1.0, 1.0)
    plain = paired_differences(_two_replications(), "arm", "loyal_share@Gamma",
                               bounded=False).iloc[0]
    assert plain["low"] < -1 and plain["high"] > 1
    assert not row["excludes_zero"]


def test_share_bands_stay_above_zero() -> None:
    table = pd.DataFrame({"run_id": ["a", "b"], "arm": "4P", "period": 1, "firm": "Alpha",
                          "loyal": [0, 30]})
    bands = timeseries_bands(table, "arm", "loyal_share", customers=1000)
    assert bands.loc[0, "low"] == 0.0 and bands.loc[0, "high"] == pytest.approx(
        0.015 + 12.706204736 * math.sqrt(0.00045) / math.sqrt(2))
