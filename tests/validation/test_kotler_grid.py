"""Kotler's grid: the winning relationship level per cell of the shipped experiment
(customers x unit margin) against Kotler's table, and whether it deepens monotonically."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment.design import build_plan
from sim.experiment.runner import run_plan
from sim.experiment.spec import load_experiment
from sim.experiment.validation import KOTLER_TABLE, kotler_score, kotler_winners

EXPERIMENT = Path(__file__).resolve().parents[2] / "experiments" / "kotler_levels.yaml"
KOTLER = {cell: sorted(levels)[-1] for cell, levels in KOTLER_TABLE.items()}


def test_kotlers_own_table_scores_nine_and_is_monotone():
    score = kotler_score(KOTLER)
    assert (score.matches, score.monotone) == (9, True)


def test_a_shallower_level_with_fewer_customers_is_not_monotone():
    winners = {**KOTLER, ("few", "high"): "basic"}
    score = kotler_score(winners)
    assert (score.matches, score.monotone) == (8, False)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    spec, loaded = load_experiment(EXPERIMENT)
    spec = spec.model_copy(update={"replications": 2})
    plan = build_plan(spec, EXPERIMENT.parent, loaded=loaded)
    store, summary = run_plan(plan, tmp_path_factory.mktemp("kotler") / "grid", jobs=1,
                              quiet=True)
    assert summary.failed == 0
    return kotler_score(kotler_winners(store.runs()))


def test_the_grid_has_a_winner_in_every_cell(grid):
    assert set(grid.winners) == set(KOTLER_TABLE)
    print(f"Kotler's grid: {grid.matches} of 9 cells match; monotone: {grid.monotone}")


def test_kotlers_grid_emerges(grid):
    """Each level costs its contact time per account whatever the account's size, and what it
    returns grows with the account's volume times unit margin: 7 of 9 cells (the two others,
    medium/low and few/low, one level deeper than Kotler's), monotone."""
    assert grid.matches >= 7 and grid.monotone
    assert grid.winners[("few", "high")] == "partnership"
    assert grid.winners[("many", "low")] == "basic"
