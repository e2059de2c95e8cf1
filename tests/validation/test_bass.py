"""Bass docking: one firm's adoption follows the discrete Bass recursion (Bass 1969), and a
small-world network adopts more slowly than a well-mixed one (Watts & Strogatz 1998)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment.validation import bass_case, bass_path

FULL_CUSTOMERS = 100_000
TOLERANCE = 0.01
"""Largest gap between the simulated and the Bass paths at full size (one point, the target of
the validation issue); benchmarks/validation.py checks it at 100,000 customers."""
CUSTOMERS = 20_000
CI_TOLERANCE = TOLERANCE * math.sqrt(FULL_CUSTOMERS / CUSTOMERS)
"""The same tolerance at CI's size, widened by sampling error (the square root of the ratio of
sizes), not by a number chosen until the test passed: 2.2 points."""
PAIRS = [(0.03, 0.38), (0.01, 0.6)]
"""(p, q): the mean coefficients of Sultan, Farley & Lehmann's (1990) meta-analysis (the
awareness defaults), and a market driven by word of mouth."""


def test_the_recursion_is_bass():
    path = bass_path(0.03, 0.38, 3)
    assert path[1] == pytest.approx(0.03)
    assert path[2] == pytest.approx(0.03 + (0.03 + 0.38 * 0.03) * 0.97)
    assert np.all(np.diff(bass_path(0.03, 0.38, 60)) >= 0) and bass_path(0.03, 0.38, 60)[-1] < 1


@pytest.mark.parametrize(("p", "q"), PAIRS)
def test_adoption_follows_the_bass_recursion(p, q):
    path = bass_case(CUSTOMERS, p, q, periods=30)
    assert path.simulated[-1] > 0.9  # the diffusion ran its course
    assert path.max_gap < CI_TOLERANCE, path.max_gap


@pytest.mark.parametrize(("p", "q"), PAIRS)
def test_a_small_world_adopts_more_slowly_than_a_well_mixed_market(p, q):
    mixed = bass_case(CUSTOMERS, p, q, periods=30).simulated
    small = bass_case(CUSTOMERS, p, q, periods=30, network="small_world").simulated
    assert small.mean() < mixed.mean()  # less adoption over the path
    assert np.argmax(small >= 0.5) >= np.argmax(mixed >= 0.5)
