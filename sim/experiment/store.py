"""The result store of an experiment: a folder where finished runs are never lost.

Core object: :class:`ResultStore`. Its result tables (``runs``, ``timeseries``, failures), its
writer lock and the CSV export are here; its manifest, and the design fingerprint that ties the
folder to one experiment, are in :mod:`sim.experiment.manifest` (:class:`ExperimentError` and
:func:`fingerprint_of` are importable from here as well). Rules (DESIGN.md principles 6 and 8;
issue item 6):

* Layout::

      manifest.json               what was run: version, fingerprint, design, times, statuses
      runs/<run_id>.parquet       one row per finished run: run_id, seed, status, attempts,
                                  seconds, every label, every outcome ``metric@Firm``
      timeseries/<run_id>.parquet the run's time series, run_id and labels prepended
      failed/<run_id>.json        a run that failed after its retries: error, attempts, ...
      transactions/<run_id>.parquet  with ``transactions``: the run's purchases, one per row
      .lock                       held by the one process that writes (POSIX ``flock``)

* Every file is written atomically: a temporary file in the same folder (``.NAME.*.tmp``),
  flushed and fsynced, then ``os.replace``-d onto its final name. A reader never sees a
  truncated file under a final name; a killed writer leaves at most a ``*.tmp`` file, which
  readers ignore and the next writer removes.
* A run counts as finished only when its ``runs`` row exists, and that row is written last
  (after the time series). Killing the process at any moment loses at most the runs in flight.
* Failed runs are recorded in ``failed/`` and are not finished: a resumed experiment runs them
  again; a later success removes the failure record.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiment.manifest import (
    MANIFEST,
    ExperimentError,
    ManifestMixin,
    fingerprint_of,
    json_default,
    stratsim_version,
    utc_now,
)
from sim.experiment.task import RunResult
from sim.files import TMP_SUFFIX, atomic_write, csv_text, is_our_temporary, safe_cell

try:  # POSIX advisory locks; on other systems a folder is not guarded against two writers
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "RUN_COLUMNS",
    "ExperimentError",
    "ResultStore",
    "atomic_write",
    "check_labels",
    "check_run_id",
    "fingerprint_of",
]

RUN_COLUMNS: tuple[str, ...] = ("run_id", "seed", "status", "attempts", "seconds")
"""The first columns of the ``runs`` table, before the labels and the outcomes."""

LOCK_FILE = ".lock"
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.=+,@-]{0,199}")


def _parquet_writer(table: pa.Table) -> Callable[[IO[bytes]], None]:
    return lambda fh: pq.write_table(table, fh)


def check_run_id(run_id: str) -> None:
    """Raise ValueError unless ``run_id`` is safe as a file name in every file system."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise ValueError(f"run id {run_id!r} is not usable as a file name: use letters, digits"
                         " and _ . = + , @ - (not first), at most 200 characters")


def check_labels(labels: Iterable[str]) -> None:
    """Raise ValueError if a label would collide with a ``runs`` column or an outcome."""
    for name in labels:
        if name in RUN_COLUMNS or "@" in name:
            raise ValueError(f"label {name!r} collides with a column of the runs table"
                             f" ({', '.join(RUN_COLUMNS)}, metric@Firm)")


class ResultStore(ManifestMixin):
    """The folder of one experiment's results (see the module docstring for the layout).

    Only one process writes to a folder at a time (the parent of the executors); any number
    may read. Opening a store removes ``*.tmp`` files left by a killed writer, unless another
    process is writing there now.

    Args:
        directory: the experiment's output folder (created unless ``create`` is false).
        fingerprint: hash of the resolved design (:func:`fingerprint_of`). If given, a folder
            whose manifest holds another fingerprint is refused, and a new folder records it.
        create: create the folder; if false, a missing folder raises :class:`ExperimentError`
            (for reading and exporting).
        durable: fsync every file and folder after writing (slower, survives power cuts).

    Raises:
        ExperimentError: the folder holds another experiment, or is missing and ``create`` is
            false.
    """

    def __init__(self, directory: str | os.PathLike[str], fingerprint: str | None = None, *,
                 create: bool = True, durable: bool = True) -> None:
        self.directory = Path(directory)
        self.fingerprint = fingerprint
        self.durable = durable
        self.runs_dir = self.directory / "runs"
        self.timeseries_dir = self.directory / "timeseries"
        self.failed_dir = self.directory / "failed"
        self.transactions_dir = self.directory / "transactions"
        self.manifest_path = self.directory / MANIFEST
        self._lock_fd: int | None = None
        self._lock_depth = 0
        if create:
            try:
                for folder in (self.runs_dir, self.timeseries_dir, self.failed_dir):
                    folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ExperimentError(f"{self.directory}: cannot create the results folder"
                                      f" ({exc.strerror})") from None
        elif not self.directory.is_dir():
            raise ExperimentError(f"{self.directory}: no such results folder")
        elif not self.manifest_path.is_file():
            raise ExperimentError(f"{self.directory}: not an experiment's results folder (it has"
                                  f" no {MANIFEST}); give the folder a compare, sweep,"
                                  " sensitivity or experiment wrote")
        self._check_fingerprint()
        lock = self._try_lock()
        if lock is not None:  # nobody is writing: leftovers are from a killed process
            try:
                self._remove_leftovers()
            finally:
                self._unlock(lock)
        if create and fingerprint is not None and not self.manifest_path.exists():
            self.write_manifest({"stratsim_version": stratsim_version(), "created_at": utc_now()})

    def __repr__(self) -> str:
        return f"ResultStore({str(self.directory)!r})"

    # ------------------------------------------------------------------ one writer
    def _try_lock(self) -> int | None:
        """The lock's file descriptor (-1 without fcntl), or None if another process holds it."""
        if fcntl is None:  # pragma: no cover - Windows
            return -1
        try:
            fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:  # a read-only folder: nobody can be writing there
            return -1
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    @staticmethod
    def _unlock(fd: int) -> None:
        if fd >= 0:
            os.close(fd)  # closing the only descriptor releases the flock

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[ResultStore]:
        """Hold the folder's writer lock (re-entrant in this object); leftovers are removed.

        Raises:
            ExperimentError: another process is writing to this folder.
        """
        if self._lock_depth == 0:
            fd = self._try_lock()
            if fd is None:
                raise ExperimentError(f"{self.directory}: another stratsim process is writing"
                                      " to this folder; wait for it to end or choose another"
                                      " folder")
            self._lock_fd = fd
            self._remove_leftovers()
        self._lock_depth += 1
        try:
            yield self
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and self._lock_fd is not None:
                self._unlock(self._lock_fd)
                self._lock_fd = None

    def _remove_leftovers(self) -> None:
        for folder in (self.directory, self.runs_dir, self.timeseries_dir, self.failed_dir,
                       self.transactions_dir):
            if not folder.is_dir():
                continue
            for tmp in folder.glob(f".*{TMP_SUFFIX}"):
                if is_our_temporary(tmp):  # never a file stratsim did not write
                    with contextlib.suppress(OSError):
                        tmp.unlink()

    # ------------------------------------------------------------------ runs
    def _run_path(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.parquet"

    def _timeseries_path(self, run_id: str) -> Path:
        return self.timeseries_dir / f"{run_id}.parquet"

    def _transactions_path(self, run_id: str) -> Path:
        return self.transactions_dir / f"{run_id}.parquet"

    def transaction_paths(self) -> dict[str, Path]:
        """The finished runs that kept a transaction log, and its file, by run id."""
        finished = self.finished_ids()
        return {r: p for r in sorted(finished) if (p := self._transactions_path(r)).exists()}

    def _failed_path(self, run_id: str) -> Path:
        return self.failed_dir / f"{run_id}.json"

    def write_result(self, result: RunResult) -> None:
        """Record one run: a finished run's time series then its ``runs`` row, or its failure.

        Each file is atomic; the ``runs`` row comes last, so a run is finished only once all
        of it is on disk. A success removes an earlier failure record of the same run.

        Raises:
            ValueError: a bad run id, or a label that collides with a column.
        """
        check_run_id(result.run_id)
        check_labels(result.labels)
        if result.status != "ok":
            record = {"run_id": result.run_id, "seed": result.seed, "labels": result.labels,
                      "attempts": result.attempts, "seconds": result.seconds,
                      "error": result.error, "failed_at": utc_now()}
            text = json.dumps(record, indent=2, default=json_default) + "\n"
            atomic_write(self._failed_path(result.run_id), text, durable=self.durable)
            return
        if result.transactions is not None:
            self.transactions_dir.mkdir(exist_ok=True)
            atomic_write(self._transactions_path(result.run_id),
                         _parquet_writer(pa.Table.from_pandas(result.transactions,
                                                              preserve_index=False)),
                         durable=self.durable)
        if result.timeseries is not None:
            series = result.timeseries.reset_index(drop=True)
            clash = sorted(set(result.labels) & {*series.columns, "run_id"})
            if clash:
                raise ValueError(f"labels {clash} collide with time-series columns")
            n = len(series)
            prefix = pd.DataFrame({"run_id": [result.run_id] * n,
                                   **{k: [v] * n for k, v in result.labels.items()}})
            frame = pd.concat([prefix, series], axis=1)
            atomic_write(self._timeseries_path(result.run_id),
                         _parquet_writer(pa.Table.from_pandas(frame, preserve_index=False)),
                         durable=self.durable)
        row = {"run_id": result.run_id, "seed": int(result.seed), "status": result.status,
               "attempts": int(result.attempts), "seconds": float(result.seconds),
               **result.labels, **{k: float(v) for k, v in result.outcomes.items()}}
        atomic_write(self._run_path(result.run_id), _parquet_writer(pa.Table.from_pylist([row])),
                     durable=self.durable)
        self._failed_path(result.run_id).unlink(missing_ok=True)

    def finished_ids(self) -> set[str]:
        """Run ids whose ``runs`` row exists (only successful runs get one)."""
        return {p.name.removesuffix(".parquet") for p in self.runs_dir.glob("*.parquet")
                if not p.name.startswith(".")}

    def runs(self, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The ``runs`` table: one row per finished run, sorted by run_id.

        Args:
            run_ids: only these runs (unfinished ones are left out); all finished by default.

        Columns: run_id, seed, status, attempts, seconds, the labels, the outcomes
        ``metric@Firm``. No rows (but those first columns) if nothing has finished.
        """
        finished = self.finished_ids()
        ids = sorted(finished if run_ids is None else finished & set(run_ids))
        if not ids:
            return _empty_runs()
        table = pa.concat_tables([pq.read_table(self._run_path(i)) for i in ids],
                                 promote_options="permissive")
        return table.to_pandas().sort_values("run_id", kind="stable", ignore_index=True)

    def timeseries(self, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The finished runs' time series, one row per run, period and firm.

        Args:
            run_ids: only these runs (unfinished ones are left out); all finished by default.

        Returns:
            run_id, the labels, then the time-series columns; sorted by run_id, period, firm.
        """
        finished = self.finished_ids()
        ids = sorted(finished if run_ids is None else finished & set(run_ids))
        paths = [p for p in map(self._timeseries_path, ids) if p.exists()]
        if not paths:
            return pd.DataFrame({"run_id": pd.Series(dtype="str"),
                                 "period": pd.Series(dtype="int64"),
                                 "firm": pd.Series(dtype="str")})
        table = pa.concat_tables([pq.read_table(p) for p in paths],
                                 promote_options="permissive")
        return table.to_pandas().sort_values(["run_id", "period", "firm"], kind="stable",
                                             ignore_index=True)

    def failures(self) -> list[dict[str, Any]]:
        """Runs that failed after their retries and have not finished since, by run_id."""
        finished = self.finished_ids()
        out = []
        for path in sorted(self.failed_dir.glob("*.json")):
            if path.name.startswith(".") or path.stem in finished:
                continue
            out.append(json.loads(path.read_text(encoding="utf-8")))
        return sorted(out, key=lambda r: r["run_id"])

    def run_statuses(self, run_ids: Iterable[str]) -> dict[str, str]:
        """``ok``, ``failed`` or ``pending`` for each run id, from the files."""
        finished = self.finished_ids()
        failed = {p.stem for p in self.failed_dir.glob("*.json")}
        return {r: "ok" if r in finished else "failed" if r in failed else "pending"
                for r in run_ids}

    # ------------------------------------------------------------------ export
    def export_csv(self, out_dir: str | os.PathLike[str] | None = None) -> list[Path]:
        """Write ``runs.csv`` and ``timeseries.csv`` (for spreadsheets), atomically.

        The time series is streamed run by run, so memory stays at one run's table.

        Args:
            out_dir: where to write (default: the store's folder).

        Returns:
            The two files written.
        """
        target = Path(out_dir) if out_dir is not None else self.directory
        target.mkdir(parents=True, exist_ok=True)
        runs_csv = atomic_write(target / "runs.csv", csv_text(self.runs()).encode("utf-8"),
                                durable=self.durable)
        ids = sorted(self.finished_ids())
        paths = [p for p in map(self._timeseries_path, ids) if p.exists()]
        columns: list[str] = []
        for path in paths:
            columns.extend(c for c in pq.read_schema(path).names if c not in columns)
        if not columns:
            columns = list(self.timeseries().columns)

        def write_series(fh: IO[bytes]) -> None:
            fh.write((",".join(_csv_name(str(safe_cell(c))) for c in columns) + "\n")
                     .encode("utf-8"))
            for path in paths:
                frame = pq.read_table(path).to_pandas().reindex(columns=columns)
                frame = frame.sort_values(["period", "firm"], kind="stable")
                fh.write(csv_text(frame, header=False).encode("utf-8"))

        series_csv = atomic_write(target / "timeseries.csv", write_series,
                                  durable=self.durable)
        return [runs_csv, series_csv]


def _csv_name(name: str) -> str:
    """A CSV header field, quoted the way pandas would quote it."""
    return pd.DataFrame(columns=[name]).to_csv(index=False).strip()


def _empty_runs() -> pd.DataFrame:
    return pd.DataFrame({"run_id": pd.Series(dtype="str"), "seed": pd.Series(dtype="int64"),
                         "status": pd.Series(dtype="str"),
                         "attempts": pd.Series(dtype="int64"),
                         "seconds": pd.Series(dtype="float64")})
