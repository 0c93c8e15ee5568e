"""The ``mmarc`` command line: a thin shell over :mod:`mmarc.api`.

- :mod:`.app`: the Typer application and :func:`main` (the console script);
- :mod:`.errors`: the one place errors become output and exit statuses;
- :mod:`.commands`: the commands, by area (check, run, federate, provision, admin);
- :mod:`.views`, :mod:`.progress`, :mod:`.tables`: live views, progress bars, tables;
- :mod:`.console`: the interactive admin console (``mmarc admin KIT``).

Exit status: 0 no errors, 1 errors found, 2 usage errors (no such path, unknown file
kind, bad options), 130 stopped by Ctrl-C. Nothing here imports torch or MONAI unless
the command trains.
"""

from __future__ import annotations

import os

# mmarc uses no pydantic plugins; skipping their discovery (a scan of every installed
# distribution's entry points) saves start-up time on every command.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from .app import app, main

__all__ = ["app", "main"]
