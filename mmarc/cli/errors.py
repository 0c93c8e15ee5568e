"""The one place the CLI turns an error into output and an exit status.

Every command is registered through :func:`command`, which runs it under
:func:`mapped_errors`: an :class:`~mmarc.errors.MmarcError` prints its one line on stderr
(after the diagnostics, when it carries an MMAR's) and exits with its ``exit_code``;
Ctrl-C/SIGTERM exit 130 with a line saying what was kept; an ``OSError`` (a port in use,
a folder that cannot be written) is one error line. Nothing a user can cause prints a
traceback; a bug in mmarc still does, so it can be reported.
"""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer

from mmarc.errors import EXIT_ERRORS, EXIT_INTERRUPTED, MmarcError

__all__ = ["command", "fail", "mapped_errors", "quiet_sigterm", "stopped_message"]

F = TypeVar("F", bound=Callable[..., Any])


def fail(exc: MmarcError) -> NoReturn:
    """Print ``exc`` as the CLI does for every error and exit with its status."""
    from mmarc.api import CompileErrors

    if isinstance(exc, CompileErrors):
        from mmarc.report import OutputFormat, render
        from mmarc.report.text import use_colour

        validation = exc.validation
        sys.stdout.write(
            render(
                OutputFormat.TEXT,
                str(validation.target.path),
                validation.detected(),
                list(validation.diagnostics),
                validation.sources,
                colour=use_colour(sys.stdout),
            )
        )
        sys.stdout.flush()
    prefix = "mmarc: " if exc.exit_code == EXIT_INTERRUPTED else "mmarc: error: "
    typer.echo(prefix + exc.one_line(), err=True)
    raise typer.Exit(exc.exit_code)


@contextmanager
def stopped_message(text: str) -> Iterator[None]:
    """While the block runs, Ctrl-C exits 130 printing ``mmarc: TEXT``.

    The interrupt is answered here, inside the block, so the text is still known when it
    arrives (:func:`mapped_errors` answers an interrupt anywhere else with a generic line).
    """
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("mmarc: " + text, err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Run a command body: every error a user can cause becomes one line and an exit."""
    try:
        yield
    except MmarcError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("mmarc: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"mmarc: error: {where}{exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_ERRORS) from None


def command(app: typer.Typer, name: str | None = None) -> Callable[[F], F]:
    """``@app.command()``, with the body run under :func:`mapped_errors`."""

    def register(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with mapped_errors():
                return fn(*args, **kwargs)

        app.command(name=name)(run)
        return fn

    return register


def quiet_sigterm() -> None:
    """SIGTERM stops a long-running command like Ctrl-C does (exit 130, no traceback)."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
