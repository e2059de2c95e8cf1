"""A property-based fuzzer of command lines: random ``--set``, ``--param``, ``--arm``,
``--outcome`` and numeric option values on every command.

What must hold: the command ends with status 0, 1 (a lesson's expectation did not hold) or 2
(bad input), never with a traceback; with status 2 the problem lines are one line each.
``STRATSIM_FUZZ=long`` runs 600 command lines; the default is sized for CI.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "scenarios" / "default.yaml")
LESSON = str(ROOT / "scenarios" / "05_price_war.yaml")
EXPERIMENT = str(ROOT / "experiments" / "price_war.yaml")
LONG = os.environ.get("STRATSIM_FUZZ") == "long"
runner = CliRunner()

PATHS = ["periods", "seed", "market.customers", "firms.Alpha.price", "firms.Alpha.quality",
         "firms.Alhpa.price", "firms.Gamma.relationship_level", "firms.Beta.params.markup",
         "firms.Gamma.initial.price", "firms.Alpha.programs.financial", "events.0",
         "expectations.0", "market.segments.rational.share", "market.segments.x.share",
         "market.network.kind", "name", "period_unit", "", "a..b", "firms"]
VALUES = ["90", "-5", "1e999", "nan", "[]", "{a: 1}", "[1, [2]]", "basic", "yes", "null",
          "0x10", "\u00e9", "$x^$", "=cmd", "'unterminated", "!!python/object:os.system x",
          "99999999999999999999999", "0.5", "partnership", "{MVC: partnership}"]
NUMBERS = ["0", "1", "-1", "2", "abc", "1.5", "99999999999999999999", "", "3", "0.05", "nan"]
METRICS = ["profit@Gamma", "proft@Gamma", "profit@Gama", "-churn_rate@Alpha", "profit",
           "@", "loyal_share@Beta"]


@st.composite
def command_line(draw) -> list[str]:
    command = draw(st.sampled_from(["run", "validate", "compare", "sweep", "sensitivity",
                                    "experiment", "check", "new", "diagnose"]))
    args = {"run": ["run", DEFAULT], "validate": ["validate", DEFAULT],
            "compare": ["compare", DEFAULT, "--firm", draw(st.sampled_from(
                ["Gamma", "Gama", "Big Co", ""]))],
            "sweep": ["sweep", DEFAULT], "sensitivity": ["sensitivity", DEFAULT],
            "experiment": ["experiment", EXPERIMENT], "check": ["check", LESSON],
            "diagnose": ["diagnose", DEFAULT],
            "new": ["new", draw(st.sampled_from(["x", "123", "a b", "-x", "y" * 80]))]}[command]
    for _ in range(draw(st.integers(0, 3))):
        args += ["--set", f"{draw(st.sampled_from(PATHS))}={draw(st.sampled_from(VALUES))}"]
    if command in ("sweep", "sensitivity"):
        for _ in range(draw(st.integers(1, 2))):
            body = draw(st.sampled_from(["80,90", "90:80", "1:2", "[1,2],{a: 1}", "x", "0.5:0.9",
                                         ""]))
            args += ["--param", f"{draw(st.sampled_from(PATHS))}={body}"]
        args += ["--outcome", draw(st.sampled_from(METRICS))]
    if command == "compare":
        args += ["--strategies", draw(st.sampled_from(["4P,4R", "4P", "4p,4R", "", "4P,4P"]))]
        if draw(st.booleans()):
            args += ["--arm", draw(st.sampled_from(["a:firms.Gamma.price=70", "a b:x=1",
                                                    "-x:firms.Gamma.price=1", ":", "nocolon"]))]
        if draw(st.booleans()):
            args += ["--outcome", draw(st.sampled_from(METRICS))]
    for option in draw(st.lists(st.sampled_from(
            ["--periods", "--customers", "--seed", "--replications", "--samples", "--retries",
             "--max-runs", "--jobs", "--window", "--step"]), max_size=3, unique=True)):
        if command in ("validate", "new") or (option == "--samples" and command not in (
                "sweep", "sensitivity")) or (option == "--jobs" and command in ("run",)) or (
                option in ("--window", "--step") and command != "diagnose") or (
                option in ("--max-runs", "--retries") and command == "diagnose"):
            continue
        value = draw(st.sampled_from(NUMBERS))
        if option == "--jobs" and value not in ("0", "-1", "abc", ""):
            value = "1"
        args += [option, value]
    if draw(st.booleans()):
        args += [draw(st.sampled_from(["--bogus", "--figure-format", "--design"])),
                 draw(st.sampled_from(["svg", "jpg", "lhs", "grid", "sobol"]))]
    return args


def _small(args: list[str], out: Path) -> list[str]:
    command = args[0]
    extra: list[str] = []
    if command in ("run", "compare", "sweep", "sensitivity", "experiment", "check", "diagnose"):
        extra += ["--customers", "60", "--periods", "2"]
    if command in ("compare", "sweep", "sensitivity", "experiment", "check"):
        extra += ["--replications", "1", "--jobs", "1"]
    if command == "diagnose":
        extra += ["--replications", "2", "--jobs", "1", "--window", "2"]
    if command in ("sensitivity", "sweep"):
        extra += ["--samples", "2"]
    if command in ("run", "compare", "sweep", "sensitivity", "experiment", "new", "diagnose"):
        extra += ["--out", str(out)]
    if command == "run":
        extra += ["--no-figures", "--force"]
    return [*args, *extra, "--quiet"] if command not in ("validate", "new") else [*args, *extra]


FUZZ = settings(max_examples=600 if LONG else 60, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(command_line())
def test_every_command_line_is_a_result_or_a_one_line_message(tmp_path_factory, args):
    out = tmp_path_factory.mktemp("cli") / "out"
    result = runner.invoke(app, _small(args, out))
    assert "Traceback" not in result.output, (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception))
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    if result.exit_code == 2:
        lines = [ln for ln in result.output.splitlines() if ln.strip()]
        assert lines and all(len(ln) < 2_000 for ln in lines), (args, result.output)
        assert not any(ln.startswith(("╭", "│", "╰")) for ln in lines), (args, result.output)
