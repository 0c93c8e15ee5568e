"""Which commands need an optional extra (run, serve, study, ui), and how to install it.

Why: ``pip install mmarc`` is what CI and editors use (validate, lint, compile, schema,
migrate, provision, admin) and leaves out torch, MONAI, ignite, tensorboard and nibabel;
``pip install 'mmarc[run]'`` adds them for training, evaluation and federation. A command
that needs them checks here first, without importing them, so a missing install is one
readable line and exit status 2 rather than a ``ModuleNotFoundError`` traceback from deep
inside the runtime.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

from mmarc.errors import EXIT_USAGE, MmarcError

__all__ = [
    "RUN_COMMANDS",
    "RUN_EXTRA",
    "RUN_MODULES",
    "SERVE_MODULES",
    "STUDY_MODULES",
    "UI_MODULES",
    "MissingExtraError",
    "missing_run_modules",
    "require_extra",
    "require_run_extra",
]

#: The name of the optional dependency group in pyproject.toml.
RUN_EXTRA = "run"

#: What a command that trains imports, as ``(import name, distribution name)``; the rest
#: of the extra (tensorboard, nibabel) is only imported by the MMARs that use it.
RUN_MODULES: tuple[tuple[str, str], ...] = (
    ("torch", "torch"),
    ("monai", "monai"),
    ("ignite", "pytorch-ignite"),
)

#: The commands (``catalog build`` by its full name) that need the extra.
RUN_COMMANDS: frozenset[str] = frozenset({"run", "evaluate", "server", "client", "catalog build"})


class MissingExtraError(MmarcError):
    """A command needs packages of the ``run`` extra that are not installed."""

    exit_code = EXIT_USAGE


def missing_run_modules(
    modules: Sequence[tuple[str, str]] = RUN_MODULES,
) -> list[str]:
    """The distributions of ``modules`` that cannot be imported here (nothing is imported)."""
    missing = []
    for module, distribution in modules:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(distribution)
    return missing


def require_run_extra(command: str) -> None:
    """Raise :class:`MissingExtraError` unless ``mmarc COMMAND`` can import what it trains with."""
    require_extra(command, RUN_EXTRA, RUN_MODULES)


#: What ``mmarc ui`` imports, as ``(import name, distribution name)``.
UI_MODULES: tuple[tuple[str, str], ...] = (
    ("fastapi", "fastapi"),
    ("uvicorn", "uvicorn"),
    ("jinja2", "jinja2"),
    ("multipart", "python-multipart"),
    ("sqlalchemy", "sqlalchemy"),
    ("alembic", "alembic"),
    ("argon2", "argon2-cffi"),
    ("pyzipper", "pyzipper"),
)


#: What ``mmarc serve`` imports: the ``run`` extra and the web server.
SERVE_MODULES: tuple[tuple[str, str], ...] = (
    *RUN_MODULES,
    ("fastapi", "fastapi"),
    ("uvicorn", "uvicorn"),
    ("multipart", "python-multipart"),
)
#: What ``mmarc study`` imports: the ``run`` extra and the plotting library.
STUDY_MODULES: tuple[tuple[str, str], ...] = (*RUN_MODULES, ("matplotlib", "matplotlib"))


def require_extra(command: str, extra: str, modules: Sequence[tuple[str, str]]) -> None:
    """Raise :class:`MissingExtraError` unless ``modules`` of the extra ``extra`` import.

    The message names what is missing and the one command that installs it.
    """
    missing = missing_run_modules(modules)
    if not missing:
        return
    names = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    raise MissingExtraError(
        f"`mmarc {command}` needs {names}, which `pip install mmarc` leaves out; "
        f"install them with: pip install 'mmarc[{extra}]'"
    )
