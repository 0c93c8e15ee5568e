"""Recall of ``mmarc lint`` over the mutation corpus, per class, and its false positives.

Why: issue 12 measures mmarc by what it misses. The corpus (``tests/mutations/cases``)
holds realistic single-mistake configurations, each with the file and line lint must
point at; this script lints every case and every unmutated base once, in-process, and
prints the share located at the right line per class, the errors and warnings on the
unmutated bases (false positives, which must be 0) and every miss with what lint said.

``python benchmarks/mutation_recall.py [--json] [CLASS ...]``; the test
``tests/mutations/test_mutations.py`` asserts the same figures (>= 95 %, 0 false positives).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from machine import describe
from mutations.runner import Report, load_cases, run_corpus

__all__ = ["main", "render"]


def render(report: Report, seconds: float) -> str:
    """The report as text: a table per class, the total, false positives, the misses."""
    lines = [f"{'class':<16} {'located':>7} {'cases':>5} {'recall':>7}"]
    for klass, (located, total) in report.by_class().items():
        lines.append(f"{klass:<16} {located:>7} {total:>5} {located / total:>7.1%}")
    lines.append(f"{'all':<16} {report.located:>7} {len(report.outcomes):>5} {report.recall:>7.1%}")
    lines.append(f"false positives on the unmutated bases: {report.false_positives}")
    for base, found in report.base_faults.items():
        lines.extend(f"  FP {base}: {f}" for f in found)
    lines.append(f"misses: {len(report.misses)}")
    lines.extend(f"  {o.describe()}" for o in report.misses)
    lines.append(f"({len(report.outcomes)} cases linted in {seconds:.1f} s)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    classes = [a for a in argv if not a.startswith("--")] or None
    cases = load_cases(classes=classes)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mmarc-mutations-") as scratch:
        report = run_corpus(cases, Path(scratch))
    seconds = time.perf_counter() - started
    if as_json:
        print(report.as_json())
    else:
        print(describe())
        print(render(report, seconds))
    return 0 if report.false_positives == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
