"""mmarc's library API: what the CLI calls and what tests and other tools call directly.

Every function here takes paths and plain options and returns result objects; none
prints or exits. Schema-level work (validate, lint, schema, compile) never imports torch
or MONAI.
"""

from __future__ import annotations

from pathlib import Path

from mmarc.compiler.mmar import UsageError
from mmarc.compiler.pipeline import Validation, validate_target

__all__ = ["UsageError", "Validation", "validate", "write_schemas"]


def validate(path: Path | str, sets: list[str] | None = None, cwd: Path | None = None) -> Validation:
    """Validate an MMAR folder or one of its files (``mmarc validate``)."""
    return validate_target(Path(path), sets=sets, cwd=cwd)


def write_schemas(out_dir: Path | str) -> list[Path]:
    """Write the JSON Schema of every file kind into ``out_dir`` (``mmarc schema``)."""
    from mmarc.compiler.schemas import write_schemas as _write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return _write(out)
