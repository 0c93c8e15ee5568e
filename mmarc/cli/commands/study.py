"""``mmarc study SPEC``: run a grid of simulated federations and report on them.

A thin shell over :func:`mmarc.study.study`: it checks the ``study`` extra (torch, MONAI
and matplotlib), prints the spec's located errors like ``validate`` does, and one line
per finished setting with the study's ETA.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mmarc.extras import STUDY_MODULES, require_extra

from ..errors import stopped_message
from ..options import SetOpt

__all__ = ["study"]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def study(
    spec: Annotated[Path, typer.Argument(help="The study spec (YAML).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The study folder (default runs/<name>)."),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", metavar="N", help="Settings run side by side.")
    ] = 1,
    sets: SetOpt = None,
) -> None:
    """Run a study: clients x epochs/round x data share; CSV, plots and report.html."""
    require_extra("study", "study", STUDY_MODULES)
    from mmarc.study import Progress, StudySpecError
    from mmarc.study import study as run

    def line(p: Progress) -> None:
        acc = f"accuracy {p.accuracy:.4f}" if p.accuracy is not None else p.detail
        took = "" if p.status == "skipped" else f" in {_duration(p.wall_s)}"
        eta = f"; ETA {_duration(p.eta_s)}" if p.index < p.total and p.eta_s is not None else ""
        typer.echo(f"[{p.index}/{p.total}] {p.setting.id}: {p.status}{took}, {acc}{eta}")

    try:
        with stopped_message("interrupted; finished settings are kept (run again to resume)"):
            result = run(spec, output, jobs=jobs, sets=sets, on_progress=line)
    except StudySpecError as exc:
        if exc.diagnostics:
            from mmarc.report.text import render_text

            sys.stdout.write(render_text(exc.diagnostics, exc.sources))
            sys.stdout.flush()
        raise
    typer.echo(f"results: {result.csv}")
    typer.echo(f"plots: {result.csv.parent / 'plots'} ({len(result.plots)} files)")
    typer.echo(f"report: {result.report}")
