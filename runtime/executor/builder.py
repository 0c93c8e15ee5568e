"""Build objects from a plan's components, lazily, by JSON pointer.

Why by pointer: a plan is a graph, not a tree. ``{"@ref": "/train/model"}`` inside the
optimizer's args and the trainer's ``network`` must be the *same* network object, and a
re-use ``{"ref": "/train/pre_transforms/0"}`` in the validate section must be the same
transform. So every built object is memoised under its pointer, built on first use, and
a pointer met again while it is still being built is a reference cycle (an error naming
the chain, not a stack overflow).

What a ``{"@ref": ptr}`` to a *slot* gives follows what Clara's runtime passed:

* ``pre_transforms`` / ``post_transforms`` (a list): a ``monai.transforms.Compose``;
* ``key_metric`` (one metric): ``{log_label: metric}``, the form MONAI engines take;
* ``additional_metrics`` (a list): ``{log_label: metric, ...}``;
* ``handlers`` (a list): the list, without disabled ones, ones for another ``rank``, and
  the checkpoint handlers the executor carries out itself (see :class:`Interpreted`);
* anything else: the object (or the list of objects).

Injected, as Clara's runtime did: ``device`` for MONAI workflows (SupervisedTrainer,
SupervisedEvaluator), the network moved to the device, ``amp`` only on CUDA, and the
``data`` of a dataset component read from its datalist (:mod:`.data`). Relative strings
in path arguments (``load_path``, ``save_dir``, ``log_dir``...) are MMAR-relative.

Before anything is built, :class:`Builder` checks every expression of the plan
(:func:`.evaluator.check_plan_expressions`), the hashes of the MMAR's custom files, that
every component class is allowed and that its by-name arguments (``LoadImaged``'s
``reader``...) name only what the catalog allows (:mod:`.allowlist`): the trust policy of
:mod:`mmarc.policy`, applied again because a plan may be hand-edited.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from mmarc.runtime.executor.allowlist import (
    check_by_name_args,
    import_class,
    import_custom_class,
    is_allowed,
    verify_custom_files,
)
from mmarc.runtime.executor.checkpoints import load_checkpoint, load_object, model_state
from mmarc.runtime.executor.data import load_datalist
from mmarc.runtime.executor.errors import ExecutorError
from mmarc.runtime.executor.evaluator import CompiledExpression, check_plan_expressions
from mmarc.runtime.executor.plan import (
    COMPONENT_SECTIONS,
    PATH_ARGS,
    check_envelope,
    is_component,
    is_reuse,
    join_pointer,
    mmar_path,
    resolve_pointer,
    split_pointer,
)

from mmarc.plan import Plan

COMPOSE_SLOTS = frozenset({"pre_transforms", "post_transforms", "transforms"})
METRIC_DICT_SLOTS = frozenset({"key_metric", "additional_metrics", "metrics"})
HANDLER_SLOTS = frozenset({"handlers"})

#: Handler classes the executor carries out itself instead of attaching them, so that
#: checkpoints are written atomically and resuming is under the executor's control.
INTERPRETED_HANDLERS = {
    "monai.handlers.CheckpointLoader": "loader",
    "monai.handlers.checkpoint_loader.CheckpointLoader": "loader",
    "monai.handlers.CheckpointSaver": "saver",
    "monai.handlers.checkpoint_saver.CheckpointSaver": "saver",
}


@dataclass
class Interpreted:
    """A CheckpointLoader/CheckpointSaver of the plan, carried out by the executor.

    ``args`` are resolved on first use (they reference the network, the optimizer...).
    """

    kind: str  # "loader" | "saver"
    pointer: str
    component: Mapping[str, Any]
    builder: Builder
    _args: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def section(self) -> str:
        return split_pointer(self.pointer)[0]

    @property
    def args(self) -> dict[str, Any]:
        if self._args is None:
            self._args = self.builder.resolve_args(self.component, self.pointer)
        return self._args


class Builder:
    """Builds the objects of one plan for one MMAR root, device and rank."""

    def __init__(
        self,
        plan: Plan,
        mmar_root: Path,
        device: torch.device,
        *,
        rank: int = 0,
    ) -> None:
        self.source = plan
        self.plan = check_envelope(plan)
        self.root = Path(mmar_root).resolve()
        self.device = device
        self.rank = rank
        self.settings: Mapping[str, Any] = plan.settings
        #: a checkpoint that replaces the evaluate section's model loaders (``evaluate``)
        self.eval_checkpoint: Path | None = None
        self._memo: dict[str, Any] = {}
        self._views: dict[str, Any] = {}
        self._stack: list[str] = []
        self.interpreted: list[Interpreted] = []
        # everything that can refuse the plan runs before the first object is built
        self.expressions: dict[str, CompiledExpression] = check_plan_expressions(self.plan)
        self._check_by_name_args()
        verify_custom_files(plan, self.root)
        self._check_classes()

    # -- checks before building ----------------------------------------------------------

    def iter_components(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(pointer, component) for every component of the sections the executor builds."""
        for section in COMPONENT_SECTIONS:
            body = self.plan.get(section)
            if not isinstance(body, Mapping):
                continue
            for slot, value in body.items():
                base = join_pointer(f"/{section}", slot)
                items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
                for i, item in items:
                    ptr = base if i is None else join_pointer(base, i)
                    yield from _with_nested(ptr, item)

    def _check_classes(self) -> None:
        for pointer, comp in self.iter_components():
            path = comp.get("path")
            if comp.get("custom") is True:
                if not isinstance(path, str) or "." not in path:
                    raise ExecutorError(f"custom path {path!r} must be 'module.Class'", pointer)
            elif not isinstance(path, str) or not is_allowed(path):
                import_class(path, pointer)  # raises the refusal with its explanation

    def _check_by_name_args(self) -> None:
        """The trust policy's by-name arguments (``LoadImaged`` ``reader``...), first."""
        for pointer, comp in self.iter_components():
            path = comp.get("path")
            if comp.get("custom") is not True and isinstance(path, str):
                check_by_name_args(path, comp.get("args"), pointer)

    # -- public entry points -------------------------------------------------------------

    def has(self, pointer: str) -> bool:
        try:
            resolve_pointer(self.plan, pointer)
        except ExecutorError:
            return False
        return True

    def ref(self, pointer: str) -> Any:
        """What ``{"@ref": pointer}`` stands for (slot semantics in the module docstring)."""
        if pointer == "":
            return self.conf()
        if pointer in self._views:
            return self._views[pointer]
        obj = self.obj(pointer)
        tokens = split_pointer(pointer)
        if len(tokens) == 2 and tokens[0] in COMPONENT_SECTIONS:
            obj = self._slot_view(tokens[1], pointer, obj)
        self._views[pointer] = obj
        return obj

    def obj(self, pointer: str) -> Any:
        """The object built at ``pointer`` (None for a disabled component), memoised."""
        if pointer in self._memo:
            return self._memo[pointer]
        if pointer in self._stack:
            chain = [*self._stack[self._stack.index(pointer) :], pointer]
            raise ExecutorError("reference cycle: " + " -> ".join(chain), pointer)
        where = self._stack[-1] if self._stack else None
        node = resolve_pointer(self.plan, pointer, where=where)
        self._stack.append(pointer)
        try:
            value = self._build_node(node, pointer)
        finally:
            self._stack.pop()
        self._memo[pointer] = value
        return value

    def conf(self) -> dict[str, Any]:
        """``@conf``: the plan's settings plus its ``train`` section, as plain data."""
        conf = copy.deepcopy(dict(self.settings))
        conf["train"] = copy.deepcopy(self.plan.get("train"))
        return conf

    def built(self, pointer: str) -> Any:
        """The object at ``pointer`` if it was built already, else None (builds nothing)."""
        return self._memo.get(pointer)

    def component(self, pointer: str) -> Mapping[str, Any] | None:
        """The component dict at ``pointer``, following ``{"ref": ...}`` re-uses."""
        seen = set()
        node = resolve_pointer(self.plan, pointer)
        while is_reuse(node) and pointer not in seen:
            seen.add(pointer)
            pointer = node["ref"]
            node = resolve_pointer(self.plan, pointer)
        return node if is_component(node) else None

    def loaders(self, section: str) -> list[Interpreted]:
        return [i for i in self.interpreted if i.kind == "loader" and i.section == section]

    def savers(self, section: str) -> list[Interpreted]:
        return [i for i in self.interpreted if i.kind == "saver" and i.section == section]

    # -- building ------------------------------------------------------------------------

    def _build_node(self, node: Any, pointer: str) -> Any:
        if pointer == "/evaluate/model" and isinstance(node, list):
            return self._evaluate_model(node, pointer)
        if is_reuse(node):
            target = node["ref"]
            if not isinstance(target, str):
                raise ExecutorError("'ref' must be a JSON pointer string", pointer)
            return self.obj(target)
        if is_component(node):
            return self._build_component(node, pointer)
        if isinstance(node, list):
            items = [self.obj(join_pointer(pointer, i)) for i in range(len(node))]
            return [i for i in items if i is not None]
        return self.value(node, pointer)

    def _skipped(self, comp: Mapping[str, Any]) -> bool:
        if comp.get("disabled") is True:
            return True
        rank = comp.get("rank")
        return rank is not None and rank != self.rank

    def class_of(self, comp: Mapping[str, Any], pointer: str) -> type:
        path = comp.get("path")
        if comp.get("custom") is True:
            recorded = self.plan.get("custom")
            return import_custom_class(
                str(path), self.root, pointer, recorded if isinstance(recorded, Mapping) else None
            )
        return import_class(path, pointer)

    def _build_component(self, comp: Mapping[str, Any], pointer: str) -> Any:
        if self._skipped(comp):
            return None
        cls = self.class_of(comp, pointer)
        kind = _interpreted_kind(cls)
        if kind is not None:
            marker = Interpreted(kind, pointer, comp, self)
            self.interpreted.append(marker)
            return marker
        kwargs = self.resolve_args(comp, pointer)
        if "data_list_file_path" in comp:
            kwargs.setdefault("data", load_datalist(comp, self.root, pointer))
        if _is_workflow(cls):
            self._inject_workflow(kwargs)
        try:
            obj = cls(**kwargs)
        except ExecutorError:
            raise
        except Exception as exc:
            raise ExecutorError(
                f"building {comp.get('path')} failed: {type(exc).__name__}: {exc}", pointer
            ) from exc
        tokens = split_pointer(pointer)
        if isinstance(obj, torch.nn.Module) and tokens[-1] in ("model", "network"):
            obj = obj.to(self.device)
        return obj

    def _inject_workflow(self, kwargs: dict[str, Any]) -> None:
        """What Clara's runtime supplied to trainers/evaluators: device, placement, AMP."""
        kwargs["device"] = self.device
        network = kwargs.get("network")
        if isinstance(network, torch.nn.Module):
            kwargs["network"] = network.to(self.device)
        amp = bool(kwargs.get("amp", self.settings.get("amp", False)))
        kwargs["amp"] = amp and self.device.type == "cuda"

    def resolve_args(self, comp: Mapping[str, Any], pointer: str) -> dict[str, Any]:
        args = comp.get("args") or {}
        if not isinstance(args, Mapping):
            raise ExecutorError("'args' must be an object", join_pointer(pointer, "args"))
        base = join_pointer(pointer, "args")
        out: dict[str, Any] = {}
        for key, value in args.items():
            resolved = self.value(value, join_pointer(base, key))
            if key in PATH_ARGS and isinstance(resolved, str) and resolved:
                resolved = str(mmar_path(self.root, resolved))
            out[key] = resolved
        return out

    def value(self, value: Any, pointer: str) -> Any:
        """A plan value with references, expressions and nested components resolved."""
        if isinstance(value, Mapping):
            if "@ref" in value:
                target = value["@ref"]
                if not isinstance(target, str) or set(value) != {"@ref"}:
                    raise ExecutorError("an '@ref' object holds one JSON pointer string", pointer)
                return self.ref(target)
            if "@expr" in value:
                expr = self.expressions.get(pointer)
                if expr is None:  # cannot happen for values of the plan; kept defensive
                    raise ExecutorError("expression was not checked before building", pointer)
                try:
                    return expr.evaluate(self.ref)
                except ExecutorError:
                    raise
                except Exception as exc:
                    raise ExecutorError(
                        f"evaluating {expr.text!r} failed: {type(exc).__name__}: {exc}", pointer
                    ) from exc
            if _is_nested_component(value) or _is_nested_reuse(value):
                return self.obj(pointer)
            return {k: self.value(v, join_pointer(pointer, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, join_pointer(pointer, i)) for i, v in enumerate(value)]
        return value

    def _slot_view(self, slot: str, pointer: str, obj: Any) -> Any:
        if slot in COMPOSE_SLOTS and isinstance(obj, list):
            from monai.transforms import Compose

            return Compose(obj)
        if slot in METRIC_DICT_SLOTS:
            if obj is None:
                return None
            node = resolve_pointer(self.plan, pointer)
            if isinstance(node, list):
                pairs = []
                for i, _item in enumerate(node):
                    ptr = join_pointer(pointer, i)
                    built = self.obj(ptr)
                    if built is not None:
                        pairs.append((self._label(ptr), built))
                return dict(pairs) or None
            return {self._label(pointer): obj}
        if slot in HANDLER_SLOTS and isinstance(obj, list):
            return [h for h in obj if not isinstance(h, Interpreted)]
        return obj

    def _label(self, pointer: str) -> str:
        """The metric name for a metric component: its ``log_label``, else its class name."""
        node = resolve_pointer(self.plan, pointer)
        label = node.get("log_label") if isinstance(node, Mapping) else None
        comp = self.component(pointer)
        if not label and comp is not None:
            label = (
                comp.get("log_label")
                or comp.get("name")
                or str(comp.get("path")).rsplit(".", 1)[-1]
            )
        return str(label or pointer.rsplit("/", 1)[-1])

    # -- the evaluate section's model loaders ---------------------------------------------

    def _evaluate_model(self, loaders: list[Any], pointer: str) -> torch.nn.Module:
        """config_validation.json ``model``: the first enabled ts_path / ckpt_path loader.

        A ``ckpt_path`` checkpoint holds weights only, so the network is the plan's
        ``/train/model`` with the weights loaded; an explicit ``evaluate(checkpoint=...)``
        takes the place of the whole list.
        """
        if self.eval_checkpoint is not None:
            return self._network_from_ckpt(self.eval_checkpoint, pointer)
        for i, loader in enumerate(loaders):
            ptr = join_pointer(pointer, i)
            if not isinstance(loader, Mapping) or loader.get("disabled") is True:
                continue
            if is_component(loader) or is_reuse(loader):
                built = self.obj(ptr)
                if built is not None:
                    return built
                continue
            if isinstance(loader.get("ts_path"), str):
                path = mmar_path(self.root, loader["ts_path"])
                if not path.is_file():
                    raise ExecutorError(f"TorchScript model {path} does not exist", ptr)
                try:
                    return torch.jit.load(str(path), map_location=self.device)
                except Exception as exc:
                    raise ExecutorError(f"cannot load TorchScript {path}: {exc}", ptr) from exc
            if isinstance(loader.get("ckpt_path"), str):
                return self._network_from_ckpt(mmar_path(self.root, loader["ckpt_path"]), ptr)
            raise ExecutorError("a model loader needs 'ts_path' or 'ckpt_path'", ptr)
        raise ExecutorError(
            "every model loader is disabled; enable one or pass a checkpoint to evaluate",
            pointer,
        )

    def _network_from_ckpt(self, path: Path, pointer: str) -> torch.nn.Module:
        if not self.has("/train/model"):
            raise ExecutorError(
                "a checkpoint holds weights only and the plan has no /train/model to load "
                "them into",
                pointer,
            )
        network = self.obj("/train/model")
        if not isinstance(network, torch.nn.Module):
            raise ExecutorError("/train/model is not a torch.nn.Module", pointer)
        ckpt = load_checkpoint(path, self.device, pointer)
        state = model_state(ckpt)
        if state is None:
            raise ExecutorError(f"checkpoint {path} has no 'model' entry", pointer)
        load_object(network, state, "model", path, pointer)
        return network


def _interpreted_kind(cls: type) -> str | None:
    for base in cls.__mro__:
        kind = INTERPRETED_HANDLERS.get(f"{base.__module__}.{base.__qualname__}")
        if kind is not None:
            return kind
    return None


def _is_workflow(cls: type) -> bool:
    try:
        from monai.engines.workflow import Workflow
    except ImportError:  # pragma: no cover - MONAI is a dependency
        return False
    return issubclass(cls, Workflow)


def _is_nested_component(value: Mapping[str, Any]) -> bool:
    """A normalised component inside another's args (it has path, custom and args)."""
    return (
        isinstance(value.get("path"), str)
        and "custom" in value
        and isinstance(value.get("args", {}), Mapping)
    )


def _is_nested_reuse(value: Mapping[str, Any]) -> bool:
    return set(value) == {"ref"} and isinstance(value["ref"], str) and value["ref"].startswith("/")


def _with_nested(pointer: str, item: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if not is_component(item):
        return
    yield pointer, item
    args = item.get("args")
    if not isinstance(args, Mapping):
        return
    for key, value in args.items():
        base = join_pointer(join_pointer(pointer, "args"), key)
        values = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for i, v in values:
            if isinstance(v, Mapping) and _is_nested_component(v):
                yield from _with_nested(base if i is None else join_pointer(base, i), v)


def warn_unsupported_settings(settings: Mapping[str, Any]) -> None:
    """Settings the local executor does not act on, said once instead of silently ignored."""
    if settings.get("multi_gpu"):
        warnings.warn(
            "settings.multi_gpu is true but `run --local` trains in one process on one device",
            stacklevel=3,
        )
