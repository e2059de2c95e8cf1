"""Double Jeopardy (Ehrenberg, Goodhardt & Barwise 1990): among firms alike but for promotion,
or but for distribution coverage, the smaller the share, the fewer the buyers and the less loyal
they are on every measure."""

from __future__ import annotations

import pytest

from sim.experiment.validation import DJ_MEASURES, double_jeopardy_case


@pytest.mark.parametrize("vary", ["promotion", "coverage"])
def test_smaller_firms_have_fewer_and_less_loyal_buyers(vary):
    table = double_jeopardy_case(5_000, vary, replications=3)
    assert list(table.firm) == ["Big", "Mid", "Small"]
    for measure in DJ_MEASURES:  # share, buyers, and every loyalty measure fall in order
        values = table[measure].tolist()
        assert values[0] > values[1] > values[2], (vary, measure, values)


def test_only_promotion_or_coverage_vary():
    with pytest.raises(ValueError, match="promotion or coverage"):
        double_jeopardy_case(100, "price")
