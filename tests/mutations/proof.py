"""Proof that a mutation is a real mistake: the real libraries refuse the mutated MMAR.

Why: a checker can be taught to flag anything; a mutation corpus is only worth its recall
if every case is a mistake the site would have hit. A case with ``proof: build`` is
proved here the way a site meets it, with nothing of mmarc's checks in the way:

1. every JSON/YAML file is read by Python's own ``json``/``yaml`` loaders (what Clara's
   and NVFlare's runtimes used), so a syntax mistake fails here;
2. the MMAR is encoded into a plan *without* the validator's verdict (its diagnostics are
   dropped), so nothing mmarc checks can stop the build;
3. the runtime's executor builds the train/validate sections with the real
   MONAI/torch/ignite classes and trains one epoch on a handful of items, then evaluates
   that model with the evaluate section (``config_validation.json``): mistakes that only
   surface at first use (a transform's argument, a loss on the wrong shape) fail here.

The unmutated base goes through the same steps and must succeed, so a proof cannot pass
because the machinery itself is broken. Each example's data comes from its own
``prepare.py`` (generated once per session), cut to a few items per datalist key.
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from pathlib import Path

import yaml

from mutations.runner import Case, mutate_copy

__all__ = ["BuildFailure", "build_mmar", "prove_case", "shrink_datalist"]

#: Datalist items kept per key: enough for one batch, few enough to build in a second.
ITEMS_PER_KEY = 2


class BuildFailure(Exception):
    """The real libraries refused the MMAR; ``stage`` says where (parse, build, train)."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(f"{stage}: {type(cause).__name__}: {cause}")
        self.stage = stage
        self.cause = cause


def shrink_datalist(root: Path, items: int = ITEMS_PER_KEY) -> None:
    """Cut every list of ``root/data/dataset.json`` to ``items`` entries (if it parses)."""
    path = root / "data" / "dataset.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, list):
                data[key] = value[:items]
        path.write_text(json.dumps(data), encoding="utf-8")


def _parse_all(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if "data" in path.relative_to(root).parts[:1]:
            continue
        try:
            if path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
            elif path.suffix in (".yml", ".yaml"):
                yaml.safe_load(path.read_text(encoding="utf-8"))
        except (ValueError, yaml.YAMLError) as exc:
            raise BuildFailure("parse", exc) from exc


#: Where Clara's runtime looked up a component written by ``name`` (MONAI, torch, ignite).
NAME_MODULES = (
    "monai.transforms",
    "monai.handlers",
    "monai.networks.nets",
    "monai.losses",
    "monai.metrics",
    "monai.data",
    "monai.inferers",
    "monai.engines",
    "monai.optimizers",
    "torch.optim",
    "torch.optim.lr_scheduler",
    "torch.nn",
    "ignite.metrics",
    "ignite.handlers",
)


def _refuse_unknown_classes(node: object) -> None:
    """A component the compiler left without a class must be missing from the libraries
    (else the encoder, not the libraries, stopped it: not a proof)."""
    import importlib

    if isinstance(node, list):
        for item in node:
            _refuse_unknown_classes(item)
        return
    if not isinstance(node, dict):
        return
    if "path" in node and node.get("path") is None and isinstance(node.get("name"), str):
        name = node["name"]
        for module in NAME_MODULES:
            if hasattr(importlib.import_module(module), name):
                raise RuntimeError(f"{name} exists in {module}; the compiler failed to resolve it")
        raise BuildFailure("build", LookupError(f"no class {name} in {', '.join(NAME_MODULES)}"))
    for value in node.values():
        _refuse_unknown_classes(value)


def build_mmar(root: Path) -> None:
    """Parse, encode and build the MMAR at ``root``, train one epoch; raise on refusal.

    Raises:
        BuildFailure: the libraries (or the loaders) refused it.
        RuntimeError: the plan could not be encoded at all (not a proof either way).
    """
    import torch
    from mmarc.runtime.executor.checkpoints import atomic_save
    from mmarc.runtime.executor.evaluation import evaluate
    from mmarc.runtime.executor.local import build_training

    from mmarc.catalog import load_catalog
    from mmarc.compiler.pipeline import validate_target
    from mmarc.compiler.plan import build_plan
    from mmarc.diagnostics import Diagnostics

    _parse_all(root)
    validation = validate_target(root, cwd=root, one_train_config=True)
    unchecked = dataclasses.replace(validation, diagnostics=Diagnostics())
    try:
        plan = build_plan(unchecked, load_catalog())
    except Exception as exc:  # the encoder met something it cannot put in a plan
        raise RuntimeError(f"cannot encode {root}: {exc}") from exc
    document = plan.model_dump(mode="json")
    _refuse_unknown_classes([document.get(k) for k in ("train", "validate", "evaluate")])
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            training = build_training(plan, root, "cpu")
        except Exception as exc:
            raise BuildFailure("build", exc) from exc
        try:
            training.run_epochs(1)
        except Exception as exc:
            raise BuildFailure("train", exc) from exc
        if plan.evaluate:
            checkpoint = atomic_save(training.checkpoint(), root / "models" / "proof_model.pt")
            try:
                evaluate(plan, root, checkpoint)
            except Exception as exc:
                raise BuildFailure("evaluate", exc) from exc


def prove_case(case: Case, scratch: Path) -> BuildFailure | None:
    """Build the mutated copy of ``case`` (data prepared and shrunk); the failure, if any."""
    proof_case = dataclasses.replace(case, prepare=True)
    root = mutate_copy(proof_case, scratch / f"proof-{case.id}")
    shrink_datalist(root)
    try:
        build_mmar(root)
    except BuildFailure as failure:
        return failure
    return None
