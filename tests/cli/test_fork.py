"""``stratsim fork`` as a user runs it: identity up to K, the change's effect after it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = str(ROOT / "scenarios" / "default.yaml")
runner = CliRunner()
FIRMS = 3


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fork") / "base"
    result = invoke("run", DEFAULT, "--customers", "600", "--periods", "16", "--seed", "5",
                    "--no-figures", "-q", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def lines(folder: Path) -> list[str]:
    return (folder / "timeseries.csv").read_text(encoding="utf-8").splitlines()


def test_a_fork_without_a_change_is_the_run_byte_for_byte(base, tmp_path):
    out = tmp_path / "same"
    result = invoke("fork", base, "--at", 7, "--no-figures", "-q", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "timeseries.csv").read_bytes() == (base / "timeseries.csv").read_bytes()
    record = json.loads((out / "fork.json").read_text())
    assert record["at"] == 7 and record["seed"] == 5
    assert all(abs(r["cumulative profit: difference"]) == 0.0
               for r in record["effect_at_last_period"])


def test_a_forks_periods_up_to_k_are_the_runs_and_the_change_acts_after(base, tmp_path):
    out = tmp_path / "cut"
    result = invoke("fork", base, "--at", 9, "--set", "firms.Alpha.price=70", "--no-figures",
                    "--out", out)
    assert result.exit_code == 0, result.output
    assert "what the change did after period 9" in result.output
    original, forked = lines(base), lines(out)
    shared = 1 + 9 * FIRMS
    assert forked[:shared] == original[:shared]  # the header and periods 1..9, byte for byte
    assert forked[shared] != original[shared]
    ts = pd.read_csv(out / "timeseries.csv")
    alpha = ts[ts["firm"] == "Alpha"].set_index("period")["price"]
    assert (alpha.loc[10:] == 70.0).all() and (alpha.loc[:9] != 70.0).all()
    # the fork reproduces: its resolved scenario is the run's plus the event at 10
    resolved = yaml.safe_load((out / "scenario.resolved.yaml").read_text())
    event = resolved["events"][-1]
    assert (event["period"], event["firm"], event["set"]["price"]) == (10, "Alpha", 70)
    again = invoke("run", out / "scenario.resolved.yaml", "--no-figures", "-q", "--out",
                   tmp_path / "again")
    assert again.exit_code == 0
    assert lines(tmp_path / "again") == forked


def test_a_strategy_switch_with_its_parameters(base, tmp_path):
    out = tmp_path / "switch"
    result = invoke("fork", base, "--at", 4, "--strategy", "Gamma=4C",
                    "--set", "firms.Gamma.params.value_capture=0.6", "--no-figures", "-q",
                    "--out", out)
    assert result.exit_code == 0, result.output
    ts = pd.read_csv(out / "timeseries.csv")
    gamma = ts[ts["firm"] == "Gamma"].set_index("period")["strategy"]
    assert set(gamma.loc[:4]) == {"4R"} and set(gamma.loc[5:]) == {"4C"}
    assert lines(out)[:1 + 4 * FIRMS] == lines(base)[:1 + 4 * FIRMS]
    again = invoke("fork", out, "--at", 10, "--set", "firms.Beta.promotion=0", "--no-figures",
                   "-q", "--out", tmp_path / "fork-of-fork")
    assert again.exit_code == 0, again.output  # a fork of a fork keeps the first change
    assert lines(tmp_path / "fork-of-fork")[:1 + 10 * FIRMS] == lines(out)[:1 + 10 * FIRMS]


@pytest.mark.parametrize(("args", "message"), [
    (["--at", "16"], "--at: the run has 16 periods; a fork shares 0 to 15 of them"),
    (["--at", "3", "--set", "firms.Alpa.price=70"], "--set 1: unknown firm 'Alpa'; did you"
                                                    " mean 'Alpha'?"),
    (["--at", "3", "--set", "market.behaviour.choice_scale=9"],
     "--set 1: a fork changes what a firm does from period K + 1"),
    (["--at", "3", "--set", "firms.Alpha.prise=70"], "'prise' is not a lever of Alpha; did you"
                                                     " mean 'price'?"),
    (["--at", "3", "--set", "firms.Alpha.price=-5"], "--set 1: set.price: must be >= 0"),
    (["--at", "3", "--set", "firms.Gamma.params.markup=1.2"],
     "firms.Gamma.params: a strategy's parameters change with its strategy: add --strategy"
     " Gamma=STRATEGY"),
    (["--at", "3", "--strategy", "Gamma"], "--strategy 1: a strategy change looks like"
                                           " FIRM=STRATEGY"),
    (["--at", "3", "--strategy", "Gamma=5P"], "--strategy 1: strategy: unknown strategy '5P'"),
])
def test_bad_forks_are_one_line_and_write_nothing(base, tmp_path, args, message):
    result = invoke("fork", base, *args, "--out", tmp_path / "f")
    assert result.exit_code == 2, result.output
    text = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(text) == 1 and message in text[0], result.output
    assert not (tmp_path / "f").exists()


def test_a_folder_that_is_not_a_run(tmp_path):
    result = invoke("fork", tmp_path, "--at", 1)
    assert result.exit_code == 2 and "not a run's folder" in result.output


def test_fork_has_help():
    result = invoke("fork", "--help")
    assert result.exit_code == 0 and "--at" in result.output and "--strategy" in result.output


def test_a_fork_from_a_checkpoint_is_the_fork_that_re_simulates(tmp_path):
    run = tmp_path / "run"
    result = invoke("run", DEFAULT, "--customers", "500", "--periods", "12", "--seed", "2",
                    "--checkpoint-every", "4", "--no-figures", "-q", "--out", run)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == [
        "period-0004.ckpt", "period-0008.ckpt"]
    assert not list(tmp_path.glob(".*checkpoints"))  # the staging folder is gone
    cut = ["--at", "8", "--set", "firms.Beta.price=90", "--no-figures"]
    fast = invoke("fork", run, *cut, "--out", tmp_path / "fast")
    assert fast.exit_code == 0 and "starting from" in fast.output
    (run / "checkpoints" / "period-0008.ckpt").rename(tmp_path / "aside.ckpt")
    slow = invoke("fork", run, *cut, "-q", "--out", tmp_path / "slow")
    assert slow.exit_code == 0
    assert lines(tmp_path / "fast") == lines(tmp_path / "slow")
    assert lines(tmp_path / "fast")[:1 + 8 * FIRMS] == lines(run)[:1 + 8 * FIRMS]
    # a checkpoint of another run is refused with a note, and the fork re-simulates
    (tmp_path / "aside.ckpt").rename(run / "checkpoints" / "period-0008.ckpt")
    other = tmp_path / "other"
    assert invoke("run", DEFAULT, "--customers", "500", "--periods", "12", "--seed", "9",
                  "--checkpoint-every", "4", "--no-figures", "-q", "--out", other).exit_code == 0
    (other / "checkpoints" / "period-0008.ckpt").replace(run / "checkpoints" / "period-0008.ckpt")
    foreign = invoke("fork", run, *cut, "-q", "--out", tmp_path / "foreign")
    assert foreign.exit_code == 0
    assert "refused: of another scenario or seed than the run's" in foreign.output
    assert lines(tmp_path / "foreign") == lines(tmp_path / "slow")
