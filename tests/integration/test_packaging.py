"""The package list in pyproject.toml covers every package folder; runtime/ is mmarc.runtime;
the ``mmarc`` console script resolves to the CLI package."""

from __future__ import annotations

import importlib
import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for top, name in (("mmarc", "mmarc"), ("runtime", "mmarc.runtime")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((name, *rel)))
    assert found == listed, (
        f"pyproject packages differ: missing {found - listed}, extra {listed - found}"
    )


def test_runtime_installs_as_mmarc_runtime_not_bare_runtime() -> None:
    spec = importlib.util.find_spec("mmarc.runtime")
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).parent == ROOT / "runtime"
    # tests/runtime (a test folder on pytest's path) may show up as a namespace package;
    # what must never be importable is the project's runtime/ folder as bare ``runtime``
    bare = importlib.util.find_spec("runtime")
    locations = [Path(p) for p in (bare.submodule_search_locations or [])] if bare else []
    assert ROOT / "runtime" not in locations


def test_console_script_resolves_to_the_cli_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, attr = config["mmarc"].partition(":")
    assert (module, attr) == ("mmarc.cli", "main")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin) == ROOT / "mmarc" / "cli" / "__init__.py"  # a package now
    assert callable(getattr(importlib.import_module(module), attr))
