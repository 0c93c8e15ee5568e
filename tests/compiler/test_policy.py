"""The trust policy (mmarc.policy) in both directions, in the compiler and the executor.

Refused: every attack class (by-name arguments that run what they name, frame/code
introspection, dunders, format strings, getattr-style builtins, arithmetic DoS), by
``mmarc validate`` as a located error and by the executor before it builds anything.
Accepted: every expression and by-name argument value of the Clara/NVFlare corpus and of
mmarc's examples.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from helpers import plan_of
from ignite.engine import Engine
from mmarc.runtime.executor import ExecutorError, build_training
from mmarc.runtime.executor.builder import Builder
from mmarc.runtime.executor.evaluator import compile_expression

from mmarc import api
from mmarc.catalog import load_catalog
from mmarc.catalog.by_name import scan_constructor
from mmarc.policy import (
    ExpressionError,
    check_by_name,
    check_expression,
    expression_in,
    parse_expression,
)

REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "tests" / "fixtures" / "plans" / "digits_cnn.plan.json"
TARGET = "/train/optimizer/args/params"


def _shared_corpus() -> Path | None:
    """The shared Clara/NVFlare corpus (``../shared/corpus`` beside the checkout)."""
    for parent in REPO.parents:
        candidate = parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return None


def _plan() -> dict[str, Any]:
    plan: dict[str, Any] = json.loads(PLAN.read_text(encoding="utf-8"))
    return plan


@pytest.fixture
def no_building(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every component the builder starts to build (must stay empty)."""
    built: list[str] = []
    original = Builder._build_component

    def spy(self: Builder, comp: Any, pointer: str) -> Any:
        built.append(pointer)
        return original(self, comp, pointer)

    monkeypatch.setattr(Builder, "_build_component", spy)
    return built


# -- finding 1: by-name arguments ----------------------------------------------------


def test_the_by_name_attack_is_real_in_monai(tmp_path: Path) -> None:
    """Why the policy exists: MONAI itself runs what ``reader`` names (issue 10, finding 1)."""
    from monai.transforms import LoadImaged

    marker = tmp_path / "ran"
    # MONAI only warns that os.system's return value is no ImageReader
    with pytest.warns(UserWarning, match="reader should inherit ImageReader"):
        LoadImaged(keys=["image"], reader="os.system", command=f"touch {marker}")
    assert marker.exists()


def test_validate_reports_a_by_name_argument_outside_its_list(tmp_path: Path) -> None:
    mmar = tmp_path / "mmar"
    shutil.copytree(REPO / "examples" / "spleen_synth", mmar)
    config = mmar / "config" / "config_train.json"
    text = config.read_text(encoding="utf-8")
    written = '"args": {"keys": ["image", "label"]}'
    attack = '"args": {"keys": ["image", "label"], "reader": "os.system", "command": "touch x"}'
    assert text.count(written) >= 1
    config.write_text(text.replace(written, attack, 1), encoding="utf-8")
    line = next(i for i, t in enumerate(config.read_text().splitlines(), 1) if "os.system" in t)
    column = config.read_text().splitlines()[line - 1].index('"os.system"') + 1

    result = api.validate(mmar)
    [e002] = [d for d in result.diagnostics.errors if d.code == "E002"]
    assert (e002.file.endswith("config_train.json"), e002.line, e002.column) == (
        True,
        line,
        column,
    )
    assert "'os.system'" in e002.message and "LoadImaged" in e002.message
    assert e002.hint is not None and "ITKReader" in e002.hint and "NibabelReader" in e002.hint
    assert e002.pointer == "/train/pre_transforms/0/args/reader"
    assert api.compile_plan(mmar).plan is None  # nothing to deploy


def test_validate_accepts_catalogued_readers_and_refuses_computed_ones(tmp_path: Path) -> None:
    mmar = tmp_path / "mmar"
    shutil.copytree(REPO / "examples" / "spleen_synth", mmar)
    config = mmar / "config" / "config_train.json"
    text = config.read_text(encoding="utf-8")
    written = '"args": {"keys": ["image", "label"]}'
    good = '"args": {"keys": ["image", "label"], "reader": "NibabelReader"}'
    config.write_text(text.replace(written, good, 1), encoding="utf-8")
    assert not [d for d in api.validate(mmar).diagnostics if d.code.startswith("E")]
    computed = '"args": {"keys": ["image", "label"], "reader": "#@conf[\'x\']"}'
    config.write_text(text.replace(written, computed, 1), encoding="utf-8")
    [e002] = [d for d in api.validate(mmar).diagnostics if d.code == "E002"]
    assert "literal name, not an expression" in e002.message


def test_executor_refuses_a_hand_edited_by_name_argument(
    tmp_path: Path, no_building: list[str]
) -> None:
    marker = tmp_path / "pwned"
    plan = _plan()
    loader = plan["train"]["pre_transforms"][0]
    assert loader["path"] == "monai.transforms.LoadImaged"
    loader["args"].update({"reader": "os.system", "command": f"touch {marker}"})
    with pytest.raises(ExecutorError) as info:
        build_training(plan_of(plan), tmp_path)
    assert info.value.pointer == "/train/pre_transforms/0/args/reader"
    assert "'os.system'" in str(info.value) and "ITKReader" in str(info.value)
    assert no_building == []
    assert not marker.exists()


@pytest.mark.parametrize(
    ("value", "pointer_suffix"),
    [
        (["ITKReader", "os.system"], "/1"),
        ({"@expr": "'os.sys' 'tem'", "refs": {}}, ""),
        ({"@ref": "/settings/x"}, ""),
        ("monai.data.image_reader.os.system", ""),
        ("subprocess.Popen", ""),
    ],
)
def test_executor_refuses_every_by_name_form(
    tmp_path: Path, no_building: list[str], value: Any, pointer_suffix: str
) -> None:
    plan = _plan()
    plan["train"]["pre_transforms"][0]["args"]["reader"] = value
    with pytest.raises(ExecutorError) as info:
        build_training(plan_of(plan), tmp_path)
    assert info.value.pointer == "/train/pre_transforms/0/args/reader" + pointer_suffix
    assert no_building == []


def test_allowed_reader_names_pass_the_executor_check() -> None:
    mmar = REPO / "examples" / "digits_fl"  # holds the custom/ file the plan was compiled with
    for reader in ("NibabelReader", "ITKReader", "monai.data.PILReader", ["NumpyReader"], None):
        plan = _plan()
        plan["train"]["pre_transforms"][0]["args"]["reader"] = reader
        Builder(plan_of(plan), mmar, torch.device("cpu"))  # runs every check, builds nothing


def test_catalog_records_by_name_arguments() -> None:
    catalog = load_catalog()
    reader = catalog.lookup("LoadImaged").entry.by_name_arg("reader")  # type: ignore[union-attr]
    assert reader is not None and reader.kind == "locate"
    assert {"ITKReader", "NibabelReader", "NumpyReader", "PILReader", "PydicomReader"} <= set(
        reader.allowed
    )
    assert "os.system" not in reader.allowed
    writer = catalog.lookup("SaveImage").entry.by_name_arg("writer")  # type: ignore[union-attr]
    assert writer is not None and "NibabelWriter" in writer.allowed
    unet = catalog.lookup("UNet").entry
    assert unet is not None and unet.by_name == ()  # act/norm name fixed factory tables
    assert {"RELU", "PRELU"} <= set(catalog.factories["Act"])
    assert {"BATCH", "INSTANCE"} <= set(catalog.factories["Norm"])


def test_the_source_scan_finds_by_name_lookups() -> None:
    class Locating:
        def __init__(self, thing: str) -> None:
            from pydoc import locate

            self.thing = locate(thing)

    class Plain:
        def __init__(self, thing: str) -> None:
            self.thing = thing

    from monai.transforms import LoadImage, SaveImage

    assert scan_constructor(Locating) and scan_constructor(LoadImage)
    assert scan_constructor(SaveImage)
    assert not scan_constructor(Plain)


# -- finding 2: expressions ----------------------------------------------------------

#: (expression, piece the refusal must name); each is refused statically, by the
#: compiler's check and by the executor, with the same policy.
STATIC_ATTACKS: list[tuple[str, str]] = [
    ("@model.parameters().gi_frame.f_builtins['exec']", "gi_frame"),
    ("@model.parameters().gi_frame.f_globals['torch'].os.system('true')", "gi_frame"),
    ("@model.parameters().gi_code.co_consts", "gi_code"),
    ("lambda x: x.f_globals['torch']", "f_globals"),
    ("lambda x: x.f_back.f_builtins", "f_back"),
    ("lambda x: x.tb_frame", "tb_frame"),
    ("lambda x: x.cr_frame", "cr_frame"),
    ("lambda x: x.__class__", "__class__"),
    ("lambda x: type(x)", "type"),
    ("lambda x: x.mro()", "mro"),
    ("().__class__.__base__.__subclasses__()", "__class__"),
    ("lambda x: x.__subclasses__()", "__subclasses__"),
    ("lambda x: '{0.__class__}'.format(x)", "format"),
    ("lambda x: '{0.gi_frame}'.format_map(x)", "format_map"),
    ("lambda x: '%s' % x", "on text"),
    ("lambda x: f'{x.__globals__}'", "__globals__"),
    ("lambda x, y: f'{x:{y}}'", "format spec"),
    ("lambda x: f'{x:>999999999}'", "format spec"),
    ("lambda x: getattr(x, 'gi_frame')", "getattr"),
    ("lambda x: vars(x)", "vars"),
    ("lambda x: dir(x)", "dir"),
    ("operator.attrgetter('gi_frame')", "operator.attrgetter"),
    ("monai.utils.optional_import('os')", "monai.utils.optional_import"),
    ("pydoc.locate('os.system')", "pydoc.locate"),
    ("@model.forward", "forward"),
    ("@model.parameters", "parameters"),
    ("lambda x: x.item", "item"),
    ("@model.register_forward_hook(print)", "register_forward_hook"),
    ("@model.apply(print)", "apply"),
    ("lambda x: print(x, file=x)", "positional"),
    ("lambda x: 10 ** 10", "'**'"),
    ("lambda x: 1 << 100000", "'<<'"),
    ("lambda x: 'a' * 10", "on text"),
    ("lambda x: x.state.__dict__", "__dict__"),
    ("lambda x: x.state._pyobj", "_pyobj"),
    ("lambda x: [y for y in x]", "comprehension"),
    ("lambda x: x.__reduce_ex__(2)", "__reduce_ex__"),
]


@pytest.mark.parametrize(("text", "piece"), STATIC_ATTACKS, ids=[a[0] for a in STATIC_ATTACKS])
def test_compiler_and_executor_refuse_the_same_expression(text: str, piece: str) -> None:
    parsed = parse_expression(text)
    assert not isinstance(parsed, ExpressionError)
    violation = check_expression(parsed)
    assert violation is not None and piece in violation.why + violation.piece, violation
    with pytest.raises(ExecutorError) as info:
        compile_expression(text, {"model": "/train/model"}, "/p")
    assert piece in str(info.value)
    assert info.value.pointer == "/p"


def test_the_frame_escape_is_refused_before_building(
    tmp_path: Path, no_building: list[str]
) -> None:
    marker = tmp_path / "pwned"
    plan = _plan()
    plan["train"]["optimizer"]["args"]["params"] = {
        "@expr": f"@model.parameters().gi_frame.f_builtins['exec'](\"open('{marker}', 'w')\")",
        "refs": {"model": "/train/model"},
    }
    with pytest.raises(ExecutorError, match="'gi_frame' is not allowed") as info:
        build_training(plan_of(plan), tmp_path)
    assert info.value.pointer == TARGET
    assert no_building == []
    assert not marker.exists()


def test_validate_locates_an_unsafe_expression(tmp_path: Path) -> None:
    mmar = tmp_path / "mmar"
    shutil.copytree(REPO / "examples" / "spleen_synth", mmar)
    config = mmar / "config" / "config_train.json"
    text = config.read_text(encoding="utf-8")
    assert '"#@model.parameters()"' in text
    attack = "#@model.parameters().gi_frame.f_builtins['exec']"
    config.write_text(text.replace("#@model.parameters()", attack, 1), encoding="utf-8")
    lines = config.read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "gi_frame" in t)
    column = lines[line - 1].index("@model") + 1  # the refused chain starts at @model
    [e001] = [d for d in api.validate(mmar).diagnostics.errors if d.code == "E001"]
    assert (e001.line, e001.column) == (line, column)
    assert "'gi_frame' is not allowed" in e001.message
    assert e001.hint and "parameters()" in e001.hint


def test_types_are_checked_at_evaluation() -> None:
    """Names pass the static check only if some type allows them; evaluation checks the
    actual object, so ``state`` on anything but an engine is refused."""

    class Impostor:
        def __init__(self) -> None:
            self.state = {"secret": 1}

    state_of = compile_expression("lambda x: x.state.iteration", {}, "/p").evaluate(str)
    engine = Engine(lambda e, b: None)
    engine.state.iteration = 7
    assert state_of(engine) == 7
    with pytest.raises(ExecutorError, match=r"^/p: .*reading 'state' of a Impostor"):
        state_of(Impostor())
    item = compile_expression("lambda x: x.item()", {}, "/p").evaluate(str)
    assert item(torch.tensor(2.5)) == 2.5
    with pytest.raises(ExecutorError, match="calling 'item' on a"):
        item(Impostor())
    get = compile_expression("lambda x: x.get('k')", {}, "/p").evaluate(str)
    assert get({"k": 1}) == 1
    with pytest.raises(ExecutorError, match=r"calling 'get' on a torch\.nn\.Module"):
        get(torch.nn.Linear(1, 1))
    times = compile_expression("lambda x: x * 3", {}, "/p").evaluate(str)
    assert times(2) == 6
    with pytest.raises(ExecutorError, match="numbers only, not a str"):
        times("a" * 10)
    with pytest.raises(ExecutorError, match="too large"):
        times(2**100)


def test_the_corpus_progress_logger_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "lambda engine: print(f'iter: {engine.state.iteration}/{engine.state.epoch_length}') "
        "if engine.state.iteration % 10 == 0 else None"
    )
    logger = compile_expression(text, {}, "/p").evaluate(str)
    engine = Engine(lambda e, b: None)
    engine.state.iteration, engine.state.epoch_length = 20, 50
    logger(engine)
    engine.state.iteration = 21
    logger(engine)
    assert capsys.readouterr().out == "iter: 20/50\n"


# -- every corpus and example value still accepted -------------------------------------


def _config_files() -> Iterator[Path]:
    roots = [REPO / "examples", REPO / "tests" / "fixtures" / "corpus"]
    shared = _shared_corpus()
    if shared is not None:
        roots.append(shared)
    for root in roots:
        for path in sorted(root.rglob("*.json")):
            if "custom" not in path.parts:
                yield path


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _components(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if isinstance(value.get("name"), str) and isinstance(value.get("args"), dict):
            yield value
        for item in value.values():
            yield from _components(item)
    elif isinstance(value, list):
        for item in value:
            yield from _components(item)


def _loaded() -> list[tuple[Path, Any]]:
    out = []
    for path in _config_files():
        try:
            out.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, UnicodeDecodeError):
            continue  # not JSON (Clara 3.x comments, templates): other suites cover those
    return out


def test_every_corpus_expression_is_accepted() -> None:
    seen: set[str] = set()
    for path, data in _loaded():
        for value in _strings(data):
            site = expression_in(value)
            if site is None or site.text in seen:
                continue
            seen.add(site.text)
            parsed = parse_expression(site.text, references=site.references)
            assert not isinstance(parsed, ExpressionError), (path, value)
            assert check_expression(parsed) is None, (path, value, check_expression(parsed))
            refs = {name: "/train/" + name for name, _ in parsed.references}
            compile_expression(site.text, refs, "/p")  # the executor accepts it too
    # the forms the corpus is known to hold are all among them
    assert {
        "@model.parameters()",
        "monai.handlers.from_engine(['pred', 'label'])",
        "lambda x: x['loss']",
    } <= seen
    if _shared_corpus() is not None:
        assert any("print(f'" in s for s in seen)


def test_every_corpus_by_name_argument_is_accepted() -> None:
    catalog = load_catalog()
    checked = 0
    for path, data in _loaded():
        for comp in _components(data):
            entry = catalog.lookup(comp["name"].split("#", 1)[0]).entry
            if entry is None or not entry.by_name:
                continue
            for key, value in comp["args"].items():
                if entry.by_name_arg(key) is not None:
                    checked += 1
                    assert check_by_name(entry, key, value) is None, (path, comp)
    if _shared_corpus() is not None:
        assert checked >= 2  # TorchVisiond(name="ColorJitter") in the pathology MMAR
