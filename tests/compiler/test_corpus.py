"""The compatibility suite: every real Clara/NVFlare file is accepted, or rejected with a
located diagnostic that names the version it belongs to and the fix.

Each file is validated alone (as `mmarc validate FILE` would), with its MMAR's
environment.json as context where it has one. The exact component diagnostics per file
are pinned in test_check_components.py; this suite checks the promises every file keeps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mmarc import api
from mmarc.diagnostics import Severity

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".json", ".yml"))

#: Clara version each corpus file must be detected as ("" where files carry no version).
EXPECTED_VERSION = {
    "fl/clara3x_config_fed_client.json": "3.x",
    "fl/clara3x_config_fed_server.json": "3.x",
    "fl/clara40_config_fed_client.json": "4.0",
    "fl/clara40_config_fed_client_w_SVT.json": "4.0",
    "fl/clara40_config_fed_server.json": "4.0",
    "fl/clara40ea_config_fed_client.json": "4.0-ea",
    "mmar-3x/trn_base.json": "3.x",
    "mmar-4.0/config_train_Unet.json": "4.0",
    "mmar-4.1/config_train_Unet.json": "4.1",
    "mmar-4.1/config_validation.json": "4.1",
}


def test_the_corpus_is_all_here() -> None:
    assert len(FILES) == 16
    assert set(EXPECTED_VERSION) <= {p.relative_to(CORPUS).as_posix() for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_every_file_is_accepted_or_rejected_with_located_fixes(path: Path) -> None:
    rel = path.relative_to(CORPUS).as_posix()
    result = api.validate(path)
    detected = {f["file"]: f for f in result.detected()["files"]}
    [entry] = detected.values()
    assert entry["clara_version"] == (EXPECTED_VERSION.get(rel) or "unknown")
    for d in result.diagnostics:
        assert d.line is not None and d.column is not None, d
        if d.severity is Severity.ERROR:
            assert d.hint, f"{rel}: error without a fix: {d}"
    errors = {d.code for d in result.diagnostics.errors}
    if EXPECTED_VERSION.get(rel) == "3.x":
        # a 3.x file gets one error that says what it is and what to do, nothing else
        assert errors == {"V001"}
        [v001] = result.diagnostics.errors
        assert "3.x" in v001.message and "4" in (v001.hint or "")
    elif rel.startswith("mmar-4") or rel.startswith("fl/"):
        # what 4.x files truly have under the installed MONAI is a renamed argument (C005),
        # whose message names the MONAI release; and a 4.0 file read alone lacks the
        # environment.json of its MMAR (X001, with X004 saying why)
        assert errors <= {"C005", "X001"}, result.diagnostics.errors
        for d in result.diagnostics.errors:
            if d.code == "C005":
                assert "MONAI" in d.message
    else:
        assert not errors, result.diagnostics.errors


def test_migrated_41_mmar_compiles(tmp_path: Path) -> None:
    src = tmp_path / "src" / "config"
    src.mkdir(parents=True)
    for name in ("config_train_Unet.json", "config_validation.json", "environment.json"):
        (src / name).write_bytes((CORPUS / "mmar-4.1" / name).read_bytes())
    report = api.migrate(tmp_path / "src", tmp_path / "out")
    assert report.complete, report.lines()
    compiled = api.compile_plan(tmp_path / "out")
    assert compiled.plan is not None, list(compiled.validation.diagnostics.errors)
    assert compiled.plan.train["model"]["args"]["spatial_dims"] == 3
    assert compiled.plan.clara_version == "4.1"
