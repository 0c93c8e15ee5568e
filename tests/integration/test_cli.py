"""The `mmarc` command as users run it: real processes, exit codes, output formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli as mmarc

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits_cnn"
CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"


@pytest.fixture
def broken_mmar(tmp_path: Path) -> Path:
    mmar = tmp_path / "mmar"
    shutil.copytree(EXAMPLE / "config", mmar / "config")
    train = mmar / "config" / "config_train.json"
    text = train.read_text()
    text = text.replace('"@dataloader"', '"@dataloadr"', 1)
    train.write_text(text)
    return mmar


def test_valid_example_exits_0() -> None:
    result = mmarc("validate", "examples/digits_cnn")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems found" in result.stdout


def test_errors_exit_1_with_code_frame(broken_mmar: Path) -> None:
    result = mmarc("validate", str(broken_mmar))
    assert result.returncode == 1
    assert "error[R001]" in result.stdout
    assert "^^^^^^^^^^^^" in result.stdout
    assert "did you mean @dataloader?" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_json_contract_paths_open_from_cwd(broken_mmar: Path) -> None:
    result = mmarc("validate", "mmar", "--format", "json", cwd=broken_mmar.parent)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["summary"]["errors"] >= 1
    for d in report["diagnostics"]:
        assert (broken_mmar.parent / d["file"]).is_file(), d["file"]
        assert set(d) == {
            "severity",
            "code",
            "message",
            "file",
            "line",
            "column",
            "pointer",
            "hint",
        }
    codes = {d["code"] for d in report["diagnostics"]}
    assert "R001" in codes


def test_sarif_output(broken_mmar: Path) -> None:
    result = mmarc("validate", str(broken_mmar), "--format", "sarif")
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    assert any(r["ruleId"] == "R001" for r in sarif["runs"][0]["results"])


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "does/not/exist"),
        ("validate", "README.md"),
        ("validate", "examples/digits_cnn", "--format", "xml"),
    ],
)
def test_usage_errors_exit_2_without_traceback(args: tuple[str, ...]) -> None:
    result = mmarc(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_unknown_kind_file_is_a_usage_error(tmp_path: Path) -> None:
    odd = tmp_path / "notes.json"
    odd.write_text('{"hello": [1, 2]}')
    result = mmarc("validate", str(odd))
    assert result.returncode == 2
    assert "cannot tell what kind of file" in result.stderr


def test_set_overrides_and_bad_set() -> None:
    ok = mmarc("validate", "examples/digits_cnn", "--set", "epochs=3")
    assert ok.returncode == 0
    bad = mmarc("validate", "examples/digits_cnn", "--set", "no-equals-sign", "-f", "json")
    report = json.loads(bad.stdout)
    assert any(d["code"] == "X003" for d in report["diagnostics"])
    assert bad.returncode == 1


def test_3x_file_is_rejected_with_version_and_fix() -> None:
    result = mmarc("validate", str(CORPUS / "mmar-3x" / "trn_base.json"), "-f", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    [diag] = [d for d in report["diagnostics"] if d["code"] == "V001"]
    assert "3.x" in diag["message"] and diag["hint"]
    assert diag["line"] is not None


def test_schema_level_commands_import_neither_torch_nor_monai(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from mmarc.cli import app\n"
        "for args in ([ 'validate', 'examples/digits_cnn'], ['lint', 'examples/digits_cnn'],\n"
        f"             ['schema', '--out', {str(tmp_path)!r}],\n"
        "             ['compile', 'examples/digits_cnn']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('torch', 'monai', 'ignite') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


@pytest.mark.parametrize(("preset", "seen"), [(None, "0"), ("1", "1")])
def test_processes_mmarc_starts_get_numpy_without_huge_pages_unless_told(
    preset: str | None, seen: str
) -> None:
    """mmarc.cli switches numpy's huge pages off (NUMPY_MADVISE_HUGEPAGE, read when numpy
    is imported: nothing imports it first) for itself and what it starts; a value the
    user set stays."""
    probe = (
        "import os, sys\n"
        "import mmarc.cli\n"
        "assert 'numpy' not in sys.modules\n"
        "print(os.environ['NUMPY_MADVISE_HUGEPAGE'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if preset is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = preset
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == seen


def test_schema_command_writes_every_kind(tmp_path: Path) -> None:
    result = mmarc("schema", "--out", str(tmp_path))
    assert result.returncode == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "config_train.schema.json" in names
    assert "project.draft-07.schema.json" in names
