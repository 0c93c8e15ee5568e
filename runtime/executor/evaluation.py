"""``evaluate``: run a plan's ``evaluate`` section (config_validation.json) on a checkpoint.

Clara's validation MMAR config lists *model loaders* instead of a network component:
``[{"ts_path": ..., "disabled": ...}, {"ckpt_path": ..., "disabled": ...}]``; the first
enabled one gives the network (a ``ckpt_path`` holds weights only, so the network is the
plan's ``/train/model`` with them loaded). An explicit ``checkpoint`` argument replaces
the loader list. Enabled ``CheckpointLoader`` handlers of the section are carried out
before the run (unless an explicit checkpoint was given, which wins). The metrics are
returned and written, as one flat JSON object ``{log_label: value}``, to
``<MMAR_EVAL_OUTPUT_PATH>/metrics.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from mmarc.runtime.executor.builder import Builder, warn_unsupported_settings
from mmarc.runtime.executor.checkpoints import atomic_write_text
from mmarc.runtime.executor.errors import ExecutorError
from mmarc.runtime.executor.local import apply_settings, resolve_device
from mmarc.runtime.executor.metrics_log import scalars
from mmarc.runtime.executor.plan import eval_output_dir, mmar_path
from mmarc.runtime.executor.resume import apply_loader

from mmarc.plan import Plan

METRICS_FILENAME = "metrics.json"


def evaluate(
    plan: Plan,
    mmar_root: Path,
    checkpoint: Path | None = None,
    *,
    device: str = "cpu",
) -> dict[str, float]:
    """Evaluate with the plan's ``evaluate`` section; return ``{log_label: value}``."""
    if plan.evaluate is None:
        raise ExecutorError(
            "the plan has no evaluate section (the MMAR has no config/config_validation.json)",
            "/evaluate",
        )
    root = Path(mmar_root).resolve()
    dev = resolve_device(device)
    settings = dict(plan.settings)
    settings.update(plan.evaluate_settings or {})
    warn_unsupported_settings(settings)
    builder = Builder(plan, root, dev)
    apply_settings(settings, dev)
    if checkpoint is not None:
        path = mmar_path(root, str(checkpoint))
        if not path.is_file():
            raise ExecutorError(f"checkpoint {path} does not exist")
        builder.eval_checkpoint = path
    if not builder.has("/evaluate/evaluator"):
        raise ExecutorError("the evaluate section has no evaluator", "/evaluate")
    evaluator = builder.ref("/evaluate/evaluator")
    if evaluator is None or not hasattr(evaluator, "run"):
        raise ExecutorError("the evaluator is disabled or not an engine", "/evaluate/evaluator")
    if checkpoint is None:
        for loader in builder.loaders("evaluate"):
            apply_loader(loader, dev)
    try:
        evaluator.run()
    except ExecutorError:
        raise
    except Exception as exc:
        raise ExecutorError(
            f"evaluation failed: {type(exc).__name__}: {exc}", "/evaluate/evaluator"
        ) from exc
    metrics = scalars(evaluator.state.metrics)
    out = eval_output_dir(plan, root) / METRICS_FILENAME
    atomic_write_text(json.dumps(metrics, indent=1, sort_keys=True) + "\n", out)
    return metrics
