"""The mutation corpus: realistic single-mistake configurations, and whether lint finds them.

Why: a checker's quality is what it misses, and nobody notices a silent miss. Each case
under ``cases/<class>/<id>.yml`` takes a configuration that lints clean (an example MMAR,
a clean file of ``../shared/corpus``), injects one mistake people really make as literal
text edits, and records the file and line where ``mmarc lint`` must point. This module
loads the cases (strictly: a malformed case is an error, not a skipped case), makes the
mutated copy in a temporary folder, lints it in-process and scores it. The proofs that
each mistake is real live in :mod:`mutations.proof`; the recall report is
``benchmarks/mutation_recall.py``.

A case is *located* when lint reports, at the expected file and line, a diagnostic the
unmutated base does not have (same code and message), of the expected code when the case
names one. A *false positive* is an error or warning on an unmutated base.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CASES_DIR",
    "CLASSES",
    "REPO",
    "Case",
    "CaseError",
    "Edit",
    "Expect",
    "Found",
    "Outcome",
    "Report",
    "apply_edits",
    "base_findings",
    "check_case",
    "lint_findings",
    "load_case",
    "load_cases",
    "materialise",
    "mutate_copy",
    "prepared_data",
    "run_corpus",
]

REPO = Path(__file__).resolve().parents[2]
CASES_DIR = Path(__file__).resolve().parent / "cases"
#: The classes of mistakes, in report order: the earlier ones, then issue 12's.
CLASSES = (
    "syntax",
    "schema",
    "variables",
    "references",
    "versions",
    "renames",
    "arguments",
    "values",
    "reference-kinds",
    "datalist",
    "engine",
    "provisioning",
)
_KEYS = frozenset(
    {"id", "class", "summary", "base", "file", "mutate", "expect", "proof", "prepare"}
)
_REQUIRED = _KEYS - {"prepare"}
_EXPECT_KEYS = frozenset({"file", "line", "code"})
#: Folders of an example that a copy leaves out (generated data, run outputs).
_NOT_COPIED = ("data", "models", "eval", "__pycache__", "*.pyc")
#: Severities that count as a finding on an unmutated base.
_FAULT_SEVERITIES = frozenset({"error", "warning"})


class CaseError(ValueError):
    """A case file that does not follow the corpus format, or whose edit does not apply."""


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` (which must occur exactly once) with ``new``."""

    old: str
    new: str


@dataclass(frozen=True)
class Expect:
    """Where lint must report the mistake: a file relative to the base, a 1-based line."""

    file: str
    line: int
    code: str | None = None


@dataclass(frozen=True)
class Case:
    """One mutation case, as read from its YAML file."""

    id: str
    klass: str
    summary: str
    base: str
    file: str
    mutate: tuple[Edit, ...]
    expect: Expect
    proof: str
    prepare: bool
    path: Path

    @property
    def base_path(self) -> Path:
        """The unmutated base: repo-relative, or ``../shared/...`` beside the repo."""
        return (REPO / self.base).resolve()

    @property
    def is_build_proof(self) -> bool:
        return self.proof == "build"


def _fail(path: Path, message: str) -> CaseError:
    return CaseError(f"{path}: {message}")


def load_case(path: Path) -> Case:
    """Read and check one case file; raises :class:`CaseError` naming what is wrong.

    Args:
        path: ``cases/<class>/<id>.yml``.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _fail(path, f"not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise _fail(path, "a case is a mapping")
    unknown = set(data) - _KEYS
    missing = _REQUIRED - set(data)
    if unknown or missing:
        raise _fail(path, f"unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    if data["id"] != path.stem:
        raise _fail(path, f"id {data['id']!r} must equal the file stem {path.stem!r}")
    if data["class"] not in CLASSES or data["class"] != path.parent.name:
        raise _fail(path, f"class {data['class']!r} must be one of {CLASSES} and its folder")
    for key in ("summary", "base", "proof"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise _fail(path, f"{key} must be a non-empty string")
    if not isinstance(data["file"], str):
        raise _fail(path, "file must be a string ('' when base is a file)")
    proof = data["proof"].strip()
    if proof != "build" and not (proof.startswith("rule:") and len(proof) > len("rule: ")):
        raise _fail(path, "proof must be 'build' or 'rule: <where it is documented>'")
    edits = data["mutate"]
    if not isinstance(edits, list) or not edits:
        raise _fail(path, "mutate must be a non-empty list of {old, new}")
    parsed: list[Edit] = []
    for edit in edits:
        if (
            not isinstance(edit, dict)
            or set(edit) != {"old", "new"}
            or not all(isinstance(v, str) for v in edit.values())
            or not edit["old"]
            or edit["old"] == edit["new"]
        ):
            raise _fail(path, f"each edit is {{old, new}} with two different strings: {edit!r}")
        parsed.append(Edit(edit["old"], edit["new"]))
    expect = data["expect"]
    if not isinstance(expect, dict) or not set(expect) <= _EXPECT_KEYS:
        raise _fail(path, "expect is {file, line, code}")
    line, code = expect.get("line"), expect.get("code")
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise _fail(path, "expect.line must be a 1-based line number")
    if code is not None and not isinstance(code, str):
        raise _fail(path, "expect.code must be a diagnostic code or null")
    prepare = data.get("prepare", False)
    if not isinstance(prepare, bool):
        raise _fail(path, "prepare must be true or false")
    return Case(
        id=data["id"],
        klass=data["class"],
        summary=data["summary"].strip(),
        base=data["base"].rstrip("/"),
        file=data["file"],
        mutate=tuple(parsed),
        expect=Expect(str(expect.get("file", data["file"])), line, code),
        proof=proof,
        prepare=prepare,
        path=path,
    )


def load_cases(root: Path = CASES_DIR, classes: Iterable[str] | None = None) -> list[Case]:
    """Every case under ``root`` (sorted by class order, then id); ids must be unique."""
    wanted = set(classes) if classes is not None else set(CLASSES)
    cases = [
        load_case(p)
        for klass in CLASSES
        if klass in wanted
        for p in sorted((root / klass).glob("*.yml"))
    ]
    dupes = [i for i, n in Counter(c.id for c in cases).items() if n > 1]
    if dupes:
        raise CaseError(f"duplicate case ids: {dupes}")
    return cases


def apply_edits(text: str, edits: Sequence[Edit], where: str = "") -> str:
    """``text`` with each edit applied in order; each ``old`` must occur exactly once."""
    for edit in edits:
        count = text.count(edit.old)
        if count != 1:
            raise CaseError(f"{where}: {edit.old!r} occurs {count} times (must be once)")
        text = text.replace(edit.old, edit.new)
    return text


@functools.cache
def prepared_data(base: str, scratch: str) -> Path:
    """The data an example's ``prepare.py`` writes, generated once per session and base."""
    script = (REPO / base / "prepare.py").resolve()
    if not script.is_file():
        raise CaseError(f"prepare: true, but {base} has no prepare.py")
    out = Path(scratch) / "prepared" / Path(base).name / "data"
    if not out.is_dir():
        subprocess.run(
            [sys.executable, str(script), "--out", str(out)],
            check=True,
            capture_output=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
            timeout=300,
        )
    return out


def materialise(base: str, dest: Path, prepare: bool = False) -> Path:
    """A copy of ``base`` under ``dest`` (data generated when ``prepare``); its root.

    A folder base is copied without ``data``/``models``; a file base is copied alone.
    """
    source = (REPO / base).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / source.name
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*_NOT_COPIED))
        if prepare:
            shutil.copytree(prepared_data(base, str(dest.parent)), target / "data")
    elif source.is_file():
        if prepare:
            raise CaseError(f"prepare: true needs a folder base, not {base}")
        shutil.copy2(source, target)
    else:
        raise CaseError(f"base {base} does not exist")
    return target


def mutate_copy(case: Case, dest: Path) -> Path:
    """The case's base copied under ``dest`` with its edits applied; the copy's root."""
    root = materialise(case.base, dest, case.prepare)
    path = root / case.file if case.file else root
    if not path.is_file():
        raise CaseError(f"{case.path}: {case.file!r} is not a file of {case.base}")
    text = path.read_text(encoding="utf-8")
    path.write_text(apply_edits(text, case.mutate, str(case.path)), encoding="utf-8")
    return root


@dataclass(frozen=True)
class Found:
    """One diagnostic of a lint run, its file relative to the linted root."""

    severity: str
    code: str
    file: str
    line: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return f"{self.severity} {self.code} {self.file}:{self.line} {self.message}"


def lint_findings(root: Path) -> list[Found]:
    """``mmarc lint`` of ``root`` (a folder or one file), in-process, files made relative."""
    from mmarc.api import lint

    cwd = root if root.is_dir() else root.parent
    result = lint(root, cwd=cwd)
    out = []
    for d in result.diagnostics:
        path = Path(d.file)
        absolute = path if path.is_absolute() else cwd / path
        try:
            rel = absolute.resolve().relative_to(cwd.resolve()).as_posix()
        except ValueError:
            rel = d.file
        # a message that names the copy's own folder reads the same for every copy
        message = d.message.replace(str(root.resolve()), "<base>").replace(str(root), "<base>")
        out.append(Found(str(d.severity), d.code, rel, d.line, message, d.hint))
    return out


def base_findings(base: str, scratch: Path, prepare: bool = False) -> list[Found]:
    """Lint of the unmutated base, copied the way its cases are."""
    key = f"base-{abs(hash((base, prepare))):x}"
    return lint_findings(materialise(base, scratch / key, prepare))


def faults(findings: Iterable[Found]) -> list[Found]:
    """The errors and warnings among ``findings`` (what an unmutated base must not have)."""
    return [f for f in findings if f.severity in _FAULT_SEVERITIES]


@dataclass
class Outcome:
    """What lint said about one mutated case, and whether it located the mistake."""

    case: Case
    findings: list[Found]
    located: bool
    new: list[Found]

    def describe(self) -> str:
        e = self.case.expect
        said = "; ".join(str(f) for f in self.new[:3]) or "nothing new"
        where = e.file or Path(self.case.base).name
        return f"{self.case.id}: expected {where}:{e.line} {e.code or ''} -- lint said {said}"


def check_case(case: Case, scratch: Path, base: Sequence[Found]) -> Outcome:
    """Lint the mutated copy of ``case`` and score it against the base's findings."""
    root = mutate_copy(case, scratch / case.id)
    findings = lint_findings(root)
    known = {(f.code, f.message) for f in base}
    new = [f for f in findings if (f.code, f.message) not in known]
    expected_file = case.expect.file or (root.name if not root.is_dir() else "")
    located = any(
        f.file == expected_file
        and f.line == case.expect.line
        and (case.expect.code is None or f.code == case.expect.code)
        for f in new
    )
    return Outcome(case, findings, located, new)


@dataclass
class Report:
    """Recall per class and false positives per base, over a corpus run."""

    outcomes: list[Outcome]
    base_faults: dict[str, list[Found]] = field(default_factory=dict)

    def by_class(self) -> dict[str, tuple[int, int]]:
        """class -> (located, total), in :data:`CLASSES` order, classes with cases only."""
        out: dict[str, tuple[int, int]] = {}
        for klass in CLASSES:
            rows = [o for o in self.outcomes if o.case.klass == klass]
            if rows:
                out[klass] = (sum(o.located for o in rows), len(rows))
        return out

    @property
    def located(self) -> int:
        return sum(o.located for o in self.outcomes)

    @property
    def recall(self) -> float:
        return self.located / len(self.outcomes) if self.outcomes else 0.0

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.located]

    @property
    def false_positives(self) -> int:
        return sum(len(v) for v in self.base_faults.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": len(self.outcomes),
            "located": self.located,
            "recall": round(self.recall, 4),
            "by_class": {k: {"located": a, "cases": n} for k, (a, n) in self.by_class().items()},
            "false_positives": {b: [str(f) for f in v] for b, v in self.base_faults.items() if v},
            "misses": [o.describe() for o in self.misses],
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=1)


def run_corpus(cases: Sequence[Case], scratch: Path) -> Report:
    """Lint every base once and every case once, under ``scratch``; the report."""
    bases: dict[tuple[str, bool], list[Found]] = {}
    for case in cases:
        key = (case.base, case.prepare)
        if key not in bases:
            bases[key] = base_findings(case.base, scratch, case.prepare)
    outcomes = [check_case(c, scratch, bases[(c.base, c.prepare)]) for c in cases]
    base_faults: dict[str, list[Found]] = {}
    for (base, _), findings in bases.items():
        base_faults.setdefault(base, []).extend(faults(findings))
    return Report(outcomes, base_faults)
