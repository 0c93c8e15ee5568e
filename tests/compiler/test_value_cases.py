"""The values and reference-kinds mutation cases, each found by ``lint`` at its line.

Why here as well as in the mutation runner: the cases under
``tests/mutations/cases/values`` and ``.../reference-kinds`` are this area's proof of
recall (issue 12, classes 1 and 2); until the shared runner checks every class, this module
applies each case to a temporary copy of its base exactly as the format says (each ``old``
once, in order), runs the real ``lint`` in-process, and asserts a diagnostic at the
expected file and line (and code, when the case names one). Every base must lint without
errors or warnings unmutated (no false positives).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO

from mmarc import api
from mmarc.diagnostics import Severity

CASES_DIR = REPO / "tests" / "mutations" / "cases"
CLASSES = ("values", "reference-kinds")
CASES: list[dict[str, Any]] = [
    yaml.safe_load(path.read_text(encoding="utf-8"))
    for klass in CLASSES
    for path in sorted((CASES_DIR / klass).glob("*.yml"))
]


def _copy_base(case: dict[str, Any], tmp: Path) -> tuple[Path, Path]:
    """The copied base (what lint is run on) and the folder ``file``/``expect.file`` are in."""
    base = (REPO / case["base"]).resolve()
    if base.is_dir():
        target = tmp / base.name
        shutil.copytree(base, target, ignore=shutil.ignore_patterns("data", "models"))
        return target, target
    target = tmp / base.name
    shutil.copy2(base, target)
    return target, target


def _mutated(case: dict[str, Any], tmp: Path) -> tuple[Path, Path]:
    target, _ = _copy_base(case, tmp)
    path = target / case["file"] if case["file"] else target
    text = path.read_text(encoding="utf-8")
    for step in case["mutate"]:
        assert text.count(step["old"]) == 1, f"{case['id']}: {step['old']!r} is not unique"
        text = text.replace(step["old"], step["new"])
    path.write_text(text, encoding="utf-8")
    return target, target / case["expect"]["file"] if case["expect"]["file"] else target


def test_cases_follow_the_format() -> None:
    assert len([c for c in CASES if c["class"] == "values"]) >= 25
    assert len([c for c in CASES if c["class"] == "reference-kinds"]) >= 10
    for case in CASES:
        path = CASES_DIR / case["class"] / f"{case['id']}.yml"
        assert path.is_file(), case["id"]
        assert set(case) == {
            "id",
            "class",
            "summary",
            "base",
            "file",
            "mutate",
            "expect",
            "proof",
            "prepare",
        }
        assert case["proof"] == "build" or case["proof"].startswith("rule: ")
        assert case["expect"]["line"] >= 1


@pytest.mark.parametrize("base", sorted({c["base"] for c in CASES}))
def test_unmutated_base_is_clean(base: str, tmp_path: Path) -> None:
    target, _ = _copy_base({"base": base}, tmp_path)
    found = [d for d in api.lint(target).diagnostics if d.severity is not Severity.INFO]
    assert found == []


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_lint_finds_the_mistake_at_its_line(case: dict[str, Any], tmp_path: Path) -> None:
    target, expected_file = _mutated(case, tmp_path)
    expect = case["expect"]
    at_line = [
        d
        for d in api.lint(target).diagnostics
        if Path(d.file).resolve() == expected_file.resolve() and d.line == expect["line"]
    ]
    assert at_line, f"{case['id']}: nothing reported at line {expect['line']}"
    if expect.get("code"):
        assert expect["code"] in {d.code for d in at_line}
    assert all(d.hint for d in at_line if d.code in ("C010", "C011", "C012"))
