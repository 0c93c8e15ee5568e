"""Ctrl-C during `run --local`: a real subprocess gets SIGINT mid-run (once, or twice in a
row) and must leave a checkpoint that loads, exit with status 130 and a clean message,
and be resumable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from helpers import load_plan, plan_of, tiny_digits, with_epochs
from mmarc.runtime.executor import run_local
from mmarc.runtime.executor.metrics_log import read_metrics

CHILD = """
import sys
from pathlib import Path
from mmarc.plan import load_plan
from mmarc.runtime.executor import RunInterrupted, run_local
plan = load_plan(Path(sys.argv[1]))
try:
    run_local(plan, Path(sys.argv[2]))
except RunInterrupted as exc:
    print("INTERRUPTED:", exc, flush=True)
    sys.exit(exc.exit_code)
print("FINISHED", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery to a child needs POSIX")
@pytest.mark.parametrize("signals", [1, 2], ids=["ctrl-c", "ctrl-c-twice"])
def test_sigint_leaves_a_consistent_checkpoint(tmp_path: Path, signals: int) -> None:
    root = tiny_digits(tmp_path)
    plan_file = tmp_path / "plan.json"
    plan_file.write_bytes(plan_of(with_epochs(load_plan("digits_cnn"), 500)).to_json())
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
            if signals == 2:  # the impatient user; either outcome must leave a whole file
                time.sleep(0.05)  # two signals too close together reach Python as one
                child.send_signal(signal.SIGINT)
            code = child.wait(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
    log = out_file.read_text()
    assert "INTERRUPTED:" in log, log[-2000:]
    if signals == 1:
        assert code == 130 and "Traceback" not in log, log[-2000:]
    else:  # the second signal may land after run_local returned, in the child's own exit
        assert code in (130, -signal.SIGINT), log[-2000:]
    models = root / "models"
    assert not [p.name for p in models.iterdir() if p.name.startswith(".")]  # no temp files
    ckpt = torch.load(models / "model.pt", weights_only=True)
    done = ckpt["trainer"]["epoch"]
    assert done >= 2
    assert ckpt["trainer"]["iteration"] == done * ckpt["trainer"]["epoch_length"]
    torch.load(models / "best_model.pt", weights_only=True)

    resumed = run_local(plan_of(with_epochs(load_plan("digits_cnn"), done + 1)), root, resume=True)
    assert resumed.epochs == done + 1


def test_an_abort_mid_iteration_keeps_the_last_whole_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KeyboardInterrupt inside an iteration (the second Ctrl-C): no half-stepped save."""
    from ignite.engine import Events
    from mmarc.runtime.executor import RunInterrupted, local

    root = tiny_digits(tmp_path)
    real_build = local.build_training

    def build_with_abort(*args: object, **kwargs: object) -> local.Training:
        training = real_build(*args, **kwargs)  # type: ignore[arg-type]

        @training.trainer.on(Events.ITERATION_COMPLETED(once=3))  # mid epoch 2 (2 per epoch)
        def abort(_: object) -> None:
            raise KeyboardInterrupt

        return training

    monkeypatch.setattr(local, "build_training", build_with_abort)
    with pytest.raises(RunInterrupted, match="aborted; the checkpoint of the last completed"):
        run_local(plan_of(with_epochs(load_plan("digits_cnn"), 5)), root)
    ckpt = torch.load(root / "models" / "model.pt", weights_only=True)
    assert ckpt["trainer"] == {"epoch": 1, "iteration": 2, "epoch_length": 2}
