"""After the last round: every client validates the final global model, and, when the
client config asks for cross-site validation, every client's final local model too.

Two phases. ``submit_model`` (only with cross-site validation) collects each client's
local model; ``validate`` sends the global model and those local models (tensor names
``owner/variable``, the global model under :data:`~.tasks.GLOBAL_OWNER`) to every client,
which validates each on its own data. ``cross_val_results.json`` is
``{data_client: {model_owner: {metric: value}}}``. The clients' reports on the global
model judge it for best-model selection, like the reports that come with each round.

What comes back is untrusted: a submitted model must have the global model's variables,
shapes and dtypes (it is sent on to every other client; variables the global model lacks
are not), and validation results are read
by :mod:`.updates`' rules (bounded counts, short names, finite numbers), for the models
that were sent and the client's own only.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..protocol import EMPTY_PAYLOAD, prepare
from ..security.ckks import SEAL_SUFFIX, HEError, is_companion, read_sealed, sealed_names
from ..transport import Message
from .events import Reporter
from .membership import Membership
from .persistor import Weights
from .phases import Phase, PhaseLoop
from .records import RunRecord
from .selection import BestModelSelector, Report, combined_metric
from .tasks import GLOBAL_OWNER, OWNER_SEP, TASK_SUBMIT, TASK_VALIDATE
from .updates import MAX_SAMPLES, ResultRefused, bounded_int, metrics_of

__all__ = ["FinalValidation", "final_validation"]


@dataclass
class FinalValidation:
    """What the final phases found."""

    combined: dict[str, Any] | None = None
    results: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    cross: bool = False


def _reference_specs(reference: Weights) -> dict[str, tuple[tuple[int, ...], np.dtype | None]]:
    """Each global variable's shape and dtype; a sealed one's shape is its companion's
    and its dtype None (a local model may send it sealed or as floating point)."""
    sealed = set(sealed_names(reference))
    specs: dict[str, tuple[tuple[int, ...], np.dtype | None]] = {}
    for var, array in reference.items():
        if is_companion(var) and var[: -len(SEAL_SUFFIX)] in sealed:
            continue
        if var in sealed:
            specs[var] = (read_sealed(reference, var).shape, None)
        else:
            specs[var] = (array.shape, array.dtype)
    return specs


def _check_model(name: str, tensors: Mapping[str, np.ndarray], reference: Weights) -> Weights:
    """A submitted local model, checked against the global model's variables. Variables
    the global model lacks (those the persistor excludes) stay with their owner: every
    client validates with its own values for them. A sealed variable (HE) is checked by
    its companion's shape; its ciphertext is opened, and checked, by the sites."""
    specs = _reference_specs(reference)
    sealed = set(sealed_names(tensors))
    model: Weights = {}
    for var, array in tensors.items():
        spec = specs.get(var)
        if spec is None:
            continue
        shape, dtype = spec
        if var in sealed:
            try:
                layer = read_sealed(tensors, var)
            except HEError as exc:
                raise ResultRefused(f"the local model of {name!r}: {exc}") from None
            if layer.shape != shape:
                raise ResultRefused(
                    f"sealed {var!r} of the local model of {name!r} has shape "
                    f"{list(layer.shape)}, the global model {list(shape)}"
                )
            model[var] = np.array(array)
            model[var + SEAL_SUFFIX] = np.array(tensors[var + SEAL_SUFFIX])
            continue
        fits = array.dtype == dtype if dtype is not None else array.dtype.kind == "f"
        if array.shape != shape or not fits:
            raise ResultRefused(
                f"variable {var!r} of the local model of {name!r} is {array.dtype}"
                f"{list(array.shape)}, the global model has {dtype or 'float'}{list(shape)}"
            )
        model[var] = np.array(array)
    return model


def final_validation(
    loop: PhaseLoop,
    membership: Membership,
    *,
    global_weights: Weights,
    end_round: int,
    last_round: int,
    selector: BestModelSelector,
    record: RunRecord,
    reporter: Reporter,
) -> FinalValidation:
    """Run the final phases; save the best model and the cross-validation results."""
    cross = any(m.meta.get("cross_validate") for m in membership.members.values())
    locals_: dict[str, Weights] = {}
    if cross:

        def on_model(name: str, message: Message) -> None:
            locals_[name] = _check_model(name, message.tensors, global_weights)

        reporter.progress(event="cross_val_start", clients=len(membership))
        loop.run_phase(
            Phase(
                TASK_SUBMIT, end_round, 0, EMPTY_PAYLOAD, {"task": TASK_SUBMIT}, 0, None, on_model
            )
        )
    models = {GLOBAL_OWNER: global_weights, **locals_}
    tensors = {
        f"{owner}{OWNER_SEP}{var}": array
        for owner, weights in models.items()
        for var, array in weights.items()
    }
    results: dict[str, dict[str, dict[str, float]]] = {}
    reports: list[Report] = []

    def on_metrics(name: str, message: Message) -> None:
        meta = message.meta if isinstance(message.meta, Mapping) else {}
        found = meta.get("results")
        if not isinstance(found, Mapping):
            raise ResultRefused("a validate result needs a 'results' mapping")
        owners = set(models) | {name}  # the models sent, and the client's own
        if len(found) > len(owners):
            raise ResultRefused(f"results for {len(found)} models, {len(owners)} were asked for")
        clean = {
            owner: metrics_of(values, f"the results for {owner!r}")
            for owner, values in found.items()
            if owner in owners
        }
        samples = meta.get("val_samples")
        count = 0 if samples is None else bounded_int(samples, MAX_SAMPLES, "val_samples")
        results[name] = clean
        key = meta.get("key_metric")
        value = clean.get(GLOBAL_OWNER, {}).get(str(key))
        if isinstance(key, str) and value is not None:
            reports.append(Report(name, key, value, count))

    loop.run_phase(
        Phase(
            TASK_VALIDATE,
            end_round,
            0,
            prepare(tensors) if tensors else EMPTY_PAYLOAD,
            {"task": TASK_VALIDATE, "models": list(models)},
            0,
            None,
            on_metrics,
        )
    )
    best = selector.offer(last_round, reports)
    if best is not None:
        record.save_best(last_round, global_weights, best)
    combined = combined_metric(last_round, reports)
    if cross:
        record.write_cross_val(results)
    record.submit(
        lambda: record.append_metrics(
            {"phase": "final", "round": last_round, "global_metric": combined, "t": time.time()}
        )
    )
    reporter.progress(event="final", global_metric=combined, cross_val=results if cross else None)
    return FinalValidation(combined, results, cross)
