"""What machine a benchmark ran on, printed at the top of every benchmark's output
(the one definition is :mod:`mmarc.machine`, which ``mmarc study``'s report uses too)."""

from mmarc.machine import cpu_model, describe

__all__ = ["cpu_model", "describe"]
