"""Why the datalist and engine cases fail: the exact error the real libraries raise.

The mutation runner (``tests/mutations``) checks every case's format, that its base lints
clean, that ``lint`` locates it, and that a ``proof: build`` case's mutated MMAR fails to
build/train while its base succeeds. Those proofs say *that* it fails; these say *why*, on
the same mutated copies (:func:`mutations.proof.small_copy`): MONAI's datalist loader names
the missing key, a transform's missing key is a ``KeyError``, the network refuses the
channel count, and a Clara 4.0 output transform breaks on a MONAI 1.x engine's output.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from mutations.proof import base_copy, small_copy
from mutations.runner import Case, load_cases

CASES = [c for c in load_cases(classes=("datalist", "engine")) if c.is_build_proof]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cases")


def _config(case: Case, work: Path) -> tuple[Path, dict[str, Any]]:
    """The mutated copy of ``case`` (a few items of real data) and its parsed config."""
    target = small_copy(case, work / f"proof-{case.id}")
    return target, json.loads((target / case.file).read_text())


def _first_item(root: Path, key: str = "training") -> dict[str, Any]:
    data = json.loads((root / "data" / "dataset.json").read_text())
    item = dict(data[key][0])
    item["image"] = str(root / "data" / item["image"])
    if isinstance(item.get("label"), str):
        item["label"] = str(root / "data" / item["label"])
    return item


def _chain(config: dict[str, Any]) -> Any:
    import monai.transforms

    return monai.transforms.Compose(
        [
            getattr(monai.transforms, t["name"])(**t.get("args", {}))
            for t in config["train"]["pre_transforms"]
        ]
    )


def _cases(code: str) -> list[Case]:
    return [c for c in CASES if c.expect.code == code]


def test_proof_missing_datalist_keys_fail_in_monai(work: Path) -> None:
    from monai.data import load_decathlon_datalist

    for case in _cases("L003"):
        root, config = _config(case, work)
        for section in ("train", "validate"):
            key = config[section]["dataset"]["data_list_key"]
            datalist = str(root / "data" / "dataset.json")
            if key in json.loads(Path(datalist).read_text()):
                continue
            with pytest.raises(ValueError, match=key):
                load_decathlon_datalist(datalist, True, key, str(root / "data"))
            break
        else:
            pytest.fail(f"{case.id}: every key exists")


def test_proof_unknown_transform_keys_fail_in_monai(work: Path) -> None:
    for case in _cases("L012"):
        root, config = _config(case, work)
        base = base_copy(case.base, work / f"base-{case.id}")
        _chain(json.loads((base / case.file).read_text()))(_first_item(base))  # unmutated: fine
        with pytest.raises(RuntimeError) as info:  # MONAI wraps the transform's error
            _chain(config)(_first_item(root))
        assert isinstance(_root_cause(info.value), KeyError), case.id


def _root_cause(exc: BaseException) -> BaseException:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def test_proof_channel_mismatch_fails_in_the_network(work: Path) -> None:
    import torch
    from monai.networks import nets

    for case in _cases("L013"):
        root, config = _config(case, work)
        model = config["train"]["model"]
        if "path" in model:  # the example's own network, from its custom/ folder
            module_name, cls = model["path"].rsplit(".", 1)
            spec = importlib.util.spec_from_file_location(
                module_name, root / "custom" / f"{module_name}.py"
            )
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            network = getattr(module, cls)(**model["args"])
        else:
            network = getattr(nets, model["name"])(**model["args"])
        sample = _chain(config)(_first_item(root))
        image = (sample[0] if isinstance(sample, list) else sample)["image"]
        with pytest.raises(RuntimeError, match="channels"):
            network(torch.as_tensor(image)[None])


@cache
def _engine_output() -> tuple[Any, Any]:
    """The output and batch a real MONAI 1.6 SupervisedTrainer hands its handlers."""
    import torch
    from ignite.engine import Events
    from monai.engines import SupervisedTrainer
    from monai.handlers import from_engine

    seen: dict[str, Any] = {}
    data = [{"image": torch.rand(1, 4), "label": torch.tensor([1])} for _ in range(2)]
    network = torch.nn.Linear(4, 2)
    trainer = SupervisedTrainer(
        device=torch.device("cpu"),
        max_epochs=1,
        train_data_loader=torch.utils.data.DataLoader(data, batch_size=2),
        network=network,
        optimizer=torch.optim.SGD(network.parameters(), lr=0.1),
        loss_function=lambda pred, label: torch.nn.functional.cross_entropy(
            pred.view(-1, 2), label.view(-1)
        ),
    )

    def capture(engine: Any) -> None:
        seen.update(output=engine.state.output, batch=engine.state.batch)

    trainer.add_event_handler(Events.ITERATION_COMPLETED, capture)
    trainer.run()
    assert from_engine(["loss"], first=True)(seen["output"]) is not None
    return seen["output"], seen["batch"]


def _evaluate(text: str) -> Any:
    import monai

    return eval(text.removeprefix("#"), {"monai": monai})  # test-only: the case's own text


def test_proof_clara40_output_transforms_fail_on_decollated_output() -> None:
    output, batch = _engine_output()
    for case in _cases("L014"):
        new = case.mutate[0].new
        old = case.mutate[0].old
        arg = "batch_transform" if "batch_transform" in new else "output_transform"
        given = batch if arg == "batch_transform" else output
        written = json.loads("{" + new.rsplit(f'"{arg}":', 1)[1].join(['"x":', ""]) + "}")["x"]
        original = json.loads("{" + old.rsplit(f'"{arg}":', 1)[1].join(['"x":', ""]) + "}")["x"]
        _evaluate(original)(given)  # the 4.1 form works on the real engine output
        with pytest.raises((TypeError, KeyError, AttributeError)):
            _evaluate(written)(given)
