"""A site's epoch counter, optimizer state and LR schedule continue across rounds, and a
site that starts late (restarted, resumed federation) catches up with the schedule.

Real MONAI trainers built from the tiny digits_fl plan, with StepLR halving the LR every
epoch so that any reset or skipped step shows in the learning rate.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from helpers import tiny_fl_mmar
from mmarc.runtime.client.trainer import ClientTrainer
from mmarc.runtime.executor import build_training

from mmarc import api

LR = 0.001


@pytest.fixture
def fl_root(tmp_path: Path) -> Path:
    root = tiny_fl_mmar(tmp_path, n_train=16, n_val=8)
    path = root / "config" / "config_train.json"
    config = json.loads(path.read_text())
    config["train"]["lr_scheduler"]["args"].update({"step_size": 1, "gamma": 0.5})
    path.write_text(json.dumps(config))
    return root


def _trainer(root: Path, local_epochs: int) -> ClientTrainer:
    _, plan = api.compiled_or_raise(root)
    return ClientTrainer(build_training(plan, root), local_epochs=local_epochs)


def _lr(site: ClientTrainer) -> float:
    assert site.training.optimizer is not None
    return float(site.training.optimizer.param_groups[0]["lr"])


def _adam_steps(site: ClientTrainer) -> int:
    assert site.training.optimizer is not None
    states = site.training.optimizer.state.values()
    return int(max(float(torch.as_tensor(s["step"])) for s in states))


def test_epochs_optimizer_and_schedule_continue_across_rounds(fl_root: Path) -> None:
    site = _trainer(fl_root, local_epochs=2)
    length = site.training.epoch_length
    for completed in range(3):
        site.train(completed_rounds=completed)
        epochs = 2 * (completed + 1)
        assert site.training.trainer.state.epoch == epochs
        assert _lr(site) == pytest.approx(LR * 0.5**epochs)
        assert _adam_steps(site) == epochs * length


def test_a_site_that_starts_late_catches_up_with_the_schedule(fl_root: Path) -> None:
    late = _trainer(fl_root, local_epochs=2)
    length = late.training.epoch_length
    assert late.catch_up(2) == 4  # a client restarted after 2 completed rounds
    assert late.catch_up(2) == 0  # only once, and never backwards
    assert late.catch_up(1) == 0
    late.train(completed_rounds=2)
    assert late.training.trainer.state.epoch == 6
    assert late.training.trainer.state.iteration == 6 * length
    assert _lr(late) == pytest.approx(LR * 0.5**6)  # where a site that never left is
    assert _adam_steps(late) == 2 * length  # its optimizer moments start again
