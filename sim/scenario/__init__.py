"""Scenario files: the validated, frozen schema, safe YAML with positions, overrides, problem
messages, the resolved-scenario round trip, expectations and the generated field reference.

The schema lives in :mod:`sim.scenario.market`, :mod:`sim.scenario.firms`,
:mod:`sim.scenario.events` and :mod:`sim.scenario.spec`; files are read by
:mod:`sim.scenario.loader`. The names most callers need are re-exported here.
"""

from sim.scenario.loader import load_scenario, scenario_from_dict
from sim.scenario.problems import Problem, SourceError
from sim.scenario.resolved import dump_yaml, resolved_scenario
from sim.scenario.spec import Scenario

__all__ = ["Problem", "Scenario", "SourceError", "dump_yaml", "load_scenario",
           "resolved_scenario", "scenario_from_dict"]
