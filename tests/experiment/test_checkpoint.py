"""Checkpoints: exact continuation, refused when foreign, no code from a crafted file."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

import sim
from sim.experiment.checkpoint import (
    CheckpointError,
    checkpoint_path,
    load_checkpoint,
    save_checkpoint,
)
from sim.market.model import MarketModel
from sim.scenario.loader import load_scenario
from sim.scenario.resolved import resolved_scenario

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    spec = load_scenario(DEFAULT, customers=500, periods=14)
    resolved = resolved_scenario(spec, 3, sim.__version__)
    model = MarketModel(spec, seed=3).run(periods=6)
    path = save_checkpoint(model, checkpoint_path(tmp_path_factory.mktemp("ck"), 6), resolved,
                           sim.__version__)
    return spec, resolved, path


def test_a_checkpoint_continues_the_run_exactly(saved):
    spec, resolved, path = saved
    assert path.name == "period-0006.ckpt" and path.parent.name == "checkpoints"
    model = load_checkpoint(path, resolved, 3, sim.__version__)
    assert model.period == 6
    whole = MarketModel(spec, seed=3).run()
    assert model.run().timeseries().equals(whole.timeseries())


@pytest.mark.parametrize(("seed", "version", "message"), [
    (4, sim.__version__, "of another scenario or seed than the run's"),
    (3, "9.9.9", f"written by stratsim {sim.__version__}, this is 9.9.9"),
])
def test_a_foreign_checkpoint_is_refused(saved, seed, version, message):
    _, resolved, path = saved
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path, resolved, seed, version)


def test_another_scenario_is_refused(saved):
    _, resolved, path = saved
    other = {**resolved, "periods": 15}
    with pytest.raises(CheckpointError, match="another scenario"):
        load_checkpoint(path, other, 3, sim.__version__)


class _Command:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def test_a_crafted_file_cannot_run_code(saved, tmp_path):
    _, resolved, path = saved
    header = path.read_bytes().partition(b"\n")[0]
    evil = tmp_path / "evil.ckpt"
    evil.write_bytes(header + b"\n" + pickle.dumps(_Command()))
    with pytest.raises(CheckpointError, match="which a market's state does not"):
        load_checkpoint(evil, resolved, 3, sim.__version__)
    # getattr(MarketModel, "__init__"), the first step toward a function's __globals__
    reach = tmp_path / "reach.ckpt"
    reach.write_bytes(header + b"\n" + b"cbuiltins\ngetattr\n(csim.market.model\nMarketModel"
                      b"\nS'__init__'\ntR.")
    with pytest.raises(CheckpointError, match="only a market object's methods"):
        load_checkpoint(reach, resolved, 3, sim.__version__)


@pytest.mark.parametrize("content", [b"", b"not json\n...", b'{"format": "other"}\n'])
def test_a_file_that_is_not_a_checkpoint(tmp_path, saved, content):
    _, resolved, _ = saved
    path = tmp_path / "x.ckpt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="not a stratsim checkpoint"):
        load_checkpoint(path, resolved, 3, sim.__version__)
