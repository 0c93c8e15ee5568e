"""The mutation cases of classes datalist, engine and provisioning, run and proven here.

Each case (``tests/mutations/cases/<class>/<id>.yml``, the corpus format) is applied to a
copy of its base; ``lint`` must report it at the recorded line, and the unmutated bases
must lint without errors or warnings. The ``build`` proofs use the real libraries: MONAI
reads the datalist (``load_decathlon_datalist``), MONAI transforms run on the first item,
the network takes the transformed image, and the output transforms run on the output of a
real one-iteration ``SupervisedTrainer``. The other cases cite their rule.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO, tiny_digits

from mmarc import api
from mmarc.diagnostics import Severity

CASES = REPO / "tests" / "mutations" / "cases"
CLASSES = ("datalist", "engine", "provisioning")
FIELDS = ["id", "class", "summary", "base", "file", "mutate", "expect", "proof", "prepare"]


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


ALL = [_load(p) for c in CLASSES for p in sorted((CASES / c).glob("*.yml"))]
BY_ID = {c["id"]: c for c in ALL}


@cache
def _prepared(base: str, root: Path) -> Path:
    """A copy of an example with small real data (digits: real scans; spleen: NIfTI)."""
    name = Path(base).name
    if name.startswith("digits"):
        return tiny_digits(root / "prepared", n_train=8, n_val=4).replace(root / name)
    target = root / name
    shutil.copytree(REPO / base, target, ignore=shutil.ignore_patterns("data", "models"))
    spec = importlib.util.spec_from_file_location(
        "spleen_prepare", REPO / "examples/spleen_synth/prepare.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.prepare(target / "data", 2, 1, 34)
    return target


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cases")


def _copy(case: dict[str, Any], work: Path) -> Path:
    """The case's base copied under ``work/<id>`` (data linked in), unmutated."""
    base = (REPO / case["base"]).resolve()
    dest = work / case["id"]
    if base.is_file():
        dest.mkdir()
        shutil.copy(base, dest / base.name)
        return dest / base.name
    source = _prepared(case["base"], work) if case["prepare"] else base
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("data", "models", "eval"))
    if (source / "data").is_dir():
        os.symlink(source / "data", dest / "data")
    return dest


def _mutated(case: dict[str, Any], work: Path) -> Path:
    target = _copy(case, work)
    path = target / case["file"] if case["file"] else target
    text = path.read_text(encoding="utf-8")
    for step in case["mutate"]:
        assert text.count(step["old"]) == 1, step["old"]
        text = text.replace(step["old"], step["new"])
    path.write_text(text, encoding="utf-8")
    return target


def test_cases_follow_the_corpus_format() -> None:
    assert len(ALL) >= 25
    for case in ALL:
        assert list(case) == FIELDS, case.get("id")
        assert case["proof"] == "build" or case["proof"].startswith("rule: "), case["id"]
    assert len(BY_ID) == len(ALL)
    codes = {c["expect"]["code"] for c in ALL}
    # every sub-class: key exists, phase, keys through the chain, channels; engine; rules
    assert {"L003", "L011", "L012", "L013", "L014", "F002", "F003", "F004", "F005"} <= codes


@pytest.mark.parametrize("base", sorted({(c["base"], c["prepare"]) for c in ALL}))
def test_unmutated_bases_lint_clean(base: tuple[str, bool], work: Path) -> None:
    case = {"id": f"base-{len(list(work.iterdir()))}", "base": base[0], "prepare": base[1]}
    target = _copy(case, work)
    found = [d for d in api.lint(target).diagnostics if d.severity is not Severity.INFO]
    assert found == []


@pytest.mark.parametrize("case_id", sorted(BY_ID))
def test_lint_reports_the_case_at_its_line(case_id: str, work: Path) -> None:
    case = BY_ID[case_id]
    target = _mutated(case, work)
    expect = case["expect"]
    where = (target / expect["file"]).resolve() if expect["file"] else target.resolve()
    found = [
        (d.code, d.line) for d in api.lint(target).diagnostics if Path(d.file).resolve() == where
    ]
    assert (expect["code"], expect["line"]) in found, found


# -- build proofs ----------------------------------------------------------------------------


def _config(case: dict[str, Any], work: Path) -> tuple[Path, dict[str, Any]]:
    target = _mutated(case, work / "proofs")
    return target, json.loads((target / case["file"]).read_text())


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


def _cases(code: str) -> list[dict[str, Any]]:
    return [c for c in ALL if c["expect"]["code"] == code and c["proof"] == "build"]


def test_proof_missing_datalist_keys_fail_in_monai(work: Path) -> None:
    from monai.data import load_decathlon_datalist

    (work / "proofs").mkdir(exist_ok=True)
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
            pytest.fail(f"{case['id']}: every key exists")


def test_proof_unknown_transform_keys_fail_in_monai(work: Path) -> None:
    (work / "proofs").mkdir(exist_ok=True)
    for case in _cases("L012"):
        root, config = _config(case, work)
        base = _prepared(case["base"], work)
        _chain(json.loads((base / case["file"]).read_text()))(_first_item(base))  # unmutated: fine
        with pytest.raises(RuntimeError) as info:  # MONAI wraps the transform's error
            _chain(config)(_first_item(root))
        assert isinstance(_root_cause(info.value), KeyError), case["id"]


def _root_cause(exc: BaseException) -> BaseException:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def test_proof_channel_mismatch_fails_in_the_network(work: Path) -> None:
    import torch
    from monai.networks import nets

    (work / "proofs").mkdir(exist_ok=True)
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
        new = case["mutate"][0]["new"]
        old = case["mutate"][0]["old"]
        arg = "batch_transform" if "batch_transform" in new else "output_transform"
        given = batch if arg == "batch_transform" else output
        written = json.loads("{" + new.rsplit(f'"{arg}":', 1)[1].join(['"x":', ""]) + "}")["x"]
        original = json.loads("{" + old.rsplit(f'"{arg}":', 1)[1].join(['"x":', ""]) + "}")["x"]
        _evaluate(original)(given)  # the 4.1 form works on the real engine output
        with pytest.raises((TypeError, KeyError, AttributeError)):
            _evaluate(written)(given)
