"""Anchor side of the FL round benchmark (benchmarks/fl_round.py): shared models and client
step, the event log format, the analysis, and one launcher script per anchor framework.

The framework scripts (nvflare_*.py, flower_sim.py) run in their own venvs under .bench/ and
import ``models`` and ``events`` as top-level modules (the driver puts this folder on
PYTHONPATH); the driver and the tests import this folder as the package ``fl_anchors``.
"""
