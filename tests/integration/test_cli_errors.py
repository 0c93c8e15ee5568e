"""Errors reach the user in one way: one line on stderr, the error's exit status, no traceback.

Every exception class mmarc raises for something a user or a peer can fix subclasses
:class:`MmarcError`; the CLI maps them in one place (:mod:`mmarc.cli.errors`). Checked
class by class in-process, and end to end through real ``mmarc`` processes.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import subprocess
from pathlib import Path

import pytest
import typer
from helpers import run_cli as mmarc

from mmarc.cli.errors import mapped_errors, stopped_message
from mmarc.errors import EXIT_ERRORS, EXIT_INTERRUPTED, EXIT_USAGE, MmarcError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "digits_cnn"

#: Every user-facing exception class, and the exit status it must carry.
EXPECTED_EXIT = {
    "UsageError": EXIT_USAGE,
    "MigrationError": EXIT_USAGE,
    "CommandError": EXIT_USAGE,
    "MissingExtraError": EXIT_USAGE,
    "RunInterrupted": EXIT_INTERRUPTED,
    "SimInterrupted": EXIT_INTERRUPTED,
    **dict.fromkeys(
        [
            "PlanError",
            "ResultRefused",
            "FedOptSettingsError",
            "StrategyConfigError",
            "HEError",
            "PointerError",
            "PinMismatch",
            "PinStoreError",
            "UnsafeName",
            "UnsafePath",
            "CompileErrors",
            "CompileRefused",
            "FLConfigError",
            "PersistError",
            "ServerError",
            "AdminProtocolError",
            "AdminConnectionError",
            "ControlError",
            "AggregationError",
            "ProtocolError",
            "VersionMismatch",
            "ExecutorError",
            "SimError",
            "FilterConfigError",
            "TransportError",
            "RegistrationRefused",
            "ClientError",
            "KitClientRefused",
            "KitError",
            "ProvisionError",
            "UploadRefused",
            "PolicyError",
            "ManifestError",
            "ServeError",
            "UiError",
            "StudySpecError",
            "StudyError",
        ],
        EXIT_ERRORS,
    ),
}


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


@pytest.fixture(scope="module")
def error_classes() -> dict[str, type[MmarcError]]:
    """Every MmarcError subclass in mmarc and its runtime (every module imported)."""
    import mmarc.runtime

    import mmarc

    for package in (mmarc, mmarc.runtime):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".cli." in info.name or info.name.endswith("__main__"):
                continue
            importlib.import_module(info.name)
    return {c.__name__: c for c in _all_subclasses(MmarcError) if c.__module__.startswith("mmarc")}


def test_every_user_facing_error_is_an_mmarc_error(
    error_classes: dict[str, type[MmarcError]],
) -> None:
    missing = sorted(set(EXPECTED_EXIT) - set(error_classes))
    assert missing == [], f"not MmarcError subclasses: {missing}"
    unlisted = sorted(set(error_classes) - set(EXPECTED_EXIT))
    assert unlisted == [], f"new MmarcError subclasses: add them to EXPECTED_EXIT: {unlisted}"


def test_each_error_class_carries_its_exit_status(
    error_classes: dict[str, type[MmarcError]],
) -> None:
    wrong = {
        name: cls.exit_code
        for name, cls in error_classes.items()
        if cls.exit_code != EXPECTED_EXIT[name]
    }
    assert wrong == {}


def test_each_error_maps_to_one_line_and_its_exit_status(
    error_classes: dict[str, type[MmarcError]], capsys: pytest.CaptureFixture[str]
) -> None:
    for name, cls in sorted(error_classes.items()):
        if name == "CompileErrors":  # carries an MMAR's diagnostics: checked end to end
            continue
        error = cls.__new__(cls)
        Exception.__init__(error, f"{name} went wrong\nat two places")
        with pytest.raises(typer.Exit) as stopped, mapped_errors():
            raise error
        assert stopped.value.exit_code == EXPECTED_EXIT[name], name
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{name} went wrong at two places" in err, (name, err)
        assert err.startswith("mmarc: ")


def test_ctrl_c_and_os_errors_are_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as stopped, mapped_errors():
        raise KeyboardInterrupt
    assert stopped.value.exit_code == EXIT_INTERRUPTED
    with pytest.raises(typer.Exit) as failed, mapped_errors():
        raise PermissionError(13, "Permission denied", "/root/x")
    assert failed.value.exit_code == EXIT_ERRORS
    assert capsys.readouterr().err == (
        "mmarc: interrupted\nmmarc: error: /root/x: Permission denied\n"
    )


@pytest.fixture
def broken_mmar(tmp_path: Path) -> Path:
    mmar = tmp_path / "mmar"
    shutil.copytree(EXAMPLE / "config", mmar / "config")
    train = mmar / "config" / "config_train.json"
    train.write_text(train.read_text().replace('"@dataloader"', '"@dataloadr"', 1))
    return mmar


def _one_error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mmarc: ")
    return lines[0]


def test_usage_errors_through_real_processes(tmp_path: Path) -> None:
    line = _one_error_line(mmarc("compile", str(tmp_path / "missing")), EXIT_USAGE)
    assert "missing" in line
    line = _one_error_line(mmarc("run", "examples/digits_cnn"), EXIT_USAGE)
    assert "--local" in line and "--sim" in line
    line = _one_error_line(mmarc("admin", str(tmp_path / "nokit"), "-c", "ls"), EXIT_USAGE)
    assert "no such kit folder" in line
    (tmp_path / "taken").write_text("a file")
    line = _one_error_line(
        mmarc("migrate", "examples/digits_cnn", "-o", str(tmp_path / "taken")), 2
    )
    assert "taken" in line


def test_mmar_errors_print_diagnostics_then_one_line(broken_mmar: Path) -> None:
    for args in (["compile", str(broken_mmar)], ["run", str(broken_mmar), "--local"]):
        result = mmarc(*args)
        line = _one_error_line(result, EXIT_ERRORS)
        assert "1 error(s) found" in line
        assert "error[R001]" in result.stdout  # the located diagnostic, on stdout


def test_a_kit_that_does_not_verify_is_one_line(tmp_path: Path) -> None:
    fake = tmp_path / "kit" / "startup"
    fake.mkdir(parents=True)
    (fake / "fed_client.json").write_text("{}")
    line = _one_error_line(mmarc("client", str(tmp_path / "kit")), EXIT_ERRORS)
    assert "kit" in line


def test_ctrl_c_inside_a_command_names_what_was_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as stop, mapped_errors(), stopped_message("server stopped"):
        raise KeyboardInterrupt
    assert stop.value.exit_code == 130
    assert capsys.readouterr().err.strip() == "mmarc: server stopped"
