"""Profile intervals: the quadratic surface's half-widths, the sampled region, their union."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.calibration.uncertainty import PROFILE_DELTA, profile_intervals, quadratic_half_widths


def test_the_delta_is_the_chi_square_quantile():
    from scipy.stats import chi2

    assert chi2(1).ppf(0.95) == pytest.approx(PROFILE_DELTA, rel=1e-12)


def test_an_exact_quadratic_gives_the_textbook_half_widths():
    rng = np.random.default_rng(3)
    u = rng.uniform(0.2, 0.6, size=(30, 2))
    h = np.array([[800.0, 300.0], [300.0, 400.0]])
    d = u - np.array([0.4, 0.35])
    s = 2.0 + 0.5 * np.einsum("ni,ij,nj->n", d, h, d)
    half = quadratic_half_widths(u, s)
    expected = np.sqrt(2 * PROFILE_DELTA * np.diag(np.linalg.inv(h)))
    assert half == pytest.approx(expected, rel=1e-9)
    # the profile of parameter 0 at the interval's end is S_min + 3.84 exactly
    inverse = np.linalg.inv(h)
    step = np.array([half[0], half[0] * inverse[1, 0] / inverse[0, 0]])  # along the profile
    assert 0.5 * step @ h @ step == pytest.approx(PROFILE_DELTA, rel=1e-9)


def test_a_surface_that_is_not_curved_upward_gives_no_interval():
    rng = np.random.default_rng(4)
    u = rng.uniform(0.0, 1.0, size=(30, 2))
    saddle = (u[:, 0] - 0.5) ** 2 - (u[:, 1] - 0.5) ** 2
    assert quadratic_half_widths(u, saddle) is None
    flat = 10.0 * (u[:, 0] - 0.5) ** 2  # no curvature along parameter 1
    assert quadratic_half_widths(u, flat) is None
    assert quadratic_half_widths(u[:5], flat[:5]) is None  # fewer points than 2 x coefficients


def _intervals(sx: float, y0: float, sy: float, n: int = 60) -> tuple[pd.DataFrame, pd.Series,
                                                                  pd.DataFrame]:
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0.0, 10.0, n), rng.uniform(0.0, 1.0, n)
    table = pd.DataFrame({"x": x, "y": y,
                          "objective": ((x - 4.0) / sx) ** 2 + ((y - y0) / sy) ** 2})
    best = table.loc[table["objective"].idxmin()]
    out = profile_intervals(table, {"x": (0.0, 10.0), "y": (0.0, 1.0)}, best)
    return table, best, out.set_index("parameter")


def test_a_sparse_region_reports_the_union_with_the_quadratic_clipped_to_the_range():
    _, best, out = _intervals(0.3, 0.95, 0.05)
    assert int(out.loc["x", "fits_in_interval"]) < 12  # fewer than 2 x 6 coefficients
    sigma = {"x": 0.3, "y": 0.05}
    for name in ("x", "y"):
        row = out.loc[name]
        assert row["low"] == min(row["sampled_low"], row["quadratic_low"])
        assert row["high"] == max(row["sampled_high"], row["quadratic_high"])
    # an exact quadratic: the half-width is sqrt(3.84) standard deviations of the figure
    assert out.loc["x", "quadratic_high"] - best["x"] == pytest.approx(
        math.sqrt(PROFILE_DELTA) * sigma["x"], rel=1e-6)
    assert out.loc["y", "high"] <= 1.0  # clipped at the range's end


def test_a_dense_region_reports_the_sampled_interval():
    table, best, out = _intervals(3.0, 0.5, 0.4)
    region = table[table["objective"] <= best["objective"] + PROFILE_DELTA]
    assert len(region) >= 12
    for name in ("x", "y"):
        row = out.loc[name]
        assert (row["low"], row["high"]) == (region[name].min(), region[name].max())
        assert int(row["fits_in_interval"]) == len(region)
