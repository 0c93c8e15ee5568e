"""Stage 6 (``mmarc lint``): rules that look across sections, files and the data itself.

``validate`` checks each file's structure; the rules here compare one part with another
(the model's output channels with the post-transforms and the loss, train with validate,
FL round settings with each other, aggregation weights with the provisioned clients) and
read the data the MMAR points at (the datalist and the images it lists). Each rule is a
small function that yields located diagnostics; :data:`RULES` lists them in order. What
every rule reads is :mod:`mmarc.compiler.lint_context`; the datalist's keys through the
transforms (L012) and the images' channels (L013) have their own modules
(:mod:`mmarc.compiler.datalist`, :mod:`mmarc.compiler.channels`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mmarc.compiler.channels import rule_input_channels
from mmarc.compiler.component_sites import ComponentSite
from mmarc.compiler.datalist import rule_transform_keys
from mmarc.compiler.kinds import FileKind, detect_kind, kind_from_name
from mmarc.compiler.lint_context import DATALIST_FILE_KEYS, LintContext, Parts
from mmarc.compiler.lint_context import arg_of as _arg
from mmarc.compiler.lint_context import by_class as _by_class
from mmarc.compiler.lint_context import datalist_sites as _datalists
from mmarc.compiler.lint_context import node_at as _node
from mmarc.compiler.lint_context import sites_of as _sites
from mmarc.compiler.lint_context import value_of as _value
from mmarc.compiler.pipeline import Validation
from mmarc.compiler.source import (
    MappingNode,
    ScalarNode,
    SequenceNode,
    load_source,
)
from mmarc.compiler.substitute import (
    RUNTIME_SETTINGS,
    Origin,
    has_unresolved_variable,
    mmar_path,
)
from mmarc.compiler.versions import VERSION_KEY, ClaraVersion, VersionReport
from mmarc.diagnostics import Diagnostic, Severity

#: Arguments that give a network's number of output channels, by preference.
OUTPUT_CHANNEL_ARGS = ("out_channels", "num_classes", "n_classes", "out_classes")


# ---------------------------------------------------------------------------------------
# rules
# ---------------------------------------------------------------------------------------


def rule_output_channels(ctx: LintContext) -> Iterator[Diagnostic]:
    """L001: the model's output channels agree with AsDiscreted and the loss."""
    for f in ctx.files(FileKind.TRAIN) + ctx.files(FileKind.VALIDATION):
        tree = f.substituted
        assert tree is not None
        sites = _sites(f)
        models = [s for s in sites if s.slot == "model" and not s.nested]
        channels: tuple[int, Parts] | None = None
        for model in models:
            for arg in OUTPUT_CHANNEL_ARGS:
                found = _arg(model, arg, tree)
                if found and isinstance(found[0], int) and not isinstance(found[0], bool):
                    channels = (found[0], found[1])
                    break
            if channels:
                break
        if channels is None:
            continue
        count, model_parts = channels
        model_line = f.source.line_col(f.source.span_of(model_parts)[0])[0]
        for site in _by_class(sites, "AsDiscreted", "AsDiscrete"):
            for arg in ("to_onehot", "num_classes", "n_classes"):
                found = _arg(site, arg, tree)
                if found is None:
                    continue
                value, parts = found
                values = value if isinstance(value, list) else [value]
                for v in values:
                    if isinstance(v, int) and not isinstance(v, bool) and v not in (count, 0):
                        yield f.source.diagnostic(
                            "L001",
                            f"{site.class_name} {arg}={v} but the model has {count} output "
                            f"channels (line {model_line})",
                            parts,
                            hint=f"set {arg} to {count}, or change the model's output channels",
                        )
        for site in [s for s in sites if s.slot == "loss"]:
            found = _arg(site, "to_onehot_y", tree)
            if found and found[0] is True and count == 1:
                yield f.source.diagnostic(
                    "L001",
                    f"{site.class_name} one-hot encodes the labels (to_onehot_y) but the model "
                    "has a single output channel",
                    found[1],
                    hint="use at least 2 output channels (background + foreground), or set "
                    "to_onehot_y to false and use sigmoid",
                )


def rule_train_validate_model(ctx: LintContext) -> Iterator[Diagnostic]:
    """L002: a validate section that defines its own model must match train's."""
    for f in ctx.files(FileKind.TRAIN):
        tree = f.substituted
        assert tree is not None
        train = _node(tree, ("train", "model"))
        val = _node(tree, ("validate", "model"))
        if isinstance(train, MappingNode) and isinstance(val, MappingNode):
            plain_t, plain_v = train.to_plain(), val.to_plain()
            if plain_t.get("name", plain_t.get("path")) != plain_v.get(
                "name", plain_v.get("path")
            ) or plain_t.get("args") != plain_v.get("args"):
                yield f.source.diagnostic(
                    "L002",
                    "the validate section builds a different model from the train section",
                    ("validate", "model"),
                    hint='validate the model being trained: use "@model" references in the '
                    "evaluator instead of a second model",
                )


def rule_datalist(ctx: LintContext) -> Iterator[Diagnostic]:
    """L003/L004: the datalist exists, has the key, and every file it lists exists."""
    checked: set[tuple[Path, Path]] = set()
    for f, site, tree in _datalists(ctx):
        path_node = _node(tree, (*site.parts, "data_list_file_path"))
        key_node = _node(tree, (*site.parts, "data_list_key"))
        base_node = _node(tree, (*site.parts, "data_file_base_dir"))
        path_value = _value(path_node)
        if not isinstance(path_value, str) or has_unresolved_variable(path_value):
            continue  # an undefined {VAR} is already an X001 error
        datalist = mmar_path(path_value, ctx.root)
        parts = (*site.parts, "data_list_file_path")
        if not datalist.parent.is_dir() and not ctx.require_data:
            ctx.data_skipped.append((f, parts, f"{datalist.parent} is not on this machine"))
            continue
        if not datalist.is_file():
            yield f.source.diagnostic(
                "L003",
                f"datalist {path_value} does not exist (looked for {datalist})",
                parts,
                hint="create it, or point DATASET_JSON in environment.json (or --set "
                "DATASET_JSON=...) at it",
            )
            continue
        try:
            data = json.loads(datalist.read_text(encoding="utf-8"))
            ctx.datalists[datalist] = data  # parsed once: the datalist rules read it too
        except (OSError, ValueError) as exc:
            yield f.source.diagnostic(
                "L003",
                f"datalist {path_value} cannot be read: {exc}",
                parts,
                hint="run `mmarc validate` on the datalist itself",
            )
            continue
        key = _value(key_node) or "training"
        if not isinstance(data, dict) or key not in data:
            have = sorted(data) if isinstance(data, dict) else []
            yield f.source.diagnostic(
                "L003",
                f"datalist {path_value} has no {key!r} list (it has: {', '.join(have) or 'none'})",
                (*site.parts, "data_list_key") if key_node is not None else parts,
                hint=f'add a "{key}" list to the datalist, or change data_list_key',
            )
            continue
        base_value = _value(base_node)
        if isinstance(base_value, str) and has_unresolved_variable(base_value):
            continue
        base = mmar_path(base_value, ctx.root) if isinstance(base_value, str) else datalist.parent
        if (datalist, base) in checked:
            continue
        checked.add((datalist, base))
        if not base.is_dir() and not ctx.require_data:
            where = (*site.parts, "data_file_base_dir") if base_node is not None else parts
            ctx.data_skipped.append((f, where, f"{base} is not on this machine"))
            continue
        missing = list(_missing_files(data, base))
        if missing:
            shown = ", ".join(missing[:3]) + (
                f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            )
            yield f.source.diagnostic(
                "L004",
                f"{len(missing)} file(s) listed in {path_value} do not exist under {base}: {shown}",
                (*site.parts, "data_file_base_dir") if base_node is not None else parts,
                hint="check DATA_ROOT (data_file_base_dir) and the paths in the datalist",
            )


def _missing_files(data: dict[str, Any], base: Path) -> Iterator[str]:
    for items in data.values():
        if not isinstance(items, list):
            continue
        for item in items:
            values: list[Any] = []
            if isinstance(item, str):
                values = [item]
            elif isinstance(item, dict):
                for key in DATALIST_FILE_KEYS:
                    v = item.get(key)
                    values.extend(v if isinstance(v, list) else [v])
            for v in values:
                if isinstance(v, str) and not (base / v).exists():
                    yield v


def rule_handler_order(ctx: LintContext) -> Iterator[Diagnostic]:
    """L005: in one handler list, ValidationHandler runs before CheckpointSaver."""
    for f in ctx.files(FileKind.TRAIN):
        sites = _sites(f)
        for section in ("train", "validate"):
            handlers = [
                s for s in sites if s.section == section and s.slot == "handlers" and not s.nested
            ]
            names = [s.class_name for s in handlers]
            if "ValidationHandler" in names and "CheckpointSaver" in names:
                v = names.index("ValidationHandler")
                c = names.index("CheckpointSaver")
                if c < v and _saves_on_metric(handlers[c]):
                    yield f.source.diagnostic(
                        "L005",
                        "CheckpointSaver runs before ValidationHandler, so it saves before "
                        "the epoch's validation metric exists",
                        handlers[c].parts,
                        severity=Severity.WARNING,
                        hint="move the ValidationHandler entry above the CheckpointSaver",
                    )


def _saves_on_metric(saver: ComponentSite) -> bool:
    """Whether a CheckpointSaver saves on the validation metric (``save_key_metric``).

    One that saves every N epochs or iterations, or the final model, reads no metric, so
    its place in the handler list does not matter (MONAI's CheckpointSaver).
    """
    args = saver.args
    flag = args.get("save_key_metric") if args is not None else None
    return isinstance(flag, ScalarNode) and flag.value is True


def rule_fl_rounds(ctx: LintContext) -> Iterator[Diagnostic]:
    """L006: a server that would run no round (``num_rounds`` 0).

    ``num_rounds`` counts rounds from ``start_round``: the runtime, like Clara 4.x and
    NVFlare's scatter-and-gather, runs rounds ``start_round .. start_round + num_rounds - 1``.
    A ``start_round`` above ``num_rounds`` is therefore a resumed federation, not a mistake
    (min/max_num_clients is a validate error, S004).
    """
    for f in ctx.files(FileKind.FED_SERVER):
        tree = f.substituted
        servers = _node(tree, ("servers",)) if tree is not None else None
        if not isinstance(servers, SequenceNode):
            continue
        for i, server in enumerate(servers.items):
            if not isinstance(server, MappingNode):
                continue
            rounds = server.to_plain().get("num_rounds")
            if isinstance(rounds, int) and not isinstance(rounds, bool) and rounds == 0:
                yield f.source.diagnostic(
                    "L006",
                    "num_rounds is 0: the server would start, wait for clients and run no round",
                    ("servers", i, "num_rounds"),
                    hint="num_rounds counts the rounds to run from start_round; set it to 1 or "
                    "more",
                )


def _project_data(ctx: LintContext) -> list[Any]:
    """The project files that provision this MMAR's sites: the target's own, else those one
    folder up (Clara's FL notebooks keep ``project1.yml`` beside the MMAR folders)."""
    projects = [_value(p.substituted) for p in ctx.files(FileKind.PROJECT)]
    if projects or ctx.validation.target.single_file:
        return projects
    for path in sorted(ctx.root.parent.glob("*.y*ml")):
        if kind_from_name(path) is not FileKind.PROJECT or not path.is_file():
            continue
        source, diagnostics = load_source(path)
        if not diagnostics and detect_kind(path, source.root) is FileKind.PROJECT:
            projects.append(_value(source.root))
    return projects


def _provisioned_clients(ctx: LintContext) -> set[str] | None:
    projects = _project_data(ctx)
    if not projects:
        return None
    names: set[str] = set()
    for data in projects:
        if not isinstance(data, dict):
            continue
        for c in data.get("fl_clients") or []:
            if isinstance(c, dict) and isinstance(c.get("client_name"), str):
                names.add(c["client_name"])
        for c in data.get("participants") or []:
            if isinstance(c, dict) and c.get("type") == "client" and isinstance(c.get("name"), str):
                names.add(c["name"])
    return names


def rule_aggregation_weights(ctx: LintContext) -> Iterator[Diagnostic]:
    """L007: aggregation_weights name only clients that project.yml provisions."""
    clients = _provisioned_clients(ctx)
    if clients is None:
        return
    for f in ctx.files(FileKind.FED_SERVER):
        for site in _sites(f):
            assert f.substituted is not None
            found = _arg(site, "aggregation_weights", f.substituted)
            if not found or not isinstance(found[0], dict):
                continue
            for name in found[0]:
                if name not in clients:
                    yield f.source.diagnostic(
                        "L007",
                        f"aggregation_weights names {name!r}, which project.yml does not provision",
                        (*found[1], name),
                        key=True,
                        hint=f"provisioned clients: {', '.join(sorted(clients)) or 'none'}",
                    )


def rule_unused_variables(ctx: LintContext) -> Iterator[Diagnostic]:
    """L008: variables defined in environment.json or as config settings that nothing uses."""
    variables = ctx.validation.variables
    if variables is None or _has_3x_config(ctx):
        # a Clara 3.x config got its verdict (V001) and was not read: its uses are unknown
        return
    for d in variables.definitions():
        if d.name in variables.used or d.source is None or isinstance(d.value, list | dict):
            # lists and objects at the top level are slots or settings, not {VAR}s
            continue
        if d.origin is Origin.CONFIG and (d.name in RUNTIME_SETTINGS or d.name in _SETTINGS_READ):
            continue
        if d.origin is Origin.ENVIRONMENT and d.name in _ENV_READ_BY_RUNTIME:
            continue
        if d.name == VERSION_KEY:
            continue  # a version marker wherever it is written, never a {VAR}
        yield d.source.diagnostic(
            "L008",
            f"variable {d.name!r} is defined but never used",
            d.parts,
            key=True,
            severity=Severity.WARNING,
            hint="remove it, or refer to it as {" + d.name + "}",
        )


def _has_3x_config(ctx: LintContext) -> bool:
    target = ctx.validation.target
    return any(
        isinstance(f.version, VersionReport) and f.version.version is ClaraVersion.V3X
        for f in target.files + target.context
    )


#: Settings Clara's runtime (and mmarc's executor) read directly, not through {VAR}.
_SETTINGS_READ = frozenset(
    {
        "epochs",
        "num_interval_per_valid",
        "learning_rate",
        "amp",
        "dont_load_ckpt_model",
        "dont_load_ts_model",
        "train",
        "validate",
    }
)
#: environment.json entries the runtime reads by name.
_ENV_READ_BY_RUNTIME = frozenset(
    {
        "PROCESSING_TASK",
        "MMAR_EVAL_OUTPUT_PATH",
        "MMAR_CKPT_DIR",
        "MMAR_CKPT",
        "MMAR_TORCHSCRIPT",
        "DATA_ROOT",
        "DATASET_JSON",
    }
)


def rule_determinism(ctx: LintContext) -> Iterator[Diagnostic]:
    """L009: a training config without a determinism seed cannot be reproduced."""
    for f in ctx.files(FileKind.TRAIN):
        root = f.substituted
        seed = _node(root, ("determinism", "random_seed")) if root is not None else None
        if not isinstance(seed, ScalarNode) or not isinstance(seed.value, int):
            yield f.source.diagnostic(
                "L009",
                "no determinism seed: runs of this MMAR cannot be reproduced",
                ("determinism",),
                severity=Severity.WARNING,
                hint='add "determinism": {"random_seed": 0} at the top level',
            )


RULES: tuple[Callable[[LintContext], Iterator[Diagnostic]], ...] = (
    rule_output_channels,
    rule_train_validate_model,
    rule_datalist,
    rule_transform_keys,
    rule_input_channels,
    rule_handler_order,
    rule_fl_rounds,
    rule_aggregation_weights,
    rule_unused_variables,
    rule_determinism,
)


def _data_skipped(ctx: LintContext) -> Iterator[Diagnostic]:
    """L010, once per run: the data checks that did not run because the data is elsewhere.

    An MMAR names data that lives where it is trained (``/claraDevDay/...`` inside NVIDIA's
    container, a site's disk); its absence on the machine that lints it is not a fault of
    the MMAR. Where the data folder exists, every missing file stays an error.
    """
    if not ctx.data_skipped:
        return
    f, parts, reason = ctx.data_skipped[0]
    others = {r for _, _, r in ctx.data_skipped} - {reason}
    more = f" (and {len(others)} more folder(s))" if others else ""
    yield f.source.diagnostic(
        "L010",
        f"data checks skipped: {reason}{more}",
        parts,
        severity=Severity.INFO,
        hint="run lint where the data is, with --require-data, to check the datalist and files",
    )


def lint(validation: Validation, require_data: bool = False) -> list[Diagnostic]:
    """Every consistency diagnostic for an already validated target.

    ``require_data``: data folders that do not exist here are errors (L003/L004) instead
    of one L010 note that the data checks were skipped.
    """
    ctx = LintContext(validation, require_data=require_data)
    out: list[Diagnostic] = []
    for rule in RULES:
        out.extend(rule(ctx))
    out.extend(_data_skipped(ctx))
    return out
