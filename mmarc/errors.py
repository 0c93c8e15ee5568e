"""The one base of every error mmarc raises for something a user or a peer can fix.

Each subclass carries the process exit status the CLI should use and a message that fits on
one line; the CLI maps any :class:`MmarcError` to output in one place, so no command needs
its own handler and no user ever sees a traceback for bad input. This module imports
nothing, so ``except MmarcError`` costs a command nothing.
"""

from __future__ import annotations

__all__ = ["EXIT_ERRORS", "EXIT_INTERRUPTED", "EXIT_USAGE", "MmarcError"]

#: The input has errors (diagnostics, a refused kit, a failed run).
EXIT_ERRORS = 1
#: The command line itself is wrong (a missing file, conflicting options).
EXIT_USAGE = 2
#: Stopped by Ctrl-C/SIGTERM after leaving everything consistent.
EXIT_INTERRUPTED = 130


class MmarcError(Exception):
    """A problem reported as one readable line, with the exit status that goes with it.

    Args:
        message: what went wrong and, where possible, how to fix it; one line.

    Subclasses set ``exit_code`` (default :data:`EXIT_ERRORS`).
    """

    exit_code: int = EXIT_ERRORS

    def one_line(self) -> str:
        """The message on one line (newlines folded), as the CLI prints it."""
        return " ".join(str(self).split("\n")).strip() or type(self).__name__
