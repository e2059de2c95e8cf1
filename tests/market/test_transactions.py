"""The transaction log: one row per purchase, reconciling with the time series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.market.model import MarketModel
from sim.market.transactions import TRANSACTION_COLUMNS, TransactionLog, calendar
from sim.scenario.loader import load_scenario

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"


@pytest.fixture(scope="module")
def logged():
    spec = load_scenario(DEFAULT, [("--set 1", "market.size=20000")], customers=1500,
                         periods=18)
    model = MarketModel(spec, seed=4)
    log = TransactionLog(model, *calendar("2026-01-01", None, spec.period_unit))
    model.observers.append(log)
    model.run()
    return spec, model, log.frame(model)


def test_the_log_sums_to_the_time_series_units_and_revenue(logged):
    spec, model, log = logged
    assert spec.market.weight == pytest.approx(20000 / 1500)
    weighted = log.assign(units=log["units"].astype(float) * log["weight"],
                          revenue=log["revenue"].astype(float) * log["weight"])
    sums = weighted.groupby(["period", "firm"], observed=True)[["units", "revenue"]].sum()
    ts = model.timeseries().set_index(["period", "firm"])[["units", "revenue"]]
    joined = ts.join(sums.add_suffix("_log")).fillna(0.0)
    assert len(joined) == len(ts) == 18 * 3
    np.testing.assert_allclose(joined["units_log"], joined["units"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(joined["revenue_log"], joined["revenue"], rtol=1e-12, atol=1e-9)
    buyers = log.groupby(["period", "firm"], observed=True).size()
    customers = ts.join(buyers.rename("buyers"))
    assert (customers["buyers"] > 0).all()


def test_a_row_is_one_customers_purchase_and_acquisitions_spread_over_the_run(logged):
    _, model, log = logged
    assert list(log.columns) == ["customer_id", "period", "date", *list(TRANSACTION_COLUMNS)[2:]]
    assert not log.duplicated(["customer_id", "period"]).any()  # one firm a period at most
    first = log.groupby(["customer_id", "firm"], observed=True)["period"].transform("min")
    assert (log["acquired"] == first).all()  # the first purchase from that firm, in the run
    acquired = log.drop_duplicates(["customer_id", "firm"])["acquired"]
    assert acquired.min() == 1 and acquired.nunique() > 10  # not all at the start
    assert (log["date"] == pd.Timestamp("2026-01-01")).sum() == (log["period"] == 1).sum()
    assert log.loc[log["period"] == 13, "date"].eq(pd.Timestamp("2027-01-01")).all()
    segments = model.population.segment_names
    assert set(log["segment"].astype(str)) <= set(segments)
    i = int(log["customer_id"].iloc[0])
    assert log["segment"].iloc[0] == segments[model.population.segment[i]]
    assert (log["margin"] < log["revenue"]).all()


def test_observing_changes_nothing(logged):
    spec, model, _ = logged
    plain = MarketModel(spec, seed=4).run()
    pd.testing.assert_frame_equal(plain.timeseries(), model.timeseries())


def test_a_log_starts_with_the_market():
    spec = load_scenario(DEFAULT, customers=200, periods=3)
    model = MarketModel(spec, seed=1)
    model.step()
    with pytest.raises(ValueError, match="from its first period"):
        TransactionLog(model)
    empty = TransactionLog(MarketModel(spec, seed=1)).frame(MarketModel(spec, seed=1))
    assert empty.empty and "date" not in empty


def test_the_calendar_follows_the_period_unit_or_the_given_length():
    assert calendar("2026-03-01", None, "months") == ("2026-03-01", pd.DateOffset(months=1))
    assert calendar("2026-03-01", None, "quarter")[1] == pd.DateOffset(months=3)
    assert calendar("2026-03-01", "2w", "sprint")[1] == pd.DateOffset(weeks=2)
    for args, message in ((("03/01/2026", None, "month"), "a date is YYYY-MM-DD"),
                          (("2026-03-01", None, "sprint"), "is not a day, week, month"),
                          (("2026-03-01", "0D", "day"), "a whole number and D, W, M or Y")):
        with pytest.raises(ValueError, match=message):
            calendar(*args)
