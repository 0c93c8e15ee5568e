"""The federated simulator: ``mmarc run MMAR --sim N`` (one server, N client processes).

:func:`simulate` (:mod:`.launcher`) runs the federation a plan's ``simulation`` section
describes; :func:`split_datalist` (:mod:`.split`) shares a datalist among its clients
(:func:`parse_split` and :class:`SplitSpec` are the plan's, :mod:`mmarc.plan.simulation`).
Nothing here imports torch: the workers (:mod:`.worker`) do, in their own processes.

The names load on first use (PEP 562): ``mmarc run --sim`` starts the clients' worker
(:mod:`.standby`, stdlib only) before it compiles, and ``python -m ...sim.worker`` runs
the worker as ``__main__``; neither should wait for the launcher's imports (ZeroMQ, the
server's configuration) first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmarc.lazy import lazy_exports

if TYPE_CHECKING:
    from .launcher import SimError, SimInterrupted, SimResult, simulate
    from .split import SplitSpec, parse_split, split_datalist
    from .standby import Standby

__all__ = [
    "SimError",
    "SimInterrupted",
    "SimResult",
    "SplitSpec",
    "Standby",
    "parse_split",
    "simulate",
    "split_datalist",
]

_HOMES = {
    "SimError": ".launcher",
    "SimInterrupted": ".launcher",
    "SimResult": ".launcher",
    "simulate": ".launcher",
    "SplitSpec": ".split",
    "parse_split": ".split",
    "split_datalist": ".split",
    "Standby": ".standby",
}

__getattr__ = lazy_exports(__name__, _HOMES)
