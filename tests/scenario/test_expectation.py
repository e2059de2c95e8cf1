"""Lesson expectations and `stratsim check`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario.expectation import Expectation, evaluate, series_value

runner = CliRunner()


def ts(values_a: list[float], values_b: list[float]) -> pd.DataFrame:
    rows = []
    for p, (a, b) in enumerate(zip(values_a, values_b, strict=True), start=1):
        rows.append({"period": p, "firm": "A", "profit": a, "loyal": a})
        rows.append({"period": p, "firm": "B", "profit": b, "loyal": b})
    return pd.DataFrame(rows)


def test_series_value_at_over_and_share() -> None:
    t = ts([1, 2, 3], [10, 20, 30])
    assert series_value(t, "profit@A", 100) == 3
    assert series_value(t, "profit@B", 100, at=1) == 10
    assert series_value(t, "profit@B", 100, over=(2, 3)) == 25
    assert series_value(t, "loyal_share@B", 100, at=2) == pytest.approx(0.2)
    assert series_value(t, "profit@C", 100) != series_value(t, "profit@C", 100)  # NaN
    with pytest.raises(KeyError):
        series_value(t, "nothing@A", 100)


def test_evaluate_counts_replications_and_factor() -> None:
    runs = [ts([1, 2, 5], [1, 1, 1]), ts([1, 2, 0.5], [1, 1, 1]), ts([3, 3, 3], [1, 1, 1])]
    e = Expectation(claim="A beats B", left="profit@A", op=">", right="profit@B",
                    holds_in=0.6)
    r = evaluate(e, runs, 10)
    assert (r.held_in, r.replications, r.holds) == (2, 3, True)
    strict = Expectation(claim="A beats 2xB", left="profit@A", right="profit@B", factor=2.9,
                         holds_in=0.6)
    r2 = evaluate(strict, runs, 10)
    assert (r2.held_in, r2.holds) == (2, True)
    before_after = Expectation(claim="A grows", left="profit@A", right="profit@A", at=3,
                               right_at=1, holds_in=1.0)
    assert evaluate(before_after, runs, 10).held_in == 1
    number = Expectation(claim="A positive", left="profit@A", op="<", right=1.0, holds_in=0.3)
    assert evaluate(number, runs, 10).held_in == 1
    assert "NOT HELD" not in evaluate(number, runs, 10).line()


def test_expectation_shape_is_validated() -> None:
    with pytest.raises(ValueError, match="column@Firm"):
        Expectation(claim="x", left="profit", right=1.0)
    with pytest.raises(ValueError, match="not both"):
        Expectation(claim="x", left="profit@A", right=1.0, at=3, over=(1, 2))


LESSON = """\
name: lesson
periods: 8
market: {customers: 300}
firms:
  Alpha: {strategy: fixed, relationship_level: partnership, service: 0.9}
  Beta: {strategy: fixed, relationship_level: basic, service: 0.2}
check: {replications: 3}
expectations:
  - claim: Alpha's customers trust it more than Beta's trust Beta
    left: trust@Alpha
    right: trust@Beta
    at: 8
  - claim: an impossible claim
    left: trust@Alpha
    op: ">"
    right: 1.5
"""


def test_check_command_reports_held_and_not_held(tmp_path: Path) -> None:
    f = tmp_path / "lesson.yaml"
    f.write_text(LESSON)
    result = runner.invoke(app, ["check", str(f), "--jobs", "1", "--quiet"])
    assert result.exit_code == 1, result.output
    assert "1 of 2 expectations held" in result.output
    assert "held     Alpha's customers trust it more" in result.output
    assert "NOT HELD an impossible claim" in result.output
    assert "in 0 of 3 replications" in result.output


def test_check_rejects_unknown_columns_and_firms(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(LESSON.replace("trust@Beta", "trsut@Zeta").replace("at: 8", "at: 80"))
    result = runner.invoke(app, ["check", str(f)])
    assert result.exit_code == 2
    assert "unknown column 'trsut'" in result.output and "no firm 'Zeta'" in result.output
    assert "expectations.0.at: after the last period 8" in result.output
