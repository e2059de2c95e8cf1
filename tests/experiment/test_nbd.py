"""Tests for sim.experiment.nbd: the NBD fit recovers known distributions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.experiment.nbd import fit_nbd, nbd_shares


@pytest.mark.parametrize(("mean", "shape"), [(0.4, 0.1), (1.5, 0.5), (3.0, 2.0)])
def test_the_fit_recovers_an_exact_nbd(mean, shape):
    shares = nbd_shares(mean, shape, 40)
    fit = fit_nbd(shares)
    assert fit is not None
    assert fit.mean == pytest.approx(mean, rel=1e-3)
    assert fit.shape == pytest.approx(shape, rel=1e-2)
    assert fit.max_difference < 1e-4


def test_shares_follow_ehrenbergs_recursion_and_sum_to_one():
    m, k = 1.2, 0.7
    shares = nbd_shares(m, k, 10)
    assert shares[0] == pytest.approx((1 + m / k) ** -k)
    for r in range(1, 9):
        assert shares[r] == pytest.approx(shares[r - 1] * (k + r - 1) / r * m / (m + k))
    assert shares.sum() == pytest.approx(1.0)


def test_a_sample_from_an_nbd_is_fitted_close_to_its_parameters():
    rng = np.random.default_rng(3)
    m, k = 2.0, 0.8
    draws = stats.nbinom.rvs(k, k / (k + m), size=200_000, random_state=rng)
    shares = np.bincount(np.minimum(draws, 12), minlength=13) / draws.size
    fit = fit_nbd(shares)
    assert fit.mean == pytest.approx(m, rel=0.02)
    assert fit.shape == pytest.approx(k, rel=0.05)


def test_homogeneous_buying_is_far_from_an_nbd_with_small_k():
    # everybody buys about half the periods: a binomial, not a gamma mixture
    shares = stats.binom.pmf(np.arange(13), 12, 0.5)
    fit = fit_nbd(shares)
    assert fit.shape > 5  # nearly Poisson: k large


def test_no_buyers_and_bad_shares():
    assert fit_nbd([1.0, 0.0, 0.0]) is None
    with pytest.raises(ValueError, match="0, 1 and more"):
        fit_nbd([0.5, 0.5])
    with pytest.raises(ValueError, match="at least 0"):
        fit_nbd([0.5, -0.1, 0.6])
