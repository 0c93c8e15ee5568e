"""Compatibility report over the real Clara/NVFlare corpus (``../shared/corpus``).

Why: a checker that cries wolf is switched off, so what mmarc says about files nobody here
wrote is measured, not guessed. :func:`corpus_targets` finds every MMAR folder (a folder
with a ``config/`` folder) and every standalone file (a JSON/YAML file outside any
``config/`` folder); :func:`report` runs ``lint`` (which includes ``validate``) on each, and
``migrate`` + ``compile`` on each Clara 4.x MMAR, through the library API.

``python benchmarks/realworld_report.py [--write-pins PINS.json] [CORPUS]`` prints each
diagnostic and the figures; tests/compiler/test_realworld.py compares the same output with
tests/fixtures/realworld_pins.json (rewrite it with ``--write-pins`` after a reviewed change).
"""

from __future__ import annotations

import json
import sys
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmarc import api
from mmarc.compiler.kinds import FileKind, kind_from_name
from mmarc.diagnostics import Diagnostic, Severity
from mmarc.errors import MmarcError

__all__ = [
    "CorpusReport",
    "TargetResult",
    "corpus_targets",
    "find_corpus",
    "pins",
    "report",
]

#: The exceptions that are mmarc's clean one-line refusals (exit 2), not crashes.
REFUSALS = (MmarcError, api.PlanError, api.UsageError, api.MigrationError)

#: Suffixes of the standalone files the report looks at.
STANDALONE_SUFFIXES = (".json", ".yml", ".yaml")


def find_corpus(start: Path) -> Path | None:
    """``shared/corpus`` beside the checkout (CI puts ``shared`` beside the clone)."""
    for parent in [start, *start.parents]:
        candidate = parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return None


def corpus_targets(corpus: Path) -> tuple[list[Path], list[Path]]:
    """The MMAR folders and the standalone files under ``corpus``, sorted."""
    mmars = {p.parent for p in corpus.rglob("config") if p.is_dir()}
    # a folder of loose configs (no config/ folder) is an MMAR too, as validate reads it
    mmars |= {
        p.parent
        for p in corpus.rglob("*.json")
        if p.parent.name != "config"
        and (p.name == "environment.json" or kind_from_name(p) is FileKind.TRAIN)
    }
    files = sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file()
        and p.suffix in STANDALONE_SUFFIXES
        and "config" not in p.parts
        and p.parent not in mmars
    )
    return sorted(mmars), files


def _is_clara4_mmar(result: api.Validation) -> bool:
    """A Clara 4.x training MMAR: a train config, and every versioned file 4.x.

    NVFlare 1.0 apps with a BYO trainer have FL configs but no Clara train config: there is
    nothing for ``compile`` to compile (it refuses them with a one-line PlanError).
    """
    detected = result.detected()
    versions = {f.get("clara_version") for f in detected["files"]}
    has_train = any(f.get("kind") == "config_train" for f in detected["files"])
    return has_train and bool(versions & {"4.0", "4.1", "4.0-ea"}) and "3.x" not in versions


@dataclass
class TargetResult:
    """What mmarc said about one MMAR folder or standalone file."""

    target: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    crash: str | None = None
    #: a clean one-line refusal (an MmarcError), which is not a crash
    refused: str | None = None
    mmar: bool = False
    clara4: bool = False
    migrated: bool | None = None
    compiled: bool | None = None
    unmigrated: list[str] = field(default_factory=list)
    after_migrate: list[Diagnostic] = field(default_factory=list)
    #: errors of the migrated output that migrate's manual-fix list does not hold
    unlisted: list[Diagnostic] = field(default_factory=list)

    def pins(self) -> list[tuple[str, str, str, int | None]]:
        """(severity, code, file, line) of each warning and error, sorted."""
        return sorted(
            (str(d.severity), d.code, d.file, d.line)
            for d in self.diagnostics
            if d.severity is not Severity.INFO
        )


@dataclass
class CorpusReport:
    """Every target's result and the figures the closing note gives."""

    results: list[TargetResult]

    def figures(self) -> dict[str, int]:
        mmars = [r for r in self.results if r.mmar]
        clara4 = [r for r in self.results if r.clara4]
        return {
            "targets": len(self.results),
            "crashes": sum(r.crash is not None for r in self.results),
            "diagnostics": sum(len(r.pins()) for r in self.results),
            "errors": sum(p[0] == "error" for r in self.results for p in r.pins()),
            "warnings": sum(p[0] == "warning" for r in self.results for p in r.pins()),
            "targets_clean": sum(not r.pins() and r.crash is None for r in self.results),
            "mmars": len(mmars),
            "mmars_clean": sum(not r.pins() and r.crash is None for r in mmars),
            "clara4_mmars": len(clara4),
            "clara4_mmars_clean": sum(not r.pins() for r in clara4),
            "compile_after_migrate": sum(bool(r.compiled) for r in clara4),
            "migrate_lists_the_rest": sum(
                bool(not r.compiled and r.unmigrated and not r.unlisted) for r in clara4
            ),
        }


def _lint(path: Path) -> list[Diagnostic]:
    return sorted(api.lint(path).diagnostics, key=lambda d: d.sort_key())


def _one(path: Path, corpus: Path, work: Path, is_mmar: bool) -> TargetResult:
    result = TargetResult(path.relative_to(corpus).as_posix(), mmar=is_mmar)
    try:
        validation = api.lint(path, cwd=corpus)
        result.diagnostics = sorted(validation.diagnostics, key=lambda d: d.sort_key())
        if is_mmar and _is_clara4_mmar(validation):
            result.clara4 = True
            out = work / result.target.replace("/", "_")
            migrated = api.migrate(path, out)
            result.migrated = migrated.complete
            result.unmigrated = [f"{u.file}:{u.line}" for u in migrated.unmigrated]
            listed = {(u.file, _component(u.pointer)) for u in migrated.unmigrated}
            # every train config of the MMAR, one plan each (compile asks which one)
            result.compiled = True
            for name in _train_configs(validation):
                compiled = api.compile_plan(out, cwd=work, train_config=name)
                result.compiled &= compiled.plan is not None
                errors = sorted(compiled.validation.diagnostics.errors, key=lambda d: d.sort_key())
                result.after_migrate.extend(errors)
                result.unlisted.extend(d for d in errors if not _listed(d, out, listed))
    except REFUSALS as exc:
        result.refused = " ".join(str(exc).split())
    except Exception:  # a crash is what this report counts
        result.crash = traceback.format_exc()
    return result


def _component(pointer: str) -> str:
    """A component's ``name`` and ``path`` are one finding."""
    return pointer.removesuffix("/name").removesuffix("/path")


def _listed(d: Diagnostic, out: Path, listed: set[tuple[str, str]]) -> bool:
    """Whether migrate's manual-fix list holds ``d`` (same file; same or enclosing path)."""
    path = Path(d.file)
    rel = (path if path.is_absolute() else out.parent / path).relative_to(out).as_posix()
    pointer = _component(d.pointer or "")
    return any(
        f == rel
        and (p in ("", pointer) or pointer.startswith(p + "/") or p.startswith(pointer + "/"))
        for f, p in listed
    )


def _train_configs(result: api.Validation) -> list[str]:
    return [Path(f["file"]).name for f in result.detected()["files"] if f["kind"] == "config_train"]


def iter_results(corpus: Path, work: Path) -> Iterator[TargetResult]:
    mmars, files = corpus_targets(corpus)
    for mmar in mmars:
        yield _one(mmar, corpus, work, is_mmar=True)
    for file in files:
        yield _one(file, corpus, work, is_mmar=False)


def report(corpus: Path, work: Path) -> CorpusReport:
    """Lint every target of ``corpus``; migrate + compile each Clara 4.x MMAR into ``work``."""
    return CorpusReport(list(iter_results(corpus, work)))


def pins(rep: CorpusReport) -> dict[str, Any]:
    """What tests/fixtures/realworld_pins.json holds: per target, each warning and error as
    ``"severity CODE file:line"``, and whether it compiles after migrate (None: not a Clara
    4.x training MMAR)."""
    return {
        r.target: {
            "diagnostics": [f"{sev} {code} {file}:{line}" for sev, code, file, line in r.pins()],
            "compiled_after_migrate": r.compiled if r.clara4 else None,
        }
        for r in rep.results
    }


def main(argv: list[str]) -> int:
    write = None
    if argv[:1] == ["--write-pins"]:
        write, argv = Path(argv[1]), argv[2:]
    corpus = Path(argv[0]) if argv else find_corpus(Path(__file__).resolve().parent)
    if corpus is None:
        print("no shared/corpus found; give its path", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as work:
        rep = report(corpus, Path(work))
    for r in rep.results:
        flag = " CRASH" if r.crash else ""
        mig = ""
        if r.clara4:
            mig = f" [migrate complete={r.migrated} compiled={r.compiled}]"
        print(f"== {r.target}{flag}{mig}")
        if r.crash:
            print(r.crash)
        if r.refused:
            print(f"  refused: {r.refused}")
        for d in r.diagnostics:
            print(f"  {d.severity} {d.code} {d.file}:{d.line}: {d.message}")
        for u in r.unmigrated:
            print(f"  unmigrated {u}")
        for d in r.unlisted:
            print(f"  NOT LISTED by migrate {d.code} {d.file}:{d.line}: {d.message}")
        for d in r.after_migrate:
            print(f"  after-migrate {d.code} {d.file}:{d.line}: {d.message}")
    for name, value in rep.figures().items():
        print(f"{name}: {value}")
    if write is not None:
        write.write_text(json.dumps(pins(rep), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
