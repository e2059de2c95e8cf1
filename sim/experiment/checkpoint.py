"""Checkpoints: a run's whole state at the end of a period, to fork it without re-simulating.

A checkpoint file (``checkpoints/period-0036.ckpt`` in a run's folder) is one line of JSON, the
header, then the pickled :class:`~sim.market.model.MarketModel` (every customer's state, the
firms and their strategies, the random streams' states, the time series so far):

    {"format": "stratsim-checkpoint", "version": 1, "stratsim": "0.1.0",
     "scenario": "<sha256 of the resolved scenario>", "seed": 1, "period": 36}

Rules:

* **Exact.** Loading a checkpoint of period K and running on gives the run's own periods K + 1
  onward, bit for bit (the streams' states are in it), so a fork from a checkpoint equals a fork
  that re-simulates periods 1 to K.
* **Refused when foreign.** A file without the header, of another format version, written by
  another stratsim version, or of another scenario or seed is refused with a message naming
  the file and what differs: a model pickled by another version may not mean the same.
* **Loads no code it should not.** The pickle is read by an unpickler that accepts only the
  classes a market is made of (``sim``, NumPy, SciPy, Mesa, plain containers; a user's
  strategy class only with ``allow_code``) and the few functions NumPy rebuilds arrays and
  random generators with. No other function (one that would write a file or run a command)
  can be named in it, so a checkpoint from elsewhere cannot make stratsim execute code.
* **Atomic.** Written through :func:`sim.files.atomic_write`.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.files import atomic_write

if TYPE_CHECKING:
    from sim.market.model import MarketModel

__all__ = ["FORMAT", "VERSION", "CheckpointError", "checkpoint_path", "load_checkpoint",
           "save_checkpoint", "scenario_digest"]

FORMAT = "stratsim-checkpoint"
VERSION = 1
"""The checkpoint format's version; a change of layout raises it."""

_CLASS_MODULES = ("sim", "numpy", "scipy", "mesa", "collections", "random")
"""Modules whose classes a market's state is made of (classes only: no function of theirs)."""
_FUNCTIONS = frozenset({
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy.core.numeric", "_frombuffer"),
    ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random._pickle", "__generator_ctor"),
    ("numpy.random._pickle", "__randomstate_ctor"), ("copyreg", "_reconstructor"),
    ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
})
"""The functions a pickled array, random generator or object is rebuilt with."""
_BUILTINS = frozenset({"set", "frozenset", "dict", "list", "tuple", "slice", "complex",
                       "bytearray", "bytes", "int", "float", "str", "bool", "object", "range"})


class CheckpointError(ValueError):
    """A checkpoint that cannot be used (the message names the file and why)."""


def scenario_digest(resolved: dict[str, Any]) -> str:
    """The digest of a resolved scenario (its JSON with sorted keys, without the version)."""
    data = {k: v for k, v in resolved.items() if k != "stratsim_version"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def checkpoint_path(run_dir: Path, period: int) -> Path:
    """Where a run's checkpoint of ``period`` lives."""
    return run_dir / "checkpoints" / f"period-{period:04d}.ckpt"


def save_checkpoint(model: MarketModel, path: Path, resolved: dict[str, Any],
                    version: str) -> Path:
    """Write the model's state at the end of its current period (observers left out)."""
    header = {"format": FORMAT, "version": VERSION, "stratsim": version,
              "scenario": scenario_digest(resolved), "seed": int(model.seed),
              "period": int(model.period)}
    observers, model.observers = model.observers, []
    try:
        payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        model.observers = observers
    return atomic_write(path, json.dumps(header).encode() + b"\n" + payload)


def _bound_method(obj: Any, name: str) -> Any:
    """``getattr`` as a pickle of a bound method uses it (the model's scheduled step), and
    nothing more: a method its class defines, of an object of a market's classes, never a
    dunder (``__globals__`` would reach any module)."""
    kind = type(obj)
    if (isinstance(name, str) and not name.startswith("__")
            and kind.__module__.split(".")[0] in _CLASS_MODULES
            and isinstance(getattr(kind, name, None), types.FunctionType)):
        return getattr(obj, name)
    raise CheckpointError(f"a checkpoint may name only a market object's methods (got"
                          f" {kind.__name__}.{name})")


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, allow_code: bool, where: Path) -> None:
        super().__init__(io.BytesIO(data))
        self.allow_code, self.where = allow_code, where

    def find_class(self, module: str, name: str) -> Any:
        top = module.split(".")[0]
        if module == "builtins" and name == "getattr":
            return _bound_method
        if (module == "builtins" and name in _BUILTINS) or (module, name) in _FUNCTIONS:
            return super().find_class(module, name)
        if top in _CLASS_MODULES or (self.allow_code and top not in ("builtins", "os", "sys")):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise CheckpointError(f"{self.where}: holds {module}.{name}, which a market's state"
                              " does not (a user's strategy class needs --allow-code)")


def load_checkpoint(path: Path, resolved: dict[str, Any], seed: int, version: str, *,
                    allow_code: bool = False) -> MarketModel:
    """The model saved at ``path``, checked against the run it should belong to.

    Raises:
        CheckpointError: the file is not a checkpoint, or of another format version, stratsim
            version, scenario or seed; or it holds classes a market's state does not.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read it ({exc.strerror})") from None
    line, _, payload = data.partition(b"\n")
    try:
        header = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a stratsim checkpoint")
    problems = []
    if header.get("version") != VERSION:
        problems.append(f"format version {header.get('version')}, this stratsim reads"
                        f" {VERSION}")
    if header.get("stratsim") != version:
        problems.append(f"written by stratsim {header.get('stratsim')}, this is {version}")
    if header.get("scenario") != scenario_digest(resolved) or header.get("seed") != seed:
        problems.append("of another scenario or seed than the run's")
    if problems:
        raise CheckpointError(f"{path}: refused: {'; '.join(problems)} (fork without it: the"
                              " run is re-simulated, which is exact)")
    try:
        model = _Unpickler(payload, allow_code, path).load()
    except CheckpointError:
        raise
    except Exception as exc:  # a damaged payload
        raise CheckpointError(f"{path}: damaged ({type(exc).__name__})") from None
    from sim.market.model import MarketModel

    if not isinstance(model, MarketModel) or model.period != header.get("period"):
        raise CheckpointError(f"{path}: does not hold a market at period {header.get('period')}")
    return model
