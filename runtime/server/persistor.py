"""The global model on disk: the initial model, one atomic save per round, resuming.

``FL_global_model.pt`` holds the model *and* the number of the last completed round in
one file, written to a temporary file, fsync'ed and renamed over the old one: a server
killed at any moment (kill -9 included) leaves either the previous round's file or this
round's, never a model of one round labelled with another. A restarted server reads it
and continues with the next round, so no completed round is lost and none is run twice.
``best_FL_global_model.pt`` is the global model with the best validation metric the
clients reported for it (same format).

The file is an ordinary checkpoint (``{"model": state_dict, "fl": {...}}``) that
``torch.load(weights_only=True)``, ``mmarc evaluate --checkpoint`` and Clara's
CheckpointLoader read.

Saving runs on a :class:`BackgroundWriter` thread so that the next round's model goes out
to the clients while this round's file is written: a round is *completed* when its file
is on disk, which is also when its line is appended to ``metrics.jsonl``. The per-round
save skips the zip CRC-32 of each record (``torch.load`` does not check it): on a
100 MB model that is ~35 ms of CPU every round, taken from the clients' training and
the next round's transfer on a machine that runs all of them; a torn file is ruled out
by the rename, not by the CRC. ``best_FL_global_model.pt``, written rarely, keeps it.
For the same reason the per-round file is written past the page cache where the
filesystem allows it (``atomic_save(direct=True)``: ~0.03 s of CPU per 100 MB instead of
0.12-0.25 s copying into freshly allocated page-cache pages on a VM).
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mmarc.errors import MmarcError

from ..aggregation.selection import ExcludeSpec, VarSelector
from ..executor.checkpoints import atomic_save
from ..executor.errors import ExecutorError

log = logging.getLogger(__name__)

GLOBAL_MODEL = "FL_global_model.pt"
BEST_MODEL = "best_FL_global_model.pt"

Weights = dict[str, np.ndarray]

#: ``torch.save``'s CRC-32 switch is process-wide: one persistor save changes it at a time.
_CRC32_LOCK = threading.Lock()


@contextlib.contextmanager
def _without_crc32() -> Iterator[None]:
    """``torch.save`` without the CRC-32 of each zip record, for the duration."""
    serialization = torch.serialization
    if not hasattr(serialization, "set_crc32_options"):  # older torch: always computed
        yield
        return
    with _CRC32_LOCK:
        previous = serialization.get_crc32_options()
        serialization.set_crc32_options(False)
        try:
            yield
        finally:
            serialization.set_crc32_options(previous)


class PersistError(MmarcError, RuntimeError):
    """The run folder holds something this server cannot continue from."""


@dataclass(frozen=True)
class Snapshot:
    """What a saved global model says: the model, the last completed round, the best so far."""

    round: int
    weights: Weights
    best: dict[str, Any] | None
    plan_sha256: str
    #: the metrics.jsonl lines of the rounds this save completes (the rounds whose saves
    #: were skipped, and this one), kept with the model so a restart can restore them
    rows: tuple[dict[str, Any], ...] = ()


def to_numpy(state: Mapping[str, torch.Tensor]) -> Weights:
    """A state dict as numpy arrays (CPU copies, so the network can go on training)."""
    return {k: v.detach().to("cpu", copy=True).numpy() for k, v in state.items()}


def _as_tensors(weights: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
    out = {}
    for name, array in weights.items():
        if not array.flags.writeable:  # torch warns on read-only memory; copy those few
            array = array.copy()
        out[name] = torch.from_numpy(array)
    return out


class ModelPersistor:
    """Reads and writes the global model files of one run folder.

    ``exclude_vars``: variables left out of the global model (Clara's persistor
    ``exclude_vars``): never sent to clients, aggregated or saved.
    """

    def __init__(
        self, run_dir: Path, *, exclude_vars: ExcludeSpec = None, plan_sha256: str = ""
    ) -> None:
        self.run_dir = Path(run_dir)
        self.exclude = VarSelector(exclude_vars)
        self.plan_sha256 = plan_sha256

    @property
    def model_path(self) -> Path:
        return self.run_dir / GLOBAL_MODEL

    @property
    def best_path(self) -> Path:
        return self.run_dir / BEST_MODEL

    def keep(self, weights: Mapping[str, np.ndarray]) -> Weights:
        """``weights`` without the excluded variables."""
        if not self.exclude:
            return dict(weights)
        return {k: v for k, v in weights.items() if not self.exclude(k)}

    def load(self) -> Snapshot | None:
        """The last completed round's snapshot, or None for a fresh run folder."""
        path = self.model_path
        if not path.is_file():
            return None
        try:
            data = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # a truncated or foreign file: say which, stop
            raise PersistError(f"cannot read {path}: {type(exc).__name__}: {exc}") from None
        fl = data.get("fl") if isinstance(data, Mapping) else None
        model = data.get("model") if isinstance(data, Mapping) else None
        if not isinstance(fl, Mapping) or not isinstance(model, Mapping):
            raise PersistError(f"{path} is not a global model written by an mmarc server")
        saved_plan = str(fl.get("plan_sha256", ""))
        if self.plan_sha256 and saved_plan and saved_plan != self.plan_sha256:
            raise PersistError(
                f"{self.run_dir} holds a run of another plan (sha256 {saved_plan[:12]}, this "
                f"one is {self.plan_sha256[:12]}); choose another output folder"
            )
        best = fl.get("best")
        rows = fl.get("rows")
        round_ = fl.get("round")
        if not isinstance(round_, int):
            raise PersistError(f"{path} does not say which round it completed")
        return Snapshot(
            round=round_,
            weights=to_numpy(model),
            best=dict(best) if isinstance(best, Mapping) else None,
            plan_sha256=saved_plan,
            rows=tuple(json.loads(rows)) if isinstance(rows, str) else (),
        )

    def _payload(
        self, round_: int, weights: Mapping[str, np.ndarray], best: Any, rows: Any = None
    ) -> dict:
        fl: dict[str, Any] = {
            "round": int(round_),
            "plan_sha256": self.plan_sha256,
            "best": dict(best) if best else None,
            "saved_at": time.time(),
        }
        if rows:  # as JSON text: weights_only loading accepts str, not any object
            fl["rows"] = json.dumps(list(rows))
        return {"model": _as_tensors(weights), "fl": fl}

    def save(
        self, round_: int, weights: Mapping[str, np.ndarray], best: Any = None, rows: Any = None
    ) -> Path:
        """Write the global model after ``round_`` (completed) atomically, with the metrics
        lines of the rounds it completes, so a restart can put lines lost in a crash back.
        Written without zip CRC-32s and past the page cache (see the module docstring)."""
        with _without_crc32():
            payload = self._payload(round_, weights, best, rows)
            return self._write(self.model_path, payload, direct=True)

    def save_best(self, round_: int, weights: Mapping[str, np.ndarray], best: Any) -> Path:
        """Write the best global model so far (the one of ``round_``) atomically."""
        return self._write(self.best_path, self._payload(round_, weights, best))

    def _write(self, path: Path, payload: dict, *, direct: bool = False) -> Path:
        try:
            return atomic_save(payload, path, direct=direct)
        except (OSError, ExecutorError) as exc:
            raise PersistError(f"cannot write {path}: {exc}") from exc


class BackgroundWriter:
    """One thread that runs file writes in submission order, skipping superseded ones.

    Why a thread: writing and fsync'ing a model takes 10-100 ms (1 s for 100 MB on a slow
    disk) that the next round need not wait for. Why skipping: when rounds end faster than
    a model can be saved, a queue of saves would grow without bound (each holding a whole
    model); a job submitted with a ``key`` is skipped when a newer job with the same key is
    already queued, since the file it would write is about to be replaced. Jobs otherwise
    run in submission order. An error in a job is raised by the next :meth:`submit` or
    :meth:`flush`.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._jobs: collections.deque[tuple[Callable[[], Any], str | None]] = collections.deque()
        self._busy = False
        self._closed = False
        self._error: BaseException | None = None
        self.skipped = 0
        self._thread = threading.Thread(target=self._run, name="mmarc-persist", daemon=True)
        self._thread.start()

    def _next(self) -> Callable[[], Any] | None:
        with self._cond:
            while True:
                while not self._jobs and not self._closed:
                    self._busy = False
                    self._cond.notify_all()
                    self._cond.wait()
                if not self._jobs:
                    self._busy = False
                    self._cond.notify_all()
                    return None
                job, key = self._jobs.popleft()
                if key is not None and any(k == key for _, k in self._jobs):
                    self.skipped += 1
                    continue
                self._busy = True
                return job

    def _run(self) -> None:
        while (job := self._next()) is not None:
            if self._error is not None:
                continue
            try:
                job()
            except BaseException as exc:
                log.error("background write failed: %s", exc)
                self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def submit(self, job: Callable[[], Any], *, key: str | None = None) -> None:
        """Queue ``job``; with a ``key`` it is skipped if a newer job of that key comes
        before it starts."""
        self._raise()
        with self._cond:
            self._jobs.append((job, key))
            self._busy = True
            self._cond.notify_all()

    def flush(self) -> None:
        """Wait until every submitted job ran (or was skipped); raise the first error."""
        with self._cond:
            while self._busy or self._jobs:
                self._cond.wait()
        self._raise()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
