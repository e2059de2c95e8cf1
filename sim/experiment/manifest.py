"""The manifest of an experiment's results folder, and the fingerprint tying it to one experiment.

Core objects: :class:`ManifestMixin` (the manifest methods of
:class:`sim.experiment.store.ResultStore`), :func:`fingerprint_of` and :class:`ExperimentError`
(also importable from :mod:`sim.experiment.store`). Rules (DESIGN.md principles 6 and 8; issue
item 6):

* ``manifest.json`` holds what was run: version, fingerprint, design, times, statuses. It is
  replaced atomically, as every file of the store (:mod:`sim.experiment.store`).
* The files are the source of truth for resuming; the manifest's per-run status list is a
  summary written at the start and end of a session (and on interrupt), never per run.
* A folder belongs to one experiment: opening it with a different design fingerprint raises
  :class:`ExperimentError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.files import atomic_write

__all__ = [
    "MANIFEST",
    "ExperimentError",
    "ManifestMixin",
    "fingerprint_of",
    "json_default",
    "stratsim_version",
    "utc_now",
]

MANIFEST = "manifest.json"


class ExperimentError(Exception):
    """A problem with an experiment the user can fix (a folder, an option); not a bug."""


def fingerprint_of(data: Any) -> str:
    """A stable SHA-256 hex digest of JSON-like data (keys sorted), e.g. a resolved design."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def json_default(value: Any) -> Any:
    """JSON for NumPy scalars and other values json does not know."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return repr(value)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def stratsim_version() -> str:
    import sim  # the engine: imported only when a manifest is written

    return sim.__version__


class ManifestMixin:
    """The manifest of a results folder: read it, replace it, record sessions in it.

    Mixed into :class:`sim.experiment.store.ResultStore`, which sets the attributes below and
    gives the run statuses.
    """

    directory: Path
    fingerprint: str | None
    durable: bool
    manifest_path: Path
    run_statuses: Callable[[Iterable[str]], dict[str, str]]

    def _check_fingerprint(self) -> None:
        if self.fingerprint is None or not self.manifest_path.exists():
            return
        recorded = self.read_manifest().get("fingerprint")
        if recorded is not None and recorded != self.fingerprint:
            raise ExperimentError(
                f"{self.directory}: this folder holds the results of a different experiment"
                f" (design fingerprint {recorded[:12]}, this one {self.fingerprint[:12]});"
                " choose another output folder, or delete this one to start again")

    def read_manifest(self) -> dict[str, Any]:
        """The manifest, or an empty dict if there is none yet.

        Raises:
            ExperimentError: the manifest is not valid JSON (edited by hand).
        """
        try:
            text = self.manifest_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ExperimentError(f"{self.manifest_path}:{exc.lineno}:{exc.colno}: not valid"
                                  f" JSON ({exc.msg})") from None
        return data if isinstance(data, dict) else {}

    def write_manifest(self, data: dict[str, Any]) -> None:
        """Replace the manifest atomically; the store's fingerprint is always included.

        Raises:
            ExperimentError: ``data`` carries a fingerprint other than the store's.
        """
        data = dict(data)
        if self.fingerprint is not None:
            if data.get("fingerprint", self.fingerprint) != self.fingerprint:
                raise ExperimentError(f"{self.directory}: manifest fingerprint"
                                      f" {data['fingerprint']!r} is not this experiment's")
            data["fingerprint"] = self.fingerprint
        text = json.dumps(data, indent=2, default=json_default) + "\n"
        atomic_write(self.manifest_path, text, durable=self.durable)

    def update_manifest(self, **fields: Any) -> dict[str, Any]:
        """Set top-level manifest fields (read, update, atomic write); returns the manifest."""
        data = self.read_manifest()
        data.update(fields)
        self.write_manifest(data)
        return data

    def record_start(self) -> None:
        """Note a session's start: ``started_at`` (first session) and a ``sessions`` entry."""
        data = self.read_manifest()
        now = utc_now()
        data.setdefault("stratsim_version", stratsim_version())
        data.setdefault("started_at", now)
        data.setdefault("sessions", []).append({"started_at": now,
                                                "stratsim_version": stratsim_version()})
        data["status"] = "running"
        self.write_manifest(data)

    def record_end(self, run_ids: Iterable[str], *, interrupted: bool = False,
                   **session: Any) -> dict[str, str]:
        """Note a session's end and every run's status (from the files).

        Args:
            run_ids: every run of the experiment, in design order.
            interrupted: the session was stopped (Ctrl-C) before its end.
            **session: more facts about the session (counts, seconds) for its entry.

        Returns:
            The status of each run: ``ok``, ``failed`` or ``pending``.
        """
        statuses = self.run_statuses(run_ids)
        data = self.read_manifest()
        now = utc_now()
        sessions = data.setdefault("sessions", [{}])
        sessions[-1].update({"ended_at": now, "interrupted": interrupted, **session})
        counts = {s: sum(1 for v in statuses.values() if v == s)
                  for s in ("ok", "failed", "pending")}
        data.update({
            "ended_at": now,
            "status": "interrupted" if interrupted
            else "complete" if counts["ok"] == len(statuses) else "incomplete",
            "counts": counts,
            "runs": statuses,
        })
        self.write_manifest(data)
        return statuses
