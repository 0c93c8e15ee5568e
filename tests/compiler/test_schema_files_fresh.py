"""The JSON Schema files committed in schemas/ are exactly what the models generate.

Editors and yaml-language-server read the committed files, so a model change that is not
regenerated would leave them validating against an old schema. Generating twice must
also give the same bytes, or the files would churn in every commit.
"""

from __future__ import annotations

from pathlib import Path

from mmarc.compiler.schemas import write_schemas

COMMITTED = Path(__file__).resolve().parents[2] / "schemas"
REGENERATE = (
    "the JSON Schemas in schemas/ are stale: run `mmarc schema --out schemas` "
    '(or: python -c "from pathlib import Path; from mmarc.compiler.schemas import '
    "write_schemas; write_schemas(Path('schemas'))\") and commit the result"
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
