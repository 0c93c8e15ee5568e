"""``results.csv``: one row per setting and evaluation point, read from the runs' own files.

Why from the run folders: each setting is an ordinary simulator run, so its
``metrics.jsonl`` (one line per round: the global model's validation before the round,
every site's metrics, seconds, bytes), ``summary.json`` (the final global model's
validation) and ``cross_val_results.json`` are the record; the table is derived from
them and can be rebuilt at any time (a resumed study rebuilds it from every run).

Evaluation point ``round`` k (0 .. rounds) is the global model after k rounds: k = 0 is
the initial model, k = rounds the final one. Columns (the web UI reads them by name):

``setting`` (id), ``clients`` (sites that train), ``epochs_per_round``, ``data_share``
(fraction of the datalist the federation trains on), ``share_mode`` (all, sites, data),
``seed``, ``round``, ``epoch`` (local epochs each site has trained: round x
epochs_per_round), ``metric`` (the key metric's name, e.g. val_acc), ``accuracy`` (its
value, over the validation data of the sites that train, weighted by their sizes),
``loss`` (the validation loss, ``val_loss``, when the MMAR's validation computes one,
else empty), ``wall_s`` (seconds of federated rounds so far), ``bytes`` (bytes sent and
received by the server so far) and ``plan_sha256`` (the plan the run executed).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .grid import Setting

__all__ = ["COLUMNS", "LOSS_METRIC", "ResultsError", "read_csv", "rows_of", "write_csv"]

COLUMNS = (
    "setting",
    "clients",
    "epochs_per_round",
    "data_share",
    "share_mode",
    "seed",
    "round",
    "epoch",
    "metric",
    "accuracy",
    "loss",
    "wall_s",
    "bytes",
    "plan_sha256",
)

#: The validation metric the ``loss`` column reads (its ``log_label`` in the MMAR).
LOSS_METRIC = "val_loss"
#: The global model's entry in ``cross_val_results.json``.
GLOBAL_OWNER = "FL_global_model"


class ResultsError(ValueError):
    """A run folder lacks a file or holds one that is not what the simulator writes."""


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResultsError(f"cannot read {path}: {exc}") from None


def _jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise ResultsError(f"cannot read {path}: {exc}") from None
    return [row for row in rows if isinstance(row, dict)]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def validation_sizes(run_dir: Path) -> dict[str, int]:
    """Each site's number of validation items (from its ``metrics.jsonl``)."""
    sizes: dict[str, int] = {}
    for path in sorted((run_dir / "clients").glob("*/metrics.jsonl")):
        rows = _jsonl(path)
        if rows and isinstance(rows[0].get("val_samples"), int):
            sizes[path.parent.name] = int(rows[0]["val_samples"])
    return sizes


def weighted(per_site: Mapping[str, Any], metric: str, sizes: Mapping[str, int]) -> float | None:
    """``metric`` over the sites of ``per_site`` ({site: {metric: value}}), size-weighted."""
    total = weight = 0.0
    for site, metrics in per_site.items():
        value = _number(metrics.get(metric)) if isinstance(metrics, Mapping) else None
        size = sizes.get(site, 0)
        if value is None or size <= 0:
            continue
        total += value * size
        weight += size
    return total / weight if weight else None


def rows_of(setting: Setting, run_dir: Path) -> list[dict[str, Any]]:
    """The evaluation points of one finished run (see the module docstring)."""
    summary = _json(run_dir / "summary.json")
    # one line per round; the server's closing line (``"phase": "final"``) repeats the
    # final validation, which summary.json holds
    rounds = [r for r in _jsonl(run_dir / "metrics.jsonl") if "phase" not in r]
    cross = (
        _json(run_dir / "cross_val_results.json")
        if (run_dir / "cross_val_results.json").exists()
        else {}
    )
    sizes = validation_sizes(run_dir)
    base = {
        "setting": setting.id,
        "clients": setting.clients,
        "epochs_per_round": setting.epochs_per_round,
        "data_share": round(setting.data_share, 6),
        "share_mode": setting.share.mode,
        "seed": setting.seed,
        "plan_sha256": summary.get("plan_sha256", ""),
    }
    out: list[dict[str, Any]] = []
    wall = 0.0
    sent = 0
    metric = ""
    for k, row in enumerate(rounds):
        found = row.get("global_metric") or {}
        metric = str(found.get("metric") or metric)
        out.append(
            {
                **base,
                "round": k,
                "epoch": k * setting.epochs_per_round,
                "metric": metric,
                "accuracy": _number(found.get("value")),
                "loss": weighted(row.get("client_metrics") or {}, LOSS_METRIC, sizes),
                "wall_s": round(wall, 3),
                "bytes": sent,
            }
        )
        wall += _number(row.get("seconds")) or 0.0
        sent += int(row.get("bytes_down") or 0) + int(row.get("bytes_up") or 0)
    final = summary.get("final_metrics") or {}
    metric = metric or next(iter(final), "")
    final_loss = None
    if isinstance(cross, Mapping):
        per_site = {
            site: models.get(GLOBAL_OWNER, {})
            for site, models in cross.items()
            if isinstance(models, Mapping)
        }
        final_loss = weighted(per_site, LOSS_METRIC, sizes)
    k = len(rounds)
    out.append(
        {
            **base,
            "round": k,
            "epoch": k * setting.epochs_per_round,
            "metric": metric,
            "accuracy": _number(final.get(metric)),
            "loss": final_loss,
            "wall_s": round(wall, 3),
            "bytes": sent,
        }
    )
    return out


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``rows`` under :data:`COLUMNS` (atomically: a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in COLUMNS})
    tmp.replace(path)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a ``results.csv`` as strings by column."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
