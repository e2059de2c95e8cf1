"""A run's transactions for CLV tools: the RFM summary against a direct count, the files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.report.clv_export import rfm_summary, write_lifetimes

ROOT = Path(__file__).resolve().parents[2]
EVENTS = pd.DataFrame({
    "customer_id": [1, 1, 1, 2, 3, 3, 1],
    "period": [2, 5, 9, 4, 1, 1, 3],
    "firm": ["A", "A", "A", "A", "A", "B", "B"],
    "revenue": [10.0, 20.0, 40.0, 7.0, 5.0, 6.0, 8.0],
})


def _direct(events: pd.DataFrame, end: int) -> dict[tuple[str, int], tuple[int, int, int, float]]:
    """lifetimes' definitions, customer by customer."""
    out = {}
    for (firm, customer), rows in events.groupby(["firm", "customer_id"]):
        periods = sorted(rows["period"])
        first, last = periods[0], periods[-1]
        repeat = rows[rows["period"] > first]["revenue"]
        out[(firm, customer)] = (len(set(periods)) - 1, last - first, end - first,
                                 float(repeat.mean()) if len(repeat) else 0.0)
    return out


def test_the_rfm_summary_is_lifetimes_definitions():
    summary = rfm_summary(EVENTS, end=10)
    got = {(r.firm, r.customer_id): (r.frequency, r.recency, r.T, r.monetary_value)
           for r in summary.itertuples()}
    assert got == _direct(EVENTS, 10)
    assert got[("A", 1)] == (2, 7, 8, 30.0)  # repeat purchases at 5 and 9: (20 + 40) / 2
    assert got[("A", 2)] == (0, 0, 6, 0.0)  # one purchase: no repeat, no monetary value


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    from typer.testing import CliRunner

    from sim.cli import app

    out = tmp_path_factory.mktemp("clv") / "run"
    result = CliRunner().invoke(app, ["run", str(ROOT / "scenarios" / "default.yaml"),
                                      "--customers", "600",
                                      "--periods", "15", "--transactions", "--period-length",
                                      "2W", "--no-figures", "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_a_runs_transactions_export_for_lifetimes(run_folder):
    paths = write_lifetimes(run_folder)
    assert [p.name for p in paths] == ["events.csv", "rfm-Alpha.csv", "rfm-Beta.csv",
                                       "rfm-Gamma.csv"]
    events = pd.read_csv(run_folder / "lifetimes" / "events.csv", parse_dates=["date"])
    assert list(events.columns) == ["customer_id", "date", "period", "firm", "units",
                                    "revenue", "margin"]
    assert (events["date"] == pd.Timestamp("2026-01-01")
            + pd.to_timedelta(14 * (events["period"] - 1), "D")).all()  # two weeks a period
    end = json.loads((run_folder / "summary.json").read_text())["periods_run"]
    direct = _direct(pd.read_parquet(run_folder / "transactions.parquet").astype(
        {"firm": str}), end)
    for firm in ("Alpha", "Beta", "Gamma"):
        rfm = pd.read_csv(run_folder / "lifetimes" / f"rfm-{firm}.csv")
        assert list(rfm.columns) == ["customer_id", "frequency", "recency", "T",
                                     "monetary_value"]
        for r in rfm.itertuples():
            f, rec, t, m = direct[(firm, r.customer_id)]
            assert (r.frequency, r.recency, r.T) == (f, rec, t)
            assert r.monetary_value == pytest.approx(m, rel=1e-6)
        assert (rfm["recency"] <= rfm["T"]).all() and (rfm["frequency"] <= rfm["T"]).all()


def test_a_folder_without_transactions_says_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="--transactions"):
        write_lifetimes(tmp_path)
