"""Modules imported without running them until first use (runtime/deferred.py).

Real modules written to a temporary folder: each appends to a list when its code runs, so
a test sees exactly when (and how often) that happens. The last test runs the worker's
own preload in a fresh interpreter: ``matplotlib.pyplot``, which MONAI imports, is still
deferred after it, and MONAI still sees matplotlib as installed.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from mmarc.runtime.deferred import deferred

#: What the test modules append to when their code runs.
ran: list[str] = []


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh package with modules ``plain``, ``failing`` and ``user``; its name."""
    name = f"deferred_pkg_{uuid.uuid4().hex[:12]}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    record = f"from {__name__} import ran\nran.append(__name__)\n"
    (root / "plain.py").write_text(record + "VALUE = 42\ndef twice(x):\n    return 2 * x\n")
    (root / "failing.py").write_text(record + "raise RuntimeError('no display')\n")
    # a module that imports the deferred one again and reads its metadata, as MONAI does
    (root / "user.py").write_text(
        f"import {name}.plain as plain\n"
        f"import importlib\n"
        f"again = importlib.import_module('{name}.plain')\n"
        f"where = getattr(again, '__file__', None)\n"
        f"package_like = hasattr(again, '__path__')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    ran.clear()
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def test_a_deferred_module_runs_on_first_use_and_only_once(package: str) -> None:
    with deferred([f"{package}.plain"]):
        plain = importlib.import_module(f"{package}.plain")
        user = importlib.import_module(f"{package}.user")
    assert ran == []  # imported twice, its file and path read: not run
    assert user.plain is plain and user.again is plain
    assert user.where is not None and user.where.endswith("plain.py")
    assert user.package_like is False
    assert plain.VALUE == 42
    assert ran == [f"{package}.plain"]
    assert plain.twice(4) == 8
    assert ran == [f"{package}.plain"]
    assert type(plain) is ModuleType
    # once run, a reload runs it again at once, as for any module
    importlib.reload(plain)
    assert ran == [f"{package}.plain"] * 2


def test_setting_an_attribute_runs_the_module_first(package: str) -> None:
    with deferred([f"{package}.plain"]):
        plain = importlib.import_module(f"{package}.plain")
    plain.VALUE = 7  # the module's own VALUE = 42 must not overwrite it later
    assert ran == [f"{package}.plain"]
    assert plain.VALUE == 7


def test_threads_that_use_a_deferred_module_at_once_run_it_once(package: str) -> None:
    with deferred([f"{package}.plain"]):
        plain = importlib.import_module(f"{package}.plain")
    start = threading.Barrier(8)
    seen: list[int] = []

    def use() -> None:
        start.wait()
        seen.append(plain.VALUE)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [42] * 8
    assert ran == [f"{package}.plain"]


def test_a_module_that_fails_on_first_use_raises_there_and_stays_deferred(package: str) -> None:
    with deferred([f"{package}.failing"]):
        failing = importlib.import_module(f"{package}.failing")
    assert ran == []
    with pytest.raises(RuntimeError, match="no display"):
        _ = failing.anything
    with pytest.raises(RuntimeError, match="no display"):  # tried again, fails again
        _ = failing.anything
    assert ran == [f"{package}.failing"] * 2


def test_only_the_named_modules_and_only_inside_the_block(package: str) -> None:
    with pytest.raises(KeyError), deferred([f"{package}.failing"]):
        raise KeyError("the finder goes even when the block fails")
    importlib.import_module(f"{package}.plain")  # outside: runs at import
    assert ran == [f"{package}.plain"]
    with deferred([f"{package}.other"]), pytest.raises(RuntimeError, match="no display"):
        importlib.import_module(f"{package}.failing")  # not named: runs at import
    assert ran == [f"{package}.plain", f"{package}.failing"]
    assert not [f for f in sys.meta_path if type(f).__name__ == "_DeferringFinder"]


def test_the_worker_preload_leaves_matplotlib_pyplot_to_its_first_use() -> None:
    pytest.importorskip("matplotlib")
    code = (
        "import sys\n"
        "from mmarc.runtime.sim import worker\n"
        "worker._preload()\n"
        "import monai.utils.jupyter_utils as j\n"
        "pyplot = sys.modules['matplotlib.pyplot']\n"
        "print(type(pyplot).__name__, j.has_matplotlib, j.plt is pyplot)\n"
        "print(callable(pyplot.figure), type(pyplot).__name__)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["_DeferredModule True True", "True module"]
