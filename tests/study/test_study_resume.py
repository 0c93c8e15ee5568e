"""What a study does with a setting's old run folder before running it again."""

from __future__ import annotations

import json
from pathlib import Path

from mmarc.study.runner import MARKER, _clear


def test_a_run_finished_with_another_plan_is_kept_beside(tmp_path: Path) -> None:
    run_dir = tmp_path / "c8-e2-all-s0"
    run_dir.mkdir()
    (run_dir / MARKER).write_text(json.dumps({"plan_sha256": "ab12" * 16}))
    (run_dir / "metrics.jsonl").write_text("{}\n")
    _clear(run_dir)
    assert not run_dir.exists()
    kept = tmp_path / "c8-e2-all-s0.plan-ab12ab12ab12"
    assert (kept / "metrics.jsonl").read_text() == "{}\n"


def test_a_half_done_run_is_removed(tmp_path: Path) -> None:
    run_dir = tmp_path / "c8-e2-all-s0"
    (run_dir / "logs").mkdir(parents=True)
    _clear(run_dir)
    assert list(tmp_path.iterdir()) == []


def test_a_hostile_marker_names_no_path(tmp_path: Path) -> None:
    run_dir = tmp_path / "c1-e1-all-s0"
    run_dir.mkdir()
    (run_dir / MARKER).write_text(json.dumps({"plan_sha256": "../../etc"}))
    _clear(run_dir)
    assert list(tmp_path.iterdir()) == []
