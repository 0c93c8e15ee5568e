"""The run folder's record: global model saves in order, ``metrics.jsonl``,
``cross_val_results.json`` and ``summary.json``.

Why one owner for these files: their order is the crash-safety promise. A round is
*completed* when its model file is on disk (:mod:`.persistor`, written on a background
thread so the next round goes out meanwhile), and its ``metrics.jsonl`` line is appended
only after that, so a line is never on disk before the model of its round (or a later
one). The lines wait in memory until then and are also saved inside the model file, so a
restart puts back any line a crash lost (:meth:`RunRecord.restore_metrics`).

Every value written is JSON with non-finite floats as ``null``.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from mmarc.errors import MmarcError

from .persistor import BackgroundWriter, ModelPersistor, PersistError, Weights

__all__ = [
    "CROSS_VAL_FILE",
    "METRICS_FILE",
    "SUMMARY_FILE",
    "RunRecord",
    "ServerError",
    "finite",
    "write_json",
]

METRICS_FILE = "metrics.jsonl"
CROSS_VAL_FILE = "cross_val_results.json"
SUMMARY_FILE = "summary.json"


class ServerError(MmarcError, RuntimeError):
    """The server cannot start or go on; the message says why (no traceback needed)."""


def finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:  # stopped half-way (SIGTERM, a full disk): the old file stays, no stray copy
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(finite(data), fh, indent=1, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class RunRecord:
    """Writes one run folder's files; :meth:`open` before a run, :meth:`close` after."""

    def __init__(self, run_dir: Path, persistor: ModelPersistor) -> None:
        self.run_dir = Path(run_dir)
        self.persistor = persistor
        self._writer: BackgroundWriter | None = None
        self._unsaved: list[dict[str, Any]] = []  # metrics lines whose model is not saved yet
        self._rows_lock = threading.Lock()

    @property
    def metrics_path(self) -> Path:
        return self.run_dir / METRICS_FILE

    @property
    def cross_val_path(self) -> Path:
        return self.run_dir / CROSS_VAL_FILE

    @property
    def summary_path(self) -> Path:
        return self.run_dir / SUMMARY_FILE

    def open(self) -> None:
        self._writer = BackgroundWriter()

    def flush(self) -> None:
        """Wait until everything submitted is on disk (raises the first write error)."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Flush, then stop the writer thread (even when the flush raised)."""
        try:
            self.flush()
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def submit(self, job: Callable[[], Any], key: str | None = None) -> None:
        """Run ``job`` on the writer thread (``key``: skip it if a newer one comes)."""
        assert self._writer is not None, "RunRecord.open() first"
        try:
            self._writer.submit(job, key=key)
        except PersistError as exc:
            raise ServerError(str(exc)) from None

    def save_round(
        self, round_: int, weights: Weights, row: dict[str, Any], best: Any = None
    ) -> None:
        """Save the global model after ``round_`` in the background, then its metrics line
        (and those of earlier rounds whose saves this one superseded)."""
        with self._rows_lock:
            self._unsaved.append(finite(row))

        def job() -> None:
            with self._rows_lock:
                rows = [r for r in self._unsaved if r["round"] <= round_]
            self.persistor.save(round_, weights, best, rows)
            for done in rows:
                self.append_metrics(done)
            with self._rows_lock:
                self._unsaved = [r for r in self._unsaved if r["round"] > round_]

        self.submit(job, key="global")

    def save_best(self, round_: int, weights: Weights, best: Mapping[str, Any]) -> None:
        """Save ``weights`` (the global model of ``round_``) as the best one so far."""
        best_copy = dict(best)
        self.submit(lambda: self.persistor.save_best(round_, weights, best_copy), key="best")

    def append_metrics(self, row: Mapping[str, Any]) -> None:
        with open(self.metrics_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(finite(row)) + "\n")

    def restore_metrics(self, saved: Iterable[dict[str, Any]]) -> None:
        """After a crash between saving a model and appending its rounds' lines, put the
        lines (kept inside the model file) back, so metrics.jsonl lists every completed
        round exactly once."""
        path = self.metrics_path
        rounds = set()
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if text and not text.endswith("\n"):  # a line torn by the crash: drop it
                text = text[: text.rfind("\n") + 1]
                path.write_text(text, encoding="utf-8")
            for line in text.splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and "phase" not in entry:
                    rounds.add(entry.get("round"))
        for row in saved:
            if row.get("round") not in rounds:
                self.append_metrics(row)

    def write_cross_val(self, results: Mapping[str, Any]) -> None:
        self.submit(lambda: write_json(self.cross_val_path, results))

    def write_summary(self, summary: Mapping[str, Any]) -> None:
        write_json(self.summary_path, summary)
