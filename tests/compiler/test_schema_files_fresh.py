"""The JSON Schema files committed in schemas/ are exactly what the models generate, and
the fast validators in mmarc/compiler/schemas/compiled exactly what the schemas generate.

Editors and yaml-language-server read the committed files, so a model change that is not
regenerated would leave them validating against an old schema; a stale validator would
let the schema stage's fast path accept a file the models now refuse. Generating twice
must also give the same bytes, or the files would churn in every commit.
"""

from __future__ import annotations

from pathlib import Path

from mmarc.compiler.schemas import write_schemas
from mmarc.compiler.schemas.fastpath_build import write_validators

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "schemas"
COMPILED = REPO / "mmarc" / "compiler" / "schemas" / "compiled"
REGENERATE = (
    "the JSON Schemas in schemas/ or the validators in mmarc/compiler/schemas/compiled are "
    "stale: run `mmarc schema --out schemas --validators mmarc/compiler/schemas/compiled` "
    "and commit the result"
)


def test_committed_schemas_match_the_models(tmp_path: Path) -> None:
    written = write_schemas(tmp_path)
    fresh = {path.name for path in written}
    committed = {path.name for path in COMMITTED.glob("*.schema.json")}
    assert committed == fresh, f"{REGENERATE}; differing files: {sorted(committed ^ fresh)}"
    stale = [
        name
        for name in sorted(fresh)
        if (COMMITTED / name).read_bytes() != (tmp_path / name).read_bytes()
    ]
    assert stale == [], f"{REGENERATE}; stale: {stale}"


def test_generation_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first = {p.name: p.read_bytes() for p in write_schemas(tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_schemas(tmp_path / "b")}
    assert first == second
    assert all(text.endswith(b"}\n") and b"\r" not in text for text in first.values())


def test_committed_validators_match_the_schemas(tmp_path: Path) -> None:
    written = write_validators(tmp_path)
    fresh = {path.name for path in written}
    committed = {path.name for path in COMPILED.glob("*.py")} - {"__init__.py"}
    assert committed == fresh, f"{REGENERATE}; differing files: {sorted(committed ^ fresh)}"
    stale = [
        name
        for name in sorted(fresh)
        if (COMPILED / name).read_bytes() != (tmp_path / name).read_bytes()
    ]
    assert stale == [], f"{REGENERATE}; stale: {stale}"
    again = {p.name: p.read_bytes() for p in write_validators(tmp_path / "again")}
    assert again == {p.name: p.read_bytes() for p in written}
