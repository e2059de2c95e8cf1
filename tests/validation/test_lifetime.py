"""The lifetime identity: in a stationary market, the mean length of a relationship equals one
over churn (Little 1961), with a follow-up long against the longest relationships."""

from __future__ import annotations

from sim.experiment.validation import lifetime_case


def test_mean_tenure_is_one_over_churn():
    # 1,200 months, relationships that ended in the last 600: the longest firm's 1/churn is
    # about 170 months, so a relationship longer than the 600 months it could have lasted is
    # rare (docs/validation.md); both firms within 5%
    table = lifetime_case(4_000, periods=1_200, window=600, seed=1)
    assert (table.spells > 2_000).all()
    for _, row in table.iterrows():
        assert abs(row.ratio - 1) < 0.05, row.to_dict()
