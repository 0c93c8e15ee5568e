"""The one exception type the executor raises for anything a user can fix.

The CLI catches :class:`ExecutorError` and prints its message without a traceback, so
every message names where the problem is: the JSON pointer into the plan (``/train/model``)
of the component, value or expression concerned. This module imports nothing heavy, so
``except ExecutorError`` costs the CLI no torch import.
"""

from __future__ import annotations

from pathlib import Path

from mmarc.errors import EXIT_INTERRUPTED, MmarcError


class ExecutorError(MmarcError):
    """A problem with a plan, its MMAR or the machine, reported as one readable message.

    ``pointer`` is the JSON pointer of the plan value concerned, or None when the problem
    is not about one value (for example the machine has no GPU).
    """

    def __init__(self, message: str, pointer: str | None = None) -> None:
        self.pointer = pointer
        self.detail = message
        if pointer is None:
            super().__init__(message)
        else:
            super().__init__(f"{pointer or '(whole plan)'}: {message}")


class RunInterrupted(ExecutorError):
    """Training stopped on Ctrl-C after a consistent checkpoint was written.

    The CLI should exit with status 130 and print the message (it says where the
    checkpoint is and how to resume); no traceback.
    """

    exit_code = EXIT_INTERRUPTED

    def __init__(self, message: str, checkpoint: Path | None) -> None:
        super().__init__(message)
        self.checkpoint = checkpoint
