"""`pip install mmarc` (no extra) in a fresh venv: no torch or MONAI, and lint works.

The project is installed from a copy of this tree, the way CI and editors install it; pip
fetches the light dependencies (pydantic, typer...) from the configured index. Commands that
train say, in one line, how to install the ``run`` extra.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, tiny_digits

from mmarc.extras import RUN_EXTRA, missing_run_modules

HEAVY = ("torch", "monai", "ignite", "tensorboard", "nibabel")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.mark.slow
def test_base_install_has_no_torch_and_lints_an_mmar(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for folder in ("mmarc", "runtime"):
        shutil.copytree(REPO / folder, src / folder, ignore=junk)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python, mmarc = venv / "bin" / "python", venv / "bin" / "mmarc"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(src)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=900,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    found = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u, sys; "
            f"print(','.join(m for m in {HEAVY!r} if u.find_spec(m)))",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=60,
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "", f"pip install mmarc installed {found.stdout.strip()}"

    mmar = tiny_digits(tmp_path / "mmars")
    lint = subprocess.run(
        [str(mmarc), "lint", str(mmar)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Traceback" not in lint.stdout + lint.stderr

    run = subprocess.run(
        [str(mmarc), "run", str(mmar), "--local"],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"pip install 'mmarc[{RUN_EXTRA}]'" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_missing_modules_are_named_by_their_distribution() -> None:
    assert missing_run_modules() == []  # the test environment installs the run extra
    absent = (("mmarc_no_such_module", "no-such-dist"), ("json", "json"))
    assert missing_run_modules(absent) == ["no-such-dist"]
