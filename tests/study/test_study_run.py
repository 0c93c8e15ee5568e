"""A real mini study: two settings of tiny examples/mnist_seed federations, side by side.

Each setting is a real simulator run (server and client processes on 127.0.0.1); the
CSV is checked against the runs' own metrics files, the plots and the report exist, and
running the study again skips both settings (resume).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from helpers import tiny_seed_mmar

from mmarc.study import COLUMNS, Progress, read_csv, study

pytestmark = pytest.mark.slow

SPEC = """\
mmar: mnist_seed
name: mini
total_epochs: 2
seeds: [3]
baseline: {clients: 2, epochs_per_round: 1}
sweeps:
  clients: [1, 2]
"""


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _close(a: str, b: float | None) -> bool:
    if b is None:
        return a == ""
    return math.isclose(float(a), b, rel_tol=1e-9, abs_tol=1e-12)


def _expected(run_dir: Path, epochs_per_round: int) -> list[dict[str, Any]]:
    """The evaluation points, read straight from the run's files."""
    rounds = [r for r in _jsonl(run_dir / "metrics.jsonl") if r.get("phase") != "final"]
    summary = json.loads((run_dir / "summary.json").read_text())
    sizes = {
        p.parent.name: _jsonl(p)[0]["val_samples"]
        for p in (run_dir / "clients").glob("*/metrics.jsonl")
    }

    def loss(per_site: dict[str, dict[str, float]]) -> float:
        total = sum(per_site[s]["val_loss"] * sizes[s] for s in per_site)
        return total / sum(sizes[s] for s in per_site)

    out, wall, moved = [], 0.0, 0
    for k, row in enumerate(rounds):
        out.append(
            {
                "round": k,
                "epoch": k * epochs_per_round,
                "accuracy": row["global_metric"]["value"],
                "loss": loss(row["client_metrics"]),
                "wall_s": wall,
                "bytes": moved,
            }
        )
        wall += row["seconds"]
        moved += row["bytes_down"] + row["bytes_up"]
    cross = json.loads((run_dir / "cross_val_results.json").read_text())
    out.append(
        {
            "round": len(rounds),
            "epoch": len(rounds) * epochs_per_round,
            "accuracy": summary["final_metrics"]["val_acc"],
            "loss": loss({s: m["FL_global_model"] for s, m in cross.items()}),
            "wall_s": wall,
            "bytes": moved,
        }
    )
    return out


def test_a_two_setting_study_writes_csv_plots_report_and_resumes(tmp_path: Path) -> None:
    tiny_seed_mmar(tmp_path, n_train=32, n_val=16)
    spec = tmp_path / "study.yml"
    spec.write_text(SPEC)
    seen: list[Progress] = []
    result = study(spec, tmp_path / "out", jobs=2, on_progress=seen.append)

    assert sorted(p.setting.id for p in seen) == ["c1-e1-all-s3", "c2-e1-all-s3"]
    assert {p.status for p in seen} == {"done"}
    rows = read_csv(result.csv)
    assert list(rows[0]) == list(COLUMNS)
    for setting_id, clients in (("c1-e1-all-s3", 1), ("c2-e1-all-s3", 2)):
        run_dir = tmp_path / "out" / "runs" / setting_id
        mine = [r for r in rows if r["setting"] == setting_id]
        expected = _expected(run_dir, 1)
        assert len(mine) == len(expected) == 3  # initial model, after round 1, final
        plan_hash = json.loads((run_dir / "plan.json").read_text())["sha256"]
        for row, want in zip(mine, expected, strict=True):
            assert int(row["clients"]) == clients and row["epochs_per_round"] == "1"
            assert (row["data_share"], row["share_mode"], row["seed"]) == ("1.0", "all", "3")
            assert (int(row["round"]), int(row["epoch"])) == (want["round"], want["epoch"])
            assert row["metric"] == "val_acc"
            assert _close(row["accuracy"], want["accuracy"]), (row, want)
            assert _close(row["loss"], want["loss"]), (row, want)
            assert math.isclose(float(row["wall_s"]), want["wall_s"], abs_tol=1e-3)
            assert int(row["bytes"]) == want["bytes"]
            assert row["plan_sha256"] == plan_hash
        assert int(mine[-1]["bytes"]) > 0
    assert len({r["plan_sha256"] for r in rows}) == 2

    names = sorted(p.name for p in result.plots)
    assert names == [
        "accuracy_by_clients.png",
        "accuracy_by_clients.svg",
        "final_accuracy_vs_wall.png",
        "final_accuracy_vs_wall.svg",
    ]
    assert all(p.read_bytes()[:4] in (b"\x89PNG", b"<?xm") for p in result.plots)
    page = result.report.read_text()
    assert page.count("data:image/png;base64,") == 2
    for plan_hash in {r["plan_sha256"] for r in rows}:
        assert plan_hash in page
    assert "http://" not in page and "https://" not in page  # self-contained

    again: list[Progress] = []
    before = result.csv.read_text()
    study(spec, tmp_path / "out", jobs=2, on_progress=again.append)
    assert {p.status for p in again} == {"skipped"}
    assert result.csv.read_text() == before
