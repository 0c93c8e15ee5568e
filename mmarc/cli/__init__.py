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
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mmarc.lazy import lazy_exports

if TYPE_CHECKING:
    from .app import app

# mmarc uses no pydantic plugins; skipping their discovery (a scan of every installed
# distribution's entry points) saves start-up time on every command.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
# No transparent huge pages for numpy's large arrays (numpy's documented switch, read when
# numpy is imported; inherited by the processes mmarc starts). The FL server and sites
# touch model-sized arrays for the first time on a round's critical path, and with the
# kernel's THP defrag on "madvise" (the default) such a first touch may stall in memory
# compaction: measured on the 100 MB model with 2 sites, round 1 took 0.78-1.61 s with
# huge pages against 0.70-0.91 s without, with steady rounds no slower.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

__all__ = ["app", "main"]

__getattr__ = lazy_exports(__name__, {"app": ".app"})


def sim_clients(argv: Sequence[str]) -> int | None:
    """N when ``argv`` (without the program name) reads ``run ... --sim N`` (or
    ``--sim=N``), N a positive integer, and asks for no help; else None. A guess made
    before the real parse: a wrong guess only starts a worker that is then stopped."""
    if not argv or argv[0] != "run" or "--help" in argv or "-h" in argv:
        return None
    for i, arg in enumerate(argv):
        if arg == "--sim" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--sim="):
            value = arg.removeprefix("--sim=")
        else:
            continue
        return int(value) if value.isdigit() and int(value) > 0 else None
    return None


def main() -> None:
    """Console-script entry point. ``run MMAR --sim N`` starts the clients' worker first,
    so its imports of torch and MONAI (seconds) overlap this process's own start-up."""
    clients = sim_clients(sys.argv[1:])
    if clients is not None:
        from mmarc.runtime.sim.standby import start_early

        start_early(clients)
    from .app import main as run_app

    run_app()
