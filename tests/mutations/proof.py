"""Proof that a mutation is a real mistake: the real libraries refuse the mutated MMAR.

Why: a checker can be taught to flag anything; a mutation corpus is only worth its recall
if every case is a mistake the site would have hit. A case with ``proof: build`` is
proved here the way a site meets it, with nothing of mmarc's checks in the way:

1. every JSON/YAML file is read by Python's own ``json``/``yaml`` loaders (what Clara's
   and NVFlare's runtimes used), so a syntax mistake fails here;
2. the MMAR is encoded into a plan *without* the validator's verdict (its diagnostics are
   dropped), so nothing mmarc checks can stop the build;
3. the runtime's executor builds the train/validate sections with the real
   MONAI/torch/ignite classes (the checkpoint handlers it carries out itself are built
   too, as Clara built them) and trains one epoch on a handful of items with every random
   transform forced to fire; the validator then runs once (a site reaches its first
   ``num_interval_per_valid``), and the evaluate section (``config_validation.json``)
   evaluates that model: mistakes that only surface at first use (a transform's argument,
   a loss on the wrong shape, the evaluator's inferer or metrics) fail here.

The unmutated base goes through the same steps and must succeed, so a proof cannot pass
because the machinery itself is broken. Each example's data comes from its own
``prepare.py`` (generated once per session), cut to a few items per datalist key
(:func:`small_data`).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import yaml

from mutations.runner import REPO, Case, materialise, mutate_copy, prepared_data

__all__ = ["BuildFailure", "base_copy", "build_mmar", "prove_case", "small_copy", "small_data"]

#: Datalist items kept per key: enough for one batch, few enough to build in a second.
ITEMS_PER_KEY = 2
#: base -> (the example whose ``prepare()`` writes its data, keyword arguments for fewer
#: cases). spleen_synth_fl's prepare.py runs spleen_synth's (same data), digits_fl's
#: writes the same digits as digits_cnn's. Called in-process: the test process has
#: MONAI imported already, a subprocess would import it again per base.
SMALL_PREPARE: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {
    "examples/digits_cnn": ("examples/digits_cnn", ()),
    "examples/digits_fl": ("examples/digits_cnn", ()),
    "examples/spleen_synth": ("examples/spleen_synth", (("n_train", 2), ("n_val", 2))),
    "examples/spleen_synth_fl": ("examples/spleen_synth", (("n_train", 2), ("n_val", 2))),
}


class BuildFailure(Exception):
    """The real libraries refused the MMAR; ``stage`` says where (parse, build, train)."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(f"{stage}: {type(cause).__name__}: {cause}")
        self.stage = stage
        self.cause = cause


@functools.cache
def _prepared_in_process(example: str, kwargs: tuple[tuple[str, int], ...], scratch: str) -> Path:
    """``prepare(out, **kwargs)`` of ``example``'s prepare.py, run once in this process."""
    script = REPO / example / "prepare.py"
    spec = importlib.util.spec_from_file_location(f"prepare_{Path(example).name}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = Path(scratch) / "prepared-small" / Path(example).name / "data"
    module.prepare(out, **dict(kwargs))
    return out


@functools.cache
def small_data(base: str, scratch: str) -> Path:
    """The example's prepared data cut to :data:`ITEMS_PER_KEY` items per datalist key.

    Only the datalist and the files its kept items name are copied, so each proof copies a
    handful of files instead of the whole data set.
    """
    if base in SMALL_PREPARE:
        full = _prepared_in_process(*SMALL_PREPARE[base], scratch)
    else:
        full = prepared_data(base, scratch)
    out = Path(scratch) / "small" / Path(base).name / "data"
    if out.is_dir():
        return out
    data = json.loads((full / "dataset.json").read_text(encoding="utf-8"))
    kept = {k: v[:ITEMS_PER_KEY] if isinstance(v, list) else v for k, v in data.items()}
    out.mkdir(parents=True)
    for items in kept.values():
        for item in items if isinstance(items, list) else []:
            for value in item.values() if isinstance(item, dict) else [item]:
                if isinstance(value, str) and (full / value).is_file():
                    (out / value).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(full / value, out / value)
    (out / "dataset.json").write_text(json.dumps(kept), encoding="utf-8")
    return out


def small_copy(case: Case, dest: Path) -> Path:
    """The mutated copy of ``case`` with :func:`small_data` (the full data when the case
    edits a file under ``data/``, whose text must stay as prepared)."""
    if case.file.startswith("data/"):
        return mutate_copy(dataclasses.replace(case, prepare=True), dest)
    root = mutate_copy(dataclasses.replace(case, prepare=False), dest)
    shutil.copytree(small_data(case.base, str(dest.parent)), root / "data")
    return root


def base_copy(base: str, dest: Path) -> Path:
    """The unmutated ``base`` with :func:`small_data`: the control every proof is run against."""
    root = materialise(base, dest)
    shutil.copytree(small_data(base, str(dest.parent)), root / "data")
    return root


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


def _random_transforms(node: object) -> list[Any]:
    """Every MONAI random transform reachable from a Compose (nested ones included)."""
    from monai.transforms import Compose, RandomizableTransform

    if isinstance(node, Compose):
        return [t for child in node.transforms for t in _random_transforms(child)]
    return [node] if isinstance(node, RandomizableTransform) else []


def _force_random_transforms(training: Any) -> None:
    """Make every random transform of the data and the postprocessing fire (``prob = 1``).

    A site trains for many epochs on many items, so a transform with ``prob: 0.1`` runs
    there; on two items in one epoch it would likely never run, and a bad argument of it
    would go unseen. The control builds with the same forcing.
    """
    for engine in (training.trainer, training.evaluator):
        if engine is None:
            continue
        dataset = getattr(getattr(engine, "data_loader", None), "dataset", None)
        for chain in (getattr(dataset, "transform", None), getattr(engine, "postprocessing", None)):
            for transform in _random_transforms(chain):
                transform.prob = 1.0


def _build_checkpoint_handlers(training: Any) -> None:
    """Build the CheckpointLoaders/Savers the executor carries out itself, as Clara did.

    ``@conf`` (the executor's plain-data config) stands in a ``save_dict`` where Clara put
    an object with a ``state_dict``; only such entries are passed, the rest are checked by
    the executor's own checkpoints.
    """
    builder = training.builder
    for handler in builder.interpreted:
        args = dict(handler.args)
        if isinstance(args.get("save_dict"), dict):
            args["save_dict"] = {
                k: v for k, v in args["save_dict"].items() if hasattr(v, "state_dict")
            }
        try:
            builder.class_of(handler.component, handler.pointer)(**args)
        except Exception as exc:
            raise BuildFailure("build", exc) from exc


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
        _build_checkpoint_handlers(training)
        _force_random_transforms(training)
        try:
            training.run_epochs(1)
        except Exception as exc:
            raise BuildFailure("train", exc) from exc
        if training.evaluator is not None and not training.evaluator.state.iteration:
            try:  # what the ValidationHandler does at its first interval
                training.evaluator.run(training.trainer.state.epoch)
            except Exception as exc:
                raise BuildFailure("validate", exc) from exc
        if plan.evaluate:
            checkpoint = atomic_save(training.checkpoint(), root / "models" / "proof_model.pt")
            try:
                evaluate(plan, root, checkpoint)
            except Exception as exc:
                raise BuildFailure("evaluate", exc) from exc


def prove_case(case: Case, scratch: Path) -> BuildFailure | None:
    """Build the mutated copy of ``case`` (with a few items of data); the failure, if any."""
    root = small_copy(case, scratch / f"proof-{case.id}")
    try:
        build_mmar(root)
    except BuildFailure as failure:
        return failure
    return None
