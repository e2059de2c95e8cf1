"""Tests for sim.scenario.problems: one-line problems and the errors that carry them."""

from __future__ import annotations

import pickle

from sim.scenario.problems import MISSING, Problem, SourceError, short_value

# --------------------------------------------------------------------------- Problem, SourceError


def test_problem_line_format_with_and_without_path_and_value() -> None:
    assert str(Problem("a.yaml", 3, 5, "firms.Alpha.price", "must be >= 0", -5)) == (
        "a.yaml:3:5: firms.Alpha.price: must be >= 0 (got -5)"
    )
    assert str(Problem("a.yaml", 1, 1, "name", "required field is missing")) == (
        "a.yaml:1:1: name: required field is missing"
    )
    assert str(Problem("a.yaml", 2, 1, "", "bad YAML")) == "a.yaml:2:1: bad YAML"
    assert Problem("a", 1, 1, "", "m").got is MISSING


def test_short_value_is_yaml_like_and_truncated() -> None:
    assert short_value(None) == "null"
    assert short_value(True) == "true"
    assert short_value("5P") == "'5P'"
    assert short_value({"a": [1, 2.5]}) == "{a: [1, 2.5]}"
    long = short_value(list(range(10_000)))
    assert len(long) == 60
    assert long.endswith("...")
    assert short_value("x" * 500).endswith("...")


def test_source_error_lists_one_problem_per_line_and_pickles() -> None:
    problems = [Problem("a", 1, 1, "x", "bad", 1), Problem("a", 2, 1, "y", "worse")]
    error = SourceError(problems)
    assert str(error) == "a:1:1: x: bad (got 1)\na:2:1: y: worse"
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == problems
    assert again.problems[1].got is MISSING
