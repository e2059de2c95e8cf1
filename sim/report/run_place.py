"""Where a run's output goes, so that an output folder is always whole and one run's own.

Rules (DESIGN.md principle 8; hardening issue, item 7):

- A run writes into a temporary folder beside its target (``.NAME.writing-PID``) and swaps it
  in when everything is written: a reader never sees a half-written folder, and the folder
  never mixes two runs' files.
- A target that holds *another* run (its ``scenario.resolved.yaml`` differs, the stratsim
  version aside) is replaced only with ``--force``; the same run again simply replaces it. A
  folder that is not a run's folder (any other file in it) is never replaced.
- A run that stops early (Ctrl-C, SIGTERM, a strategy's error) keeps what it simulated in
  ``NAME.partial/`` beside the target, clearly marked (``timeseries.partial.csv``,
  ``summary.json`` with ``"complete": false``), and leaves the target as it was.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import yaml

__all__ = ["RUN_FILES", "RunPlaceError", "is_run_folder", "prepare_target", "publish"]

RUN_FILES = frozenset({"timeseries.csv", "timeseries.partial.csv", "summary.json",
                       "scenario.resolved.yaml", "figures", "transactions.parquet",
                       "transactions.partial.parquet", "lifetimes", "fork.json",
                       "checkpoints"})
"""What a run's folder holds (and nothing else)."""


class RunPlaceError(ValueError):
    """The output folder cannot be used (the message says why and what to do)."""


def is_run_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a stratsim run's output and nothing else."""
    names = {p.name for p in folder.iterdir()}
    return "scenario.resolved.yaml" in names and names <= RUN_FILES


def _resolved(folder: Path) -> Any:
    try:
        data = yaml.safe_load((folder / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    if isinstance(data, dict):
        data.pop("stratsim_version", None)
    return data


def prepare_target(target: Path, resolved: dict[str, Any], *, force: bool) -> None:
    """Check, before anything runs, that ``target`` may receive this run's output.

    Args:
        target: the output folder.
        resolved: this run's resolved scenario (what ``scenario.resolved.yaml`` will hold).
        force: replace another run's folder.

    Raises:
        RunPlaceError: the target is a file, a folder of other files, or another run's folder
            (without ``force``).
    """
    if str(target) in ("", "."):
        raise RunPlaceError("--out: give a folder for the run's output (not the current folder)")
    if target.exists() and not target.is_dir():
        raise RunPlaceError(f"--out: {target} is a file, not a folder")
    if not target.exists() or not any(target.iterdir()):
        return
    if not is_run_folder(target):
        raise RunPlaceError(f"--out: {target} holds files that are not a stratsim run's; give"
                            " a new or empty folder")
    mine = {k: v for k, v in resolved.items() if k != "stratsim_version"}
    if not force and _resolved(target) != mine:
        raise RunPlaceError(f"--out: {target} holds another run (its scenario.resolved.yaml"
                            " differs); use --force to replace it, or --out for a new folder")


def _scratch(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(3)}"


def publish(target: Path, write: Any) -> Path:
    """Write a folder with ``write(folder)`` into a temporary folder, then swap it in.

    The old folder (if any) is renamed aside and removed only once the new one is in place.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = _scratch(target, "writing")
    scratch.mkdir()
    try:
        write(scratch)
        old = None
        if target.exists():
            old = _scratch(target, "old")
            os.rename(target, old)
        os.rename(scratch, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return target
