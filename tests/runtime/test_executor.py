"""The plan executor: building from plan fixtures, short runs, resume, evaluate, errors.

Runs use a copy of examples/digits_cnn with a tiny datalist (a few dozen real digits) so
the whole file stays fast on two CPU cores.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from helpers import EXAMPLES, load_plan, plan_of, with_epochs
from mmarc.runtime.events import RunEvent
from mmarc.runtime.executor import (
    ExecutorError,
    build_training,
    evaluate,
    get_weights,
    run_local,
    set_weights,
)
from mmarc.runtime.executor.builder import Builder
from mmarc.runtime.executor.metrics_log import read_metrics

from mmarc.plan import Plan, PlanError, plan_from_document

# -- fixtures match the format and the examples ----------------------------------------


@pytest.mark.parametrize("name", ["digits_cnn", "spleen_synth"])
def test_plan_fixtures_follow_the_format(name: str) -> None:
    plan = load_plan(name)
    assert plan["plan_format"] == 1
    assert plan["mmar_name"] == name
    body = {k: v for k, v in plan.items() if k != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == plan["sha256"]
    for rel, digest in plan["custom"].items():
        actual = hashlib.sha256((EXAMPLES / name / rel).read_bytes()).hexdigest()
        assert actual == digest, f"{rel} changed: regenerate the plan fixture"
    from mmarc.runtime.executor.evaluator import check_plan_expressions

    assert check_plan_expressions(plan)  # every expression passes the restricted checker


@pytest.mark.parametrize("name", ["digits_cnn", "spleen_synth"])
def test_plan_fixtures_are_what_mmarc_compile_produces(name: str) -> None:
    api = pytest.importorskip("mmarc.api")
    if not hasattr(api, "compile_plan"):
        pytest.skip("this mmarc has no compiler")
    compiled = api.compile_plan(EXAMPLES / name).plan
    assert compiled is not None, f"examples/{name} no longer compiles"
    assert compiled.document == load_plan(name), f"regenerate tests/fixtures/plans/{name}.plan.json"


# -- building --------------------------------------------------------------------------


def test_build_shares_objects_and_injects_device(digits_root: Path) -> None:
    plan = load_plan("digits_cnn")
    plan["train"]["trainer"]["args"]["amp"] = True  # AMP is honoured only on CUDA
    t = build_training(plan_of(plan), digits_root, "cpu")
    b = t.builder
    assert t.network is b.obj("/train/model")
    assert t.trainer.network is t.evaluator.network
    assert t.evaluator is b.obj("/validate/evaluator")
    # {"ref": ptr} re-uses the very object built at ptr
    assert b.obj("/validate/pre_transforms/0") is b.obj("/train/pre_transforms/0")
    # the optimizer got the network's parameters via "#@model.parameters()"
    params = {id(p) for g in t.optimizer.param_groups for p in g["params"]}
    assert params == {id(p) for p in t.network.parameters()}
    assert t.lr_scheduler is b.obj("/train/lr_scheduler")
    assert t.trainer.state.device == torch.device("cpu")
    assert t.trainer.amp is False
    assert sum(p.numel() for p in t.network.parameters()) == 1_608_778
    # key metric under its log_label; CheckpointSaver is carried out by the executor
    assert list(t.evaluator.state.metrics) == [] and t.evaluator.state.key_metric_name == "val_acc"
    assert [s.pointer for s in b.savers("validate")] == ["/validate/handlers/1"]
    # the disabled CheckpointLoader was not built
    assert b.obj("/train/handlers/0") is None


def _bare_plan(train: dict[str, Any]) -> Plan:
    envelope = {k: v for k, v in load_plan("digits_cnn").items() if k != "sha256"}
    bare = {"train": train, "validate": {}, "evaluate": None, "custom": {}}
    return Plan.sealed({**envelope, **bare})


def _component(path: str, args: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    comp = {"path": path, "custom": False, "name": None, "alias": None, "args": args or {}}
    comp.update({"disabled": False, "rank": None, "log_label": None, **extra})
    return comp


def test_reference_cycle_is_reported(tmp_path: Path) -> None:
    plan = _bare_plan(
        {
            "a": _component("monai.transforms.Compose", {"transforms": {"@ref": "/train/b"}}),
            "b": _component("monai.transforms.Compose", {"transforms": {"@ref": "/train/a"}}),
        }
    )
    b = Builder(plan, tmp_path, torch.device("cpu"))
    with pytest.raises(ExecutorError, match=r"reference cycle: /train/a -> /train/b -> /train/a"):
        b.obj("/train/a")


def test_memoised_by_pointer_and_disabled_or_other_rank_skipped(tmp_path: Path) -> None:
    plan = _bare_plan(
        {
            "model": _component(
                "monai.networks.nets.FullyConnectedNet",
                {"in_channels": 2, "out_channels": 3, "hidden_channels": [4]},
            ),
            "handlers": [
                _component("monai.transforms.Identity", disabled=True),
                _component("monai.transforms.Identity", rank=1),
                _component("monai.transforms.Identity", rank=0),
            ],
            "reuse": {"ref": "/train/model"},
        }
    )
    b = Builder(plan, tmp_path, torch.device("cpu"))
    assert b.ref("/train/reuse") is b.ref("/train/model")
    assert len(b.ref("/train/handlers")) == 1


@pytest.mark.parametrize("path", ["os.system", "builtins.eval", "torch.load", "subprocess.Popen"])
def test_classes_outside_the_catalog_are_refused(tmp_path: Path, path: str) -> None:
    plan = _bare_plan({"model": _component(path, {"args": "touch x"})})
    with pytest.raises(
        ExecutorError, match=r"^/train/model: class .* not in the component catalog"
    ):
        Builder(plan, tmp_path, torch.device("cpu"))


def test_custom_class_needs_the_custom_flag_and_a_matching_hash(digits_root: Path) -> None:
    plan = load_plan("digits_cnn")
    plan["train"]["model"]["custom"] = False
    with pytest.raises(ExecutorError, match=r"^/train/model: class 'digits_net.DigitsCNN'"):
        build_training(plan_of(plan), digits_root)
    plan = load_plan("digits_cnn")
    plan["custom"]["custom/digits_net.py"] = "0" * 64
    with pytest.raises(ExecutorError, match=r"^/custom/custom~1digits_net.py: .*differs"):
        build_training(plan_of(plan), digits_root)
    plan = load_plan("digits_cnn")
    plan["custom"] = {"custom/other.py": "0" * 64}
    with pytest.raises(ExecutorError, match=r"missing here"):
        build_training(plan_of(plan), digits_root)


def test_datalist_problems_name_the_dataset_pointer(digits_root: Path) -> None:
    plan = load_plan("digits_cnn")
    plan["train"]["dataset"]["data_list_key"] = "testing"
    with pytest.raises(ExecutorError, match=r"^/train/dataset: .*no key 'testing'.*'training'"):
        build_training(plan_of(plan), digits_root)
    shutil.rmtree(digits_root / "data")
    with pytest.raises(ExecutorError, match=r"^/train/dataset: datalist .* does not exist"):
        build_training(plan_of(load_plan("digits_cnn")), digits_root)


def test_expression_failures_name_their_pointer(digits_root: Path) -> None:
    plan = load_plan("digits_cnn")
    plan["train"]["optimizer"]["args"]["params"]["@expr"] = "@model.named_parameters()[0]"
    with pytest.raises(
        ExecutorError, match=r"^/train/optimizer/args/params: evaluating .*TypeError"
    ):
        build_training(plan_of(plan), digits_root)


def test_wrong_plan_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"^plan: /plan_format: 2 is not supported"):
        plan_from_document({"plan_format": 2})


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_gives_the_clear_error(digits_root: Path) -> None:
    with pytest.raises(ExecutorError) as info:
        run_local(plan_of(load_plan("digits_cnn")), digits_root, device="cuda")
    assert str(info.value) == (
        "CUDA was requested but torch.cuda.is_available() is false on this machine; "
        "use --device cpu"
    )


# -- running ---------------------------------------------------------------------------


def test_run_local_one_epoch_writes_metrics_and_checkpoints(digits_root: Path) -> None:
    heard: list[RunEvent] = []  # what a progress bar or a web UI subscribes to
    result = run_local(
        plan_of(with_epochs(load_plan("digits_cnn"), 1)), digits_root, on_event=heard.append
    )
    kinds = [e.kind for e in heard]
    assert kinds == ["train_start", "iteration", "iteration", "metric", "train_end"], kinds
    assert dict(heard[0].fields) == {"total_epochs": 1, "epoch_length": 2, "done_epochs": 0}
    assert heard[3].get("name") == "val_acc" and heard[3].get("value") == result.best_value
    models = digits_root / "models"
    assert result.epochs == 1 and result.iterations == 2  # 48 images, batch 32
    rows = read_metrics(models / "metrics.jsonl")
    assert len(rows) == 1
    assert rows[0]["epoch"] == 1 and rows[0]["iteration"] == 2
    assert {"train_loss", "train_acc", "val_acc"} <= set(rows[0])
    assert 0.0 <= rows[0]["val_acc"] <= 1.0
    assert result.best_metric == "val_acc" and result.best_epoch == 1
    final = torch.load(models / "model.pt", weights_only=True)
    assert {"model", "optimizer", "lr_scheduler", "trainer", "best"} <= set(final)
    assert final["trainer"] == {"epoch": 1, "iteration": 2, "epoch_length": 2}
    best = torch.load(models / "best_model.pt", weights_only=True)
    assert set(best) >= {"model", "best"}
    assert not [p for p in models.iterdir() if p.name.startswith(".")]  # no temp files left


def test_resume_continues_from_the_checkpoint(digits_root: Path) -> None:
    first = run_local(plan_of(with_epochs(load_plan("digits_cnn"), 1)), digits_root)
    saved = torch.load(first.model_path, weights_only=True)
    result = run_local(plan_of(with_epochs(load_plan("digits_cnn"), 2)), digits_root, resume=True)
    assert result.resumed_from == first.model_path
    assert result.epochs == 2 and result.iterations == 4
    rows = read_metrics(result.metrics_path)
    assert [r["epoch"] for r in rows] == [1, 2]  # appended, epoch 1 not trained again
    final = torch.load(result.model_path, weights_only=True)
    assert final["trainer"]["epoch"] == 2
    assert final["optimizer"]["state"][0]["step"] == saved["optimizer"]["state"][0]["step"] + 2


def test_checkpoint_loader_semantics(digits_root: Path) -> None:
    plan = with_epochs(load_plan("digits_cnn"), 1)
    plan["train"]["handlers"][0]["disabled"] = False  # dont_load_ckpt_model: false
    with pytest.raises(ExecutorError, match=r"^/train/handlers/0: CheckpointLoader load_path"):
        run_local(plan_of(plan), digits_root)
    run_local(plan_of(with_epochs(load_plan("digits_cnn"), 1)), digits_root)
    saved = torch.load(digits_root / "models" / "model.pt", weights_only=True)["model"]
    t = build_training(plan_of(plan), digits_root)
    from mmarc.runtime.executor.resume import restore

    restored = restore(t, plan_of(plan), digits_root.resolve(), None)
    assert restored.path is not None and restored.path.name == "model.pt"
    assert restored.epochs == 0  # load_dict has only the model: weights, not progress
    for k, v in t.network.state_dict().items():
        assert torch.equal(v, saved[k])


def test_evaluate_with_a_checkpoint_writes_metrics_json(digits_root: Path) -> None:
    plan = with_epochs(load_plan("digits_cnn"), 1)
    result = run_local(plan_of(plan), digits_root)
    metrics = evaluate(plan_of(plan), digits_root, result.model_path)
    assert set(metrics) == {"val_acc"}
    assert metrics["val_acc"] == pytest.approx(result.metrics["val_acc"])
    written = json.loads((digits_root / "eval" / "metrics.json").read_text())
    assert written == metrics
    # without a checkpoint the config's model loader (ckpt_path best_model.pt) is used
    assert evaluate(plan_of(plan), digits_root) == pytest.approx(metrics)
    plan["evaluate"]["model"][1]["disabled"] = True
    with pytest.raises(ExecutorError, match=r"^/evaluate/model: every model loader is disabled"):
        evaluate(plan_of(plan), digits_root)


def test_weights_round_trip_and_more_epochs(digits_root: Path) -> None:
    t = build_training(plan_of(with_epochs(load_plan("digits_cnn"), 1)), digits_root)
    before = get_weights(t.network)
    assert all(v.device.type == "cpu" for v in before.values())
    t.run_epochs(1)
    t.run_epochs(1)
    assert t.trainer.state.epoch == 2
    changed = get_weights(t.network)
    assert any(not torch.equal(before[k], changed[k]) for k in before)
    set_weights(t.network, before)
    assert all(torch.equal(before[k], v) for k, v in get_weights(t.network).items())
    with pytest.raises(ExecutorError, match="do not fit"):
        set_weights(t.network, {"nope": torch.zeros(1)})
