"""A property-based fuzzer of user files: mutated shipped scenarios and experiment files.

Each example takes a shipped file and mutates it (wrong types, deleted and renamed keys, huge,
negative and non-finite numbers, unicode and control characters, deep nesting, truncation,
random bytes, duplicate keys, aliases, tags), then checks it as ``stratsim validate`` does and,
if it is accepted, runs it on a tiny market. What must hold: no traceback (only
:class:`~sim.scenario.problems.SourceError`), and every problem is one line with a position.

Profiles: ``STRATSIM_FUZZ=long`` runs at least 2,000 files (before a release); the default is
sized for CI.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.experiment.design import build_plan
from sim.experiment.spec import load_experiment
from sim.scenario.problems import SourceError

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))
LONG = os.environ.get("STRATSIM_FUZZ") == "long"
EXAMPLES = 2_000 if LONG else 120
ONE_LINE = re.compile(r"^(\S.*?:\d+:\d+|--[a-z-]+( \d+)?|[^:\n]+): [^\n]+$")

ODD_VALUES = [None, True, -1, 0, 10**30, -(10**30), 1e308, float("nan"), float("inf"), "",
              "x" * 5_000, "☃ ünïcode", "tab\there", "new\nline", "\x00nul", "$x^$", "=cmd",
              [], {}, [1, [2, [3]]], {"a": {"b": {"c": 1}}}, "0x10", "yes", "null", "1e999"]


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for k, v in enumerate(data):
            out += _paths(v, (*prefix, k))
    return out


def _set(data: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _structural(draw: Any, data: Any) -> Any:
    data = copy.deepcopy(data)
    paths = _paths(data)
    if not paths:
        return data
    path = draw(st.sampled_from(paths))
    kind = draw(st.sampled_from(["value", "delete", "rename", "nest", "swap"]))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if kind == "value":
        _set(data, path, draw(st.sampled_from(ODD_VALUES)))
    elif kind == "delete" and isinstance(parent, dict):
        parent.pop(path[-1], None)
    elif kind == "rename" and isinstance(parent, dict):
        parent[f"{path[-1]}{draw(st.sampled_from(['x', '_', 'é', ' ']))}"] = parent.pop(path[-1])
    elif kind == "nest":
        value: Any = draw(st.sampled_from(ODD_VALUES))
        for _ in range(draw(st.integers(1, 150))):
            value = [value]
        _set(data, path, value)
    else:
        _set(data, path, draw(st.integers(-(2**70), 2**70)) if draw(st.booleans())
             else draw(st.floats(allow_nan=True, allow_infinity=True)))
    return data


def _textual(draw: Any, text: str) -> str:
    kind = draw(st.sampled_from(["truncate", "bytes", "duplicate", "alias", "tag", "control"]))
    lines = text.splitlines(keepends=True)
    at = draw(st.integers(0, max(len(lines) - 1, 0)))
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if kind == "bytes":
        junk = draw(st.text(min_size=1, max_size=8))
        cut = draw(st.integers(0, len(text)))
        return text[:cut] + junk + text[cut:]
    if kind == "duplicate" and lines:
        return "".join([*lines[: at + 1], lines[at], *lines[at + 1:]])
    if kind == "alias":
        return "base: &a {x: 1}\n" + text + "\nextra: *a\nmore: *nope\n"
    if kind == "tag" and lines:
        lines[at] = lines[at].replace(": ", ": !!python/object:os.system ", 1)
        return "".join(lines)
    return text + draw(st.sampled_from(["\x07", "\x1b[31m", "\ud800", "\u202e", "\x00"]))


@st.composite
def mutated(draw: Any, files: list[Path]) -> tuple[str, str]:
    path = draw(st.sampled_from(files))
    text = path.read_text(encoding="utf-8")
    if draw(st.booleans()):
        data = yaml.safe_load(text)
        data = _structural(draw, data)
        for _ in range(draw(st.integers(0, 2))):
            data = _structural(draw, data)
        try:
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        except (yaml.YAMLError, ValueError):
            text = text[: len(text) // 2]
    else:
        text = _textual(draw, text)
    return path.name, text


def _check_problems(error: SourceError) -> None:
    assert error.problems
    for problem in error.problems:
        line = str(problem)
        assert "\n" not in line and ONE_LINE.match(line), line


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(mutated(SCENARIOS))
def test_mutated_scenarios_are_messages_or_run(tmp_path_factory, case):
    name, text = case
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        sim.load_scenario(path)
    except SourceError as error:
        _check_problems(error)
        return
    try:
        scenario = sim.load_scenario(path, customers=120, periods=2)
    except SourceError as error:
        _check_problems(error)
        return
    sim.MarketModel(scenario, seed=1).run()


@FUZZ
@given(mutated(EXPERIMENTS))
def test_mutated_experiments_are_messages_or_plans(tmp_path_factory, case):
    name, text = case
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / name
    path.write_text(text.replace("../scenarios/", f"{ROOT}/scenarios/"), encoding="utf-8",
                    errors="surrogatepass")
    try:
        spec, loaded = load_experiment(path)
        spec = spec.model_copy(update={"max_runs": min(spec.max_runs, 2_000)})
        build_plan(spec, folder, loaded=loaded)
    except SourceError as error:
        _check_problems(error)


def test_the_checks_of_the_fuzzer_can_fail(tmp_path):
    """A mutation the validator must refuse is refused with one-line problems, and a line with
    two lines in it would fail the check (so the property tests above can fail)."""
    path = tmp_path / "broken.yaml"
    path.write_text(SCENARIOS[0].read_text(encoding="utf-8").replace(
        "periods: 36", "periods: [[[]]]", 1), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        sim.load_scenario(path)
    _check_problems(caught.value)
    assert "periods: expected an integer" in str(caught.value)
    assert ONE_LINE.match("f.yaml:3:5: firms.A: a message (got 1)")
    assert not ONE_LINE.match("f.yaml:3:5: firms.A: two\nlines")
    from sim.scenario.problems import Problem

    # a newline in a name cannot split a problem's line: it is written as an escape
    assert str(Problem("f.yaml", 1, 1, "firms.a\nb", "no firm 'a\nb'")) == (
        "f.yaml:1:1: firms.a\\nb: no firm 'a\\nb'")
