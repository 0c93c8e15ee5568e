"""The federated simulator: ``mmarc run MMAR --sim N`` (one server, N client processes).

:func:`simulate` (:mod:`.launcher`) runs the federation a plan's ``simulation`` section
describes; :func:`split_datalist` (:mod:`.split`) shares a datalist among its clients
(:func:`parse_split` and :class:`SplitSpec` are the plan's, :mod:`mmarc.plan.simulation`).
Nothing here imports torch: the workers (:mod:`.worker`) do, in their own processes.
"""

from .launcher import SimError, SimInterrupted, SimResult, simulate
from .split import SplitSpec, parse_split, split_datalist

__all__ = [
    "SimError",
    "SimInterrupted",
    "SimResult",
    "SplitSpec",
    "parse_split",
    "simulate",
    "split_datalist",
]
