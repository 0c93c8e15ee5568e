"""``mmarc study SPEC``: the seed's experiment as a command.

A study runs one MMAR as a grid of simulated federations (number of clients, local
epochs per round, share of the data; seeds) and writes ``results.csv``, plots and a
self-contained ``report.html``. Stages, one module each: :mod:`.spec` (the YAML spec,
validated with located errors), :mod:`.grid` (the settings), :mod:`.runner` (simulator
runs, resumable, ``--jobs``), :mod:`.results` (the CSV from the runs' own files),
:mod:`.plots` (matplotlib, lazily) and :mod:`.report` (the HTML page); :mod:`.outputs`
ties them together. Nothing here imports torch, MONAI or matplotlib at import time.
"""

from __future__ import annotations

from .grid import Setting, expand
from .outputs import StudyResult, study, write_outputs
from .results import COLUMNS, read_csv, rows_of
from .runner import Progress, StudyError, StudyRun, run_study
from .spec import StudySpec, StudySpecError, load_spec

__all__ = [
    "COLUMNS",
    "Progress",
    "Setting",
    "StudyError",
    "StudyResult",
    "StudyRun",
    "StudySpec",
    "StudySpecError",
    "expand",
    "load_spec",
    "read_csv",
    "rows_of",
    "run_study",
    "study",
    "write_outputs",
]
