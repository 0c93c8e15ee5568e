"""The restricted expression evaluator refuses code injection, before anything is built.

A plan can come from a federation server, so every ``{"@expr": ...}`` is an attack
surface. Each attack below is placed in a real plan; building must fail with an
ExecutorError naming the plan pointer and the offending piece, no object may have been
built, and the marker file the attack would create must not exist.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import torch
from mmarc.runtime.executor import ExecutorError, build_training
from mmarc.runtime.executor.builder import Builder
from mmarc.runtime.executor.evaluator import compile_expression

from mmarc.plan import Plan

REPO = Path(__file__).resolve().parents[2]
PLAN = REPO / "tests" / "fixtures" / "plans" / "digits_cnn.plan.json"
TARGET = "/train/optimizer/args/params"


def attacks(marker: Path) -> list[tuple[str, str]]:
    """(expression, piece the error must name)."""
    m = str(marker)
    return [
        (f"__import__('os').system('touch {m}')", "__import__"),
        (f"@model.__class__.__init__.__globals__['os'].system('touch {m}')", "'__class__'"),
        ("@model.parameters.__globals__", "'__globals__'"),
        ("@model.forward.__func__.__globals__['__builtins__']", "'__func__'"),
        ("().__class__.__base__.__subclasses__()", "__class__"),
        ("().__class__", "__class__"),
        ("[].__class__.__mro__[1].__subclasses__()", "__class__"),
        ("lambda x: open('/etc/passwd')", "open"),
        ("lambda x: open('/etc/passwd').read()", "open"),
        ("lambda x: eval('1')", "eval"),
        ("lambda x: exec('import os')", "exec"),
        ("lambda x: compile('1', 'f', 'eval')", "compile"),
        ("getattr(@model, '__globals__')", "getattr"),
        ("lambda x: getattr(x, '__class__')", "getattr"),
        ("globals()['__builtins__']", "globals"),
        ("vars(@model)", "vars"),
        ("lambda x: x.__class__", "__class__"),
        ("lambda x: x[0].__dict__", "__dict__"),
        ("lambda x: x[0]['loss'].__reduce_ex__(2)", "__reduce_ex__"),
        (f"lambda x: x[0]['pred'].numpy().tofile('{m}')", "method 'numpy'"),
        (f"lambda x: x[0]['pred'].tofile('{m}')", "method 'tofile'"),
        ("@model._modules", "_modules"),
        ("monai.handlers.from_engine.__globals__", "dunder attribute '__globals__'"),
        ("monai.config.print_config()", "monai.config"),
        ("monai.handlers", "monai.handlers"),
        ("[c for c in ().__class__.__bases__]", "comprehension"),
        ("(lambda: 1)()", "only helpers"),
        ("lambda x, f=open: f('/etc/passwd')", "plain positional"),
        ("lambda *a: a", "plain positional"),
        ("lambda x: x(1)", "calling 'x'"),
        ("f'{@model.__class__}'", "f-string"),
        ("'a' * 10 ** 10", "arithmetic"),
        ("(x := 1)", "assignment expression"),
        ("__builtins__", "__builtins__"),
        ("breakpoint()", "breakpoint"),
        ("@model.load_state_dict({})", "load_state_dict"),
    ]


def _sealed(document: dict[str, Any]) -> Plan:
    """An edited plan document as a Plan (hashed again, as the compiler would)."""
    return Plan.sealed({k: v for k, v in document.items() if k != "sha256"})


def _plan_with(expr: str) -> dict[str, Any]:
    plan = json.loads(PLAN.read_text(encoding="utf-8"))
    plan["train"]["optimizer"]["args"]["params"] = {
        "@expr": expr,
        "refs": {"model": "/train/model"},
    }
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


def test_every_attack_is_refused_before_building(tmp_path: Path, no_building: list[str]) -> None:
    marker = tmp_path / "pwned"
    for expr, piece in attacks(marker):
        with pytest.raises(ExecutorError) as info:
            build_training(_sealed(_plan_with(expr)), tmp_path)
        message = str(info.value)
        assert message.startswith(f"{TARGET}: expression {expr!r}"), (expr, message)
        why = message[len(f"{TARGET}: expression {expr!r}") :]  # after the echoed text
        assert piece in why, (expr, message)
        assert info.value.pointer == TARGET
    assert no_building == []
    assert not marker.exists()


def test_the_original_hash_expression_form_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "x"
    # what a config's "#__import__('os').system('touch /tmp/x')" compiles to
    with pytest.raises(ExecutorError, match=r"builtin '__import__' is not allowed"):
        compile_expression(f"__import__('os').system('touch {marker}')", {}, "/train/x")
    assert not marker.exists()


def test_an_expression_anywhere_in_the_plan_is_checked_first(
    tmp_path: Path, no_building: list[str]
) -> None:
    plan = json.loads(PLAN.read_text(encoding="utf-8"))
    plan["fl"] = {"client": {"x": {"args": {"f": {"@expr": "lambda x: open(x)", "refs": {}}}}}}
    with pytest.raises(ExecutorError, match=r"^/fl/client/x/args/f: .*builtin 'open'"):
        build_training(_sealed(plan), tmp_path)
    assert no_building == []


def test_references_need_pointers_and_expression_objects_are_strict(tmp_path: Path) -> None:
    plan = _plan_with("@optimizer.parameters()")
    with pytest.raises(ExecutorError, match=r"uses @optimizer but 'refs' gives it no pointer"):
        build_training(_sealed(plan), tmp_path)
    plan = _plan_with("@model.parameters()")
    plan["train"]["optimizer"]["args"]["params"]["code"] = "x"
    with pytest.raises(ExecutorError, match=r"only '@expr' and 'refs'"):
        build_training(_sealed(plan), tmp_path)


def test_allowed_expressions_evaluate() -> None:
    net = torch.nn.Linear(2, 3)
    objects = {"/train/model": net}

    def run(text: str, refs: dict[str, str] | None = None) -> Any:
        return compile_expression(text, refs or {}, "/p").evaluate(objects.__getitem__)

    params = run("@model.parameters()", {"model": "/train/model"})
    assert [p.shape for p in params] == [torch.Size([3, 2]), torch.Size([3])]
    out = [{"loss": torch.tensor(0.5), "pred": 1, "label": 2}]
    assert run("lambda x: x[0]['loss']")(out) == torch.tensor(0.5)
    assert run("lambda x: x[0]['loss'].item()")(out) == 0.5
    assert run("lambda x: None")(out) is None
    assert run("monai.handlers.from_engine(['pred', 'label'])")(out) == ([1], [2])
    assert run("monai.handlers.from_engine(['loss'], first=True)")(out) == 0.5
    assert run("lambda x: x['a'] if 'a' in x and not x.get('b') else [1, -2, (3,)]")({}) == [
        1,
        -2,
        (3,),
    ]
    assert run("lambda x: {'k': x[1:3], 'n': x[-1] >= 2}")([0, 1, 2]) == {"k": [1, 2], "n": True}
    # '@name' inside a string literal is text, not a reference
    assert run("lambda x: '@model'")(None) == "@model"


def test_executor_source_never_calls_eval_or_exec() -> None:
    forbidden = {"eval", "exec", "compile", "__import__"}
    for file in sorted((REPO / "runtime" / "executor").glob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in forbidden, f"{file.name}:{node.lineno}"
