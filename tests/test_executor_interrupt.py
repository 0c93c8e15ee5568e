"""Ctrl-C during `run --local`: a real subprocess gets SIGINT mid-run and must leave a
checkpoint that loads, exit with status 130 and a clean message, and be resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from mmarc.runtime.executor import run_local
from mmarc.runtime.executor.metrics_log import read_metrics
from test_executor import load_plan, tiny_digits, with_epochs

CHILD = """
import json, sys
from pathlib import Path
from mmarc.runtime.executor import RunInterrupted, run_local
plan = json.loads(Path(sys.argv[1]).read_text())
try:
    run_local(plan, Path(sys.argv[2]), progress=False)
except RunInterrupted as exc:
    print("INTERRUPTED:", exc, flush=True)
    sys.exit(exc.exit_code)
print("FINISHED", flush=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery to a child needs POSIX")
def test_sigint_leaves_a_consistent_checkpoint(tmp_path: Path) -> None:
    root = tiny_digits(tmp_path)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(with_epochs(load_plan("digits_cnn"), 500)))
    metrics = root / "models" / "metrics.jsonl"
    out_file = tmp_path / "child.log"
    with open(out_file, "w") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(plan_file), str(root)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and child.poll() is None:
                if metrics.exists() and len(read_metrics(metrics)) >= 2:
                    break
                time.sleep(0.05)
            assert child.poll() is None, out_file.read_text()[-2000:]
            child.send_signal(signal.SIGINT)
            code = child.wait(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
    log = out_file.read_text()
    assert code == 130, log[-2000:]
    assert "INTERRUPTED:" in log and "Traceback" not in log
    models = root / "models"
    assert not [p.name for p in models.iterdir() if p.name.startswith(".")]  # no temp files
    ckpt = torch.load(models / "model.pt", weights_only=True)
    done = ckpt["trainer"]["epoch"]
    assert done >= 2
    assert ckpt["trainer"]["iteration"] == done * ckpt["trainer"]["epoch_length"]
    torch.load(models / "best_model.pt", weights_only=True)

    resumed = run_local(
        with_epochs(load_plan("digits_cnn"), done + 1), root, resume=True, progress=False
    )
    assert resumed.epochs == done + 1
