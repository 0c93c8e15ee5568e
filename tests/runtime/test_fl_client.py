"""The client's glue to the plan executor: weights in and out, local epochs or steps,
validation, filters with Clara's local-steps scaling. In process, on a tiny datalist."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import load_plan, plan_of, tiny_digits, with_epochs
from mmarc.runtime.client.loop import _apply
from mmarc.runtime.client.site import with_datalist
from mmarc.runtime.client.trainer import ClientTrainer, ModelReaderWriter
from mmarc.runtime.client.validator import ClientValidator
from mmarc.runtime.executor import ExecutorError, build_training
from mmarc.runtime.filters import ExcludeVars, PercentilePrivacy


@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> object:
    root = tiny_digits(tmp_path_factory.mktemp("fl-client"), n_train=24, n_val=8)
    return build_training(plan_of(with_epochs(load_plan("digits_cnn"), 1)), root)


def test_weights_go_in_and_the_difference_comes_out(training: object) -> None:
    rw = ModelReaderWriter(training.network)  # type: ignore[attr-defined]
    start = rw.weights()
    shifted = {k: v + 1 for k, v in start.items()}
    rw.load(shifted)
    diff = rw.difference(start)
    assert all(np.allclose(d, 1) for d in diff.values())
    partial = {"classifier.3.bias": np.zeros(10, dtype=np.float32)}
    rw.load(partial)  # a variable the server did not send keeps its local value
    assert np.allclose(rw.weights()["classifier.3.bias"], 0)
    assert np.allclose(rw.weights()["classifier.3.weight"], shifted["classifier.3.weight"])
    with pytest.raises(ExecutorError, match="does not have"):
        rw.load({"nope": np.zeros(1, dtype=np.float32)})
    with pytest.raises(ExecutorError, match="is \\[3\\] from the server"):
        rw.load({"classifier.3.bias": np.zeros(3, dtype=np.float32)})
    rw.load(start)


def test_the_difference_reuses_the_arrays_of_the_last_round(training: object) -> None:
    rw = ModelReaderWriter(training.network)  # type: ignore[attr-defined]
    start = rw.weights()
    buffers: dict[str, np.ndarray] = {}
    rw.load({k: v + 1 for k, v in start.items()})
    first = rw.difference(start, out=buffers)
    assert set(buffers) == set(start) and all(first[k] is buffers[k] for k in start)
    rw.load({k: v - 2 for k, v in start.items()})
    second = rw.difference(start, out=buffers)
    assert all(second[k] is first[k] for k in start)  # same memory, written in place
    assert all(np.allclose(d, -2) for d in second.values())
    # an array that no longer fits (another shape) is replaced, not written past its end
    name = "classifier.3.bias"
    buffers[name] = np.zeros(3, dtype=np.float32)
    third = rw.difference(start, out=buffers)
    assert third[name].shape == (10,) and buffers[name] is third[name]
    assert np.allclose(third[name], -2)
    rw.load(start)


def test_local_epochs_and_steps_aggregation(training: object) -> None:
    t = training
    by_epoch = ClientTrainer(t, local_epochs=2)  # type: ignore[arg-type]
    first = by_epoch.train()
    assert first.steps == 2 * t.epoch_length  # type: ignore[attr-defined]
    assert "val_acc" in first.metrics  # the plan's ValidationHandler ran on the local model
    by_steps = ClientTrainer(t, steps_aggregation=3)  # type: ignore[arg-type]
    before = int(t.trainer.state.iteration)  # type: ignore[attr-defined]
    assert [by_steps.train().steps for _ in range(3)] == [3, 3, 3]  # across epoch borders
    assert int(t.trainer.state.iteration) == before + 9  # type: ignore[attr-defined]
    by_steps.close()  # ends the suspended epoch quietly


def test_validator_judges_given_weights(training: object) -> None:
    validator = ClientValidator(training)  # type: ignore[arg-type]
    assert validator.available and validator.key_metric == "val_acc" and validator.samples == 8
    rw = ModelReaderWriter(training.network)  # type: ignore[attr-defined]
    zeros = {k: np.zeros_like(v) for k, v in rw.weights().items()}
    metrics = validator.validate(zeros)
    assert set(metrics) == {"val_acc"}
    assert all(torch.count_nonzero(p) == 0 for p in training.network.parameters())  # type: ignore[attr-defined]


def test_outbound_filters_get_the_local_steps() -> None:
    diff = {"w": np.linspace(-1, 1, 101).astype(np.float32), "dummy": np.ones(2, np.float32)}
    chain = [ExcludeVars("dummy"), PercentilePrivacy(percentile=50, gamma=0.5)]
    out = _apply(chain, diff, steps=10)
    assert set(out) == {"w"}
    # scaled by 1/10 before clipping at gamma 0.5, then back: nothing is clipped
    assert np.abs(out["w"]).max() == pytest.approx(1.0)
    unscaled = _apply(chain, diff, steps=None)
    assert np.abs(unscaled["w"]).max() == pytest.approx(0.5)


def test_site_datalist_trains_on_the_sites_own_items(tmp_path: Path) -> None:
    import json

    root = tiny_digits(tmp_path, n_train=16, n_val=8)
    doc = json.loads((root / "data" / "dataset.json").read_text())
    mine = {"training": doc["training"][:4], "validation": doc["validation"][:2]}
    (tmp_path / "site.json").write_text(json.dumps(mine))
    plan = with_datalist(plan_of(with_epochs(load_plan("digits_cnn"), 1)), tmp_path / "site.json")
    t = build_training(plan, root)
    assert len(t.trainer.data_loader.dataset) == 4
    assert ClientValidator(t).samples == 2
