"""The soak's checks (``soak.py``): rounds completed, FedAvg recomputed, memory growth.

Why apart from the driver: these are the claims the soak makes, written without any of
the runtime's aggregation code, so the recomputation is independent of what it checks.

FedAvg of differences, as Clara 4.0 clients send them: for round ``r`` the server's
``metrics.jsonl`` line names the sites it aggregated and each one's weight ``w_i``
(aggregation weight x local steps); each site saved the update ``d_i`` it sent
(``round-NNNN-sent.npz``) and the global model it received (``round-NNNN-received.npz``).
The next global model is ``float32(global + sum_i w_i d_i / sum_i w_i)`` with the sum in
float64. The server sums in the order updates arrived, this code in site order, so the
two may differ by float32 rounding: "equal" means within :data:`TOLERANCE`.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MEMORY_WINDOW",
    "TOLERANCE",
    "Recomputation",
    "completed_rounds",
    "memory_growth",
    "metrics_rows",
]

#: Largest absolute difference counted as equal (float32 rounding of values below ~10).
TOLERANCE = 1e-5

Weights = dict[str, np.ndarray]


def metrics_rows(run_dir: Path) -> list[dict[str, Any]]:
    """The server's completed-round lines (``metrics.jsonl``; final-phase lines left out)."""
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:  # a line being written
            continue
        if isinstance(row, dict) and "phase" not in row and "round" in row:
            rows.append(row)
    return rows


def completed_rounds(run_dir: Path) -> int:
    """How many rounds the server has completed (model saved, line written)."""
    return len(metrics_rows(run_dir))


def _load(path: Path) -> Weights | None:
    """A saved npz, or None while it is missing or still being written."""
    try:
        with np.load(path) as data:
            return {k: np.array(data[k]) for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None


class Recomputation:
    """Replays the server's FedAvg round by round from the sites' saved updates.

    :meth:`advance` handles every completed round whose inputs are on disk and deletes
    their files; a round whose inputs never appear (a site killed between sending its
    update and saving it) is listed in :attr:`skipped` and the chain continues from the
    model the sites received next.
    """

    def __init__(self, run_dir: Path, dump_dir: Path, sites: Sequence[str]) -> None:
        self.run_dir = run_dir
        self.dump_dir = dump_dir
        self.sites = list(sites)
        self.current: Weights | None = None  # the recomputed global model of next_round
        self.next_round = 0
        self.verified = 0
        self.skipped: list[int] = []
        self.max_diff = 0.0

    def _file(self, site: str, round_: int, part: str) -> Path:
        return self.dump_dir / site / f"round-{round_:04d}-{part}.npz"

    def _received(self, round_: int) -> Weights | None:
        for site in self.sites:
            found = _load(self._file(site, round_, "received"))
            if found is not None:
                return found
        return None

    def _forget(self, round_: int) -> None:
        for site in self.sites:
            for part in ("received", "sent"):
                self._file(site, round_, part).unlink(missing_ok=True)
            (self.dump_dir / site / f"round-{round_:04d}.json").unlink(missing_ok=True)

    def advance(self, final: bool = False, limit: int | None = None) -> None:
        """Replay every completed round whose inputs are ready (all of them when ``final``:
        the run is over, so missing inputs will not come); at most ``limit`` rounds."""
        rows = {int(r["round"]): r for r in metrics_rows(self.run_dir)}
        last = max(rows, default=-1)
        stop = None if limit is None else self.next_round + limit
        while self.next_round in rows and (stop is None or self.next_round < stop):
            r = self.next_round
            stale = final or last >= r + 2  # inputs that are still missing will not come
            if self.current is None:
                self.current = self._received(r)
                if self.current is None:
                    return
            updates = [(_load(self._file(s, r, "sent")), float(w)) for s, w in _weights(rows[r])]
            following = self._received(r + 1) if r < last or final else None
            if r < last and following is None and not stale:
                return  # the next round's model is not saved by any site yet
            if any(u is None for u, _ in updates):
                if not stale:
                    return
                self.skipped.append(r)
                self.current = following
            else:
                self.current = fedavg_diffs(self.current, updates)  # type: ignore[arg-type]
                self.verified += 1
                if following is not None:
                    self.max_diff = max(self.max_diff, max_abs_diff(self.current, following))
            self._forget(r)
            self.next_round += 1
            if self.current is None:
                return

    def compare_final(self, model_path: Path) -> dict[str, Any]:
        """The recomputed last model against the server's ``FL_global_model.pt``."""
        import torch

        saved = torch.load(model_path, map_location="cpu", weights_only=True)["model"]
        server = {k: v.numpy() for k, v in saved.items()}
        if self.current is None:
            return {"equal": False, "max_abs_diff": float("inf"), "reason": "nothing recomputed"}
        diff = max_abs_diff(self.current, server)
        return {"equal": diff <= TOLERANCE, "max_abs_diff": diff, "tolerance": TOLERANCE}

    def close(self) -> None:
        shutil.rmtree(self.dump_dir, ignore_errors=True)


def _weights(row: Mapping[str, Any]) -> list[tuple[str, float]]:
    weights = row.get("weights") or {}
    return [(site, float(weights[site])) for site in row.get("clients") or [] if site in weights]


def fedavg_diffs(base: Weights, updates: Sequence[tuple[Weights, float]]) -> Weights:
    """``base + sum w_i d_i / sum w_i`` per variable (float64 sums), in base's dtypes."""
    out: Weights = {}
    for name, value in base.items():
        sent = [(u[name], w) for u, w in updates if name in u and w > 0]
        if not sent:
            out[name] = value
            continue
        total = sum(w * d.astype(np.float64) for d, w in sent)
        mean = total / sum(w for _, w in sent)
        out[name] = (value.astype(np.float64) + mean).astype(value.dtype)
    return out


def max_abs_diff(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> float:
    """Largest absolute difference over all variables (inf when the names differ)."""
    if set(a) != set(b):
        return float("inf")
    return max(
        (float(np.max(np.abs(a[k].astype(np.float64) - b[k]))) for k in a if a[k].size),
        default=0.0,
    )


#: Rounds each end of the memory comparison spans (see :func:`memory_growth`).
MEMORY_WINDOW = 20


def memory_growth(
    samples: Sequence[Mapping[str, Any]], early: int, late: int, window: int = MEMORY_WINDOW
) -> dict[str, dict[str, Any]]:
    """Per process role: peak PSS over the ``window`` rounds from ``early`` on, peak PSS
    over the last ``window`` rounds before ``late`` (the end), and the relative growth.

    Peaks of windows, not single samples: within a round a server holds a few model-sized
    buffers for a moment (updates arriving, a save in flight), so one sample lands
    anywhere in a band as wide as those buffers (+-10 % on the 6.4 MB model); a leak
    raises the whole band, and with it the peak."""
    out: dict[str, dict[str, Any]] = {}
    for role in sorted({str(s["role"]) for s in samples}):
        mine = [s for s in samples if s["role"] == role and s["pss"] > 0]
        first = [s for s in mine if early <= s["done"] < early + window]
        last = [s for s in mine if late - window <= s["done"] < late]
        if not first or not last:
            out[role] = {"early": 0.0, "late": 0.0, "growth": None}
            continue
        peak_first = max(first, key=lambda s: s["pss"])
        peak_last = max(last, key=lambda s: s["pss"])
        growth = (peak_last["pss"] - peak_first["pss"]) / peak_first["pss"]
        out[role] = {
            "early": peak_first["pss"],
            "late": peak_last["pss"],
            "growth": growth,
            "early_round": peak_first["done"],
            "late_round": peak_last["done"],
        }
    return out
