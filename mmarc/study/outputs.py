"""A whole study from its spec: run the settings, then write the table, plots and report.

Why one function: the CLI, the tests and a notebook all want the same thing, a folder
holding ``results.csv``, ``plots/*.png|svg``, ``report.html`` and ``runs/<setting>/``;
:func:`study` is that, and :func:`write_outputs` rebuilds the three derived outputs from
the run folders alone (a resumed or partly failed study still gets them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .results import ResultsError, rows_of, write_csv
from .runner import Progress, StudyError, StudyRun, run_study
from .spec import load_spec

__all__ = ["StudyResult", "study", "write_outputs"]


@dataclass(frozen=True)
class StudyResult:
    """The study folder's files, and what ran."""

    run: StudyRun
    csv: Path
    plots: list[Path]
    report: Path
    rows: list[dict[str, Any]]


def write_outputs(run: StudyRun, *, title: str, spec_text: str) -> StudyResult:
    """``results.csv``, the plots and ``report.html`` from the finished run folders."""
    rows: list[dict[str, Any]] = []
    failed = dict(run.failed)
    done = [s for s in run.settings if s.id not in failed]
    for setting in done:
        try:
            rows += rows_of(setting, run.run_dirs[setting.id])
        except ResultsError as exc:
            failed[setting.id] = str(exc)
    csv_path = write_csv(run.output / "results.csv", rows)
    from .plots import plot_all

    plots = plot_all(rows, [s for s in run.settings if s.id not in failed], run.output / "plots")
    from .report import write_report

    report = write_report(
        run.output / "report.html",
        title=title,
        settings=run.settings,
        rows=rows,
        plots=plots,
        walls=run.walls,
        failed=failed,
        spec_text=spec_text,
    )
    run.failed.update(failed)
    return StudyResult(run, csv_path, plots, report, rows)


def study(
    spec_path: Path,
    output: Path | None = None,
    *,
    jobs: int = 1,
    sets: list[str] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> StudyResult:
    """Run the study ``spec_path`` describes into ``output`` (default ``runs/<name>``).

    Raises:
        StudySpecError: the spec has errors (nothing runs).
        CompileErrors: the MMAR has errors for some setting (nothing runs).
        StudyError: some settings failed; the outputs of the others are written first.
    """
    spec, mmar = load_spec(spec_path)
    folder = output if output is not None else Path("runs") / spec.name
    run = run_study(spec, mmar, folder, jobs=jobs, sets=sets, on_progress=on_progress)
    result = write_outputs(
        run,
        title=f"mmarc study: {spec.name}",
        spec_text=spec_path.read_text(encoding="utf-8"),
    )
    if run.failed:
        names = ", ".join(sorted(run.failed))
        raise StudyError(
            f"{len(run.failed)} of {len(run.settings)} setting(s) failed ({names}); "
            f"the others are in {result.csv}; run the study again to retry them"
        )
    return result
