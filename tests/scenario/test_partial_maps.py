"""A partial block of relationship levels, offerings or relationship costs changes only what it
names; the rest keeps its defaults (so one ``--set`` can change one effect)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.firms import FirmCosts
from sim.scenario.loader import load_scenario
from sim.scenario.market import BehaviourSpec
from sim.scenario.problems import SourceError

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"


def test_one_effect_of_one_level_changes_and_the_rest_keep_their_defaults():
    base = BehaviourSpec()
    b = BehaviourSpec.model_validate({"levels": {"partnership": {"cocreation": 0.0}},
                                      "offerings": {"experience": {"cost_uplift": 1.0}}})
    assert b.levels["partnership"].cocreation == 0.0
    assert b.levels["partnership"].trust_gain == base.levels["partnership"].trust_gain
    assert b.levels["basic"] == base.levels["basic"]
    assert list(b.levels) == list(base.levels)
    assert b.offerings["experience"].cost_uplift == 1.0
    assert b.offerings["experience"].value_uplift == base.offerings["experience"].value_uplift


def test_one_relationship_cost_changes():
    costs = FirmCosts.model_validate({"relationship": {"partnership": 20.0}})
    assert costs.relationship == {**FirmCosts().relationship, "partnership": 20.0}


def test_set_reaches_one_effect():
    scenario = load_scenario(DEFAULT, [("--set", "market.behaviour.levels.proactive.cocreation=0"),
                                       ("--set", "firms.Alpha.costs.relationship.basic=1")])
    assert scenario.market.behaviour.levels["proactive"].cocreation == 0.0
    assert scenario.market.behaviour.levels["proactive"].commitment == 0.2
    assert scenario.firms["Alpha"].costs.relationship["basic"] == 1.0


def test_a_misspelt_level_is_still_an_error():
    with pytest.raises(SourceError, match="partnershipp: invalid key"):
        load_scenario(DEFAULT, [("--set", "market.behaviour.levels.partnershipp.cocreation=0")])
