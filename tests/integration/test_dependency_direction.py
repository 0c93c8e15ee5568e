"""The dependency direction, read from the source with ``ast``: compiler <- runtime <- CLI.

``runtime/`` may import the shared typed models (``mmarc.plan``, ``mmarc.policy``,
``mmarc.catalog``, ``mmarc.errors``) but never ``mmarc.api``, ``mmarc.cli`` or the
compiler; where it must compile, its caller hands it a compile function. The compiler
never imports the runtime or the CLI, so the two cannot form an import cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime"
COMPILER = ROOT / "mmarc" / "compiler"

FORBIDDEN_IN_RUNTIME = ("mmarc.api", "mmarc.cli", "mmarc.compiler")

#: Imports still waiting for their new home, each with where it goes. The list may only
#: shrink: an entry that no longer occurs fails the test, so it is removed with the import.
PENDING: dict[tuple[str, str], str] = {}


def _imports(path: Path, package: str) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against ``package``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            # ``from mmarc import api`` imports the module mmarc.api
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _package_of(path: Path, root: Path, name: str) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        return ".".join([name, *parts[:-1]])
    return ".".join([name, *parts[:-1]]) if len(parts) > 1 else name


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_runtime_imports_neither_api_nor_cli_nor_compiler() -> None:
    seen: set[tuple[str, str]] = set()
    offending: list[str] = []
    for path in sorted(RUNTIME.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        package = _package_of(path, RUNTIME, "mmarc.runtime")
        for module in sorted(_imports(path, package)):
            prefix = next((p for p in FORBIDDEN_IN_RUNTIME if _under(module, p)), None)
            if prefix is None:
                continue
            key = next(
                (k for k in PENDING if k[0] == rel and _under(module, k[1])),
                None,
            )
            if key is not None:
                seen.add(key)
            elif module != "mmarc.compiler":  # the parent of a listed module
                offending.append(f"{rel} imports {module}")
    assert offending == [], "\n".join(offending)
    assert sorted(set(PENDING) - seen) == [], "moved: remove these from PENDING"


def test_compiler_never_imports_runtime_or_cli() -> None:
    offending = []
    for path in sorted(COMPILER.rglob("*.py")):
        package = _package_of(path, COMPILER, "mmarc.compiler")
        for module in sorted(_imports(path, package)):
            if any(_under(module, p) for p in ("mmarc.runtime", "mmarc.cli", "mmarc.api")):
                offending.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offending == [], "\n".join(offending)


def test_no_import_cycle_between_compiler_and_runtime() -> None:
    """A cycle needs an edge each way; with none from the compiler there is none."""
    runtime_to_compiler = any(
        _under(module, "mmarc.compiler")
        for path in RUNTIME.rglob("*.py")
        for module in _imports(path, _package_of(path, RUNTIME, "mmarc.runtime"))
    )
    compiler_to_runtime = any(
        _under(module, "mmarc.runtime")
        for path in COMPILER.rglob("*.py")
        for module in _imports(path, _package_of(path, COMPILER, "mmarc.compiler"))
    )
    assert not (runtime_to_compiler and compiler_to_runtime)
    assert not compiler_to_runtime
