"""``mmarc study`` results in the run database: one row per line of a study's results.csv.

Why a strict reader: the file comes from disk or from an upload; every column is named
and typed here (the columns ``mmarc study`` writes), a missing or extra column or a bad
value is refused with its line number, and nothing is stored unless the whole file reads.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from mmarc.study.results import COLUMNS as CSV_COLUMNS
from mmarc.ui.db import Database, StudyResult
from mmarc.ui.errors import UiError

__all__ = [
    "CSV_COLUMNS",
    "MAX_ROWS",
    "STORED",
    "import_study",
    "import_study_csv",
    "study_summaries",
]

#: The ``results.csv`` columns the run database keeps: column -> (StudyResult attribute,
#: type). The file's own column list is ``mmarc study``'s contract, :data:`CSV_COLUMNS`.
STORED: dict[str, tuple[str, type]] = {
    "setting": ("setting", str),
    "plan_sha256": ("plan_sha256", str),
    "clients": ("clients", int),
    "epochs_per_round": ("epochs_per_round", int),
    "data_share": ("data_share", float),
    "round": ("round", int),
    "epoch": ("epoch", int),
    "accuracy": ("accuracy", float),
    "loss": ("loss", float),
    "wall_s": ("wall_seconds", float),
    "bytes": ("bytes", int),
}
MAX_ROWS = 100_000
_OPTIONAL = ("accuracy", "loss")


def _value(column: str, text: str, line: int) -> Any:
    kind = STORED[column][1]
    if text == "" and column in _OPTIONAL:
        return None
    if kind is str:
        if len(text) > 256:
            raise UiError(f"results.csv:{line}: {column} is longer than 256 characters")
        return text
    try:
        value = int(text) if kind is int else float(text)
    except ValueError:
        raise UiError(f"results.csv:{line}: {column} {text[:40]!r} is not a number") from None
    if isinstance(value, float) and not math.isfinite(value):
        if column in _OPTIONAL:
            return None
        raise UiError(f"results.csv:{line}: {column} must be finite")
    return value


def import_study_csv(db: Database, study: str, text: str) -> int:
    """Store the rows of a results.csv's ``text`` under ``study``; how many."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in CSV_COLUMNS if c not in header]
    extra = [c for c in header if c not in CSV_COLUMNS]
    if missing or extra:
        raise UiError(
            "results.csv:1: "
            + (f"missing columns {', '.join(missing)}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"unknown columns {', '.join(c[:40] for c in extra)}" if extra else "")
        )
    rows: list[StudyResult] = []
    for line, record in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise UiError(f"results.csv: more than {MAX_ROWS} rows")
        if None in record:
            raise UiError(f"results.csv:{line}: more values than columns")
        values = {
            attribute: _value(c, (record.get(c) or "").strip(), line)
            for c, (attribute, _) in STORED.items()
        }
        rows.append(StudyResult(study=study[:256], **values))
    if not rows:
        raise UiError("results.csv: no rows")
    with db.session() as s:
        s.add_all(rows)
        s.commit()
    return len(rows)


def import_study(db: Database, folder: Path) -> int:
    """Import ``folder/results.csv`` (a ``mmarc study`` output folder), named by the folder."""
    path = Path(folder) / "results.csv"
    if not path.is_file():
        raise UiError(f"{folder}: no results.csv (is it a mmarc study output folder?)")
    return import_study_csv(db, Path(folder).resolve().name, path.read_text(encoding="utf-8"))


def study_summaries(db: Database) -> list[dict[str, Any]]:
    """Per study and setting: rows, best accuracy, last loss, total wall seconds."""
    with db.session() as s:
        rows = s.execute(
            select(
                StudyResult.study,
                StudyResult.setting,
                func.count(StudyResult.id),
                func.max(StudyResult.accuracy),
                func.sum(StudyResult.wall_seconds),
            )
            .group_by(StudyResult.study, StudyResult.setting)
            .order_by(StudyResult.study, StudyResult.setting)
        ).all()
    return [
        {"study": r[0], "setting": r[1], "rows": r[2], "best_accuracy": r[3], "wall_seconds": r[4]}
        for r in rows
    ]
