"""Which Clara Train release a configuration file was written for, and why we think so.

Clara 3.x (TensorFlow), 4.0 and 4.1 (MONAI) configs share file names and much of their
shape, yet every later stage (schemas, the component catalog, reference resolution)
depends on the release. Only 4.1 train/validation configs carry a marker
(``CLARA_TRAIN_VERSION``); the rest is recognised by content. Each classification keeps
its :class:`Evidence` (a message and the JSON pointer parts of the key or value that
showed it, strongest first) so that a diagnostic can point at the line that gave the
version away, and so that a contradicting marker can be reported (V003).

A 3.x file is not an error of form but of release: mmarc supports Clara 4.0/4.1, so V001
says how to port it. An MMAR folder whose files disagree is reported once (V002).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from mmarc.compiler.automl import in_automl_search
from mmarc.compiler.component_sites import TRAIN_SECTIONS, iter_components
from mmarc.compiler.kinds import FileKind
from mmarc.compiler.source import (
    MappingNode,
    Node,
    PointerPart,
    ScalarNode,
    SequenceNode,
    SourceFile,
    iter_nodes,
)
from mmarc.diagnostics import Diagnostic, Severity


class ClaraVersion(StrEnum):
    """The Clara Train releases mmarc tells apart."""

    V3X = "3.x"
    V40 = "4.0"
    V40_EA = "4.0-ea"
    V41 = "4.1"
    UNKNOWN = "unknown"

    @property
    def is_clara4(self) -> bool:
        return self in (ClaraVersion.V40, ClaraVersion.V40_EA, ClaraVersion.V41)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation behind a classification, located by JSON pointer parts."""

    message: str
    parts: tuple[PointerPart, ...]
    #: locate at the key (``"lr_policy": ...``) rather than at its value
    key: bool = False


@dataclass
class VersionReport:
    """A file's version and the evidence for it, strongest first."""

    version: ClaraVersion
    evidence: list[Evidence]
    kind: FileKind | None = None
    #: version markers that are invalid or contradict the content (each becomes a V003)
    conflicts: list[Evidence] = field(default_factory=list)
    #: the marker says the file belongs to another tool (an NVIDIA FLARE 2.x app): that
    #: verdict ends its analysis, as V001 does for a 3.x file (no follow-on errors)
    foreign: bool = False


#: The train/validation version marker (4.1 configs only; not in environment.json).
VERSION_KEY = "CLARA_TRAIN_VERSION"
#: The FL configuration marker; ``1`` is the Clara 4.0/4.1 FL format.
FL_FORMAT_KEY = "format_version"
#: authz_config.json's format marker, and the one format Clara 4.0 (and 4.1) read.
AUTHZ_VERSION_KEY = "version"
AUTHZ_VERSION = "1.0"

_VERSION_41 = re.compile(r"4\.1(\.\d+)*")
_VERSION_40 = re.compile(r"4\.0(\.\d+)*")
_VERSION_ANY = re.compile(r"\d+(\.\d+)*")
_TF_NAME = re.compile(r"TF[A-Z]")

#: Clara 3.x slots (section keys) and top-level settings, strongest first, with the
#: Clara 4 replacement used in V001's hint.
_V3_SLOTS = {
    "image_pipeline": "dataset + dataloader",
    "lr_policy": "lr_scheduler",
    "aux_ops": "additional_metrics / handlers",
}
_V3_SETTINGS = {
    "num_training_epoch_per_valid": "num_interval_per_valid",
    "use_amp": "amp",
}
#: Component names that only Clara 3.x (TensorFlow) had; none is a MONAI name.
_V3_NAMES = frozenset(
    {
        "SegmentationImagePipeline",
        "SegmentationImagePipelineWithCache",
        "ClassificationImagePipeline",
        "ClassificationImagePipelineWithCache",
        "LoadNifti",
        "LoadPng",
        "ConvertToChannelsFirst",
        "ScaleByResolution",
        "ScaleIntensityOscillation",
        "ScaleShiftIntensity",
        "FastPosNegRatioCropROI",
        "CropByPosNegRatio",
        "RandomSpatialFlip",
        "RandomZoom",
        "ComputeAverageDice",
        "ComputeAverage",
        "NegLoss",
        "Focal",
        "ScanWindowInferer",
        "ModelSaver",
        "ModelAggregator",
    }
)
#: FL names of the 4.0 Early Access (PyTorch) client/server.
_EA_NAMES = frozenset({"PTModelReaderWriter", "PTModelSaver", "StartClientMGpuProcessor"})
#: FL slots of the 3.x (and Early Access) server that 4.0 replaced.
_V3_FL_SERVER_SLOTS = ("model_saver", "admin_cmd_modules", "result_processors")
#: Signs of the Clara 4 (MONAI) layout, weakest evidence.
_V4_SLOTS = ("dataset", "dataloader", "lr_scheduler", "key_metric")
_V4_SETTINGS = ("num_interval_per_valid", "amp")


def _v3_names(kind: FileKind, root: MappingNode) -> list[Evidence]:
    """The first TensorFlow (``TF...``) component, then the first other 3.x-only one."""
    tf: Evidence | None = None
    other: Evidence | None = None
    for site in iter_components(kind, root):
        name = site.class_name
        if not name:
            continue
        if tf is None and _TF_NAME.match(name):
            tf = Evidence(f'"{name}" is a Clara 3.x (TensorFlow) component', (*site.parts, "name"))
        elif other is None and name in _V3_NAMES:
            other = Evidence(f'"{name}" is a Clara 3.x component', (*site.parts, "name"))
        if tf is not None and other is not None:
            break
    return [e for e in (tf, other) if e is not None]


def _scalar(node: Node | None) -> object:
    return node.value if isinstance(node, ScalarNode) else None


# ---------------------------------------------------------------------------------------
# detection
# ---------------------------------------------------------------------------------------


def detect_version(source: SourceFile, kind: FileKind) -> VersionReport:
    """Classify one file; kinds without version markers (datalists...) are unknown."""
    root = source.root
    if not isinstance(root, MappingNode):
        return VersionReport(ClaraVersion.UNKNOWN, [], kind)
    if kind in (FileKind.TRAIN, FileKind.VALIDATION):
        return _detect_config(root, kind)
    if kind in (FileKind.FED_SERVER, FileKind.FED_CLIENT):
        return _detect_fl(root, kind)
    if kind is FileKind.AUTHZ:
        return _detect_authz(root)
    return VersionReport(ClaraVersion.UNKNOWN, [], kind)


def _detect_authz(root: MappingNode) -> VersionReport:
    """authz_config.json: Clara 4.0's policy format is "version": "1.0" (V003 otherwise)."""
    marker = root.get(AUTHZ_VERSION_KEY)
    value = _scalar(marker) if marker is not None else AUTHZ_VERSION
    conflicts = []
    if value != AUTHZ_VERSION:
        conflicts.append(
            Evidence(
                f"authorization policy version {value!r} is not Clara 4.0's {AUTHZ_VERSION!r}",
                (AUTHZ_VERSION_KEY,),
            )
        )
    return VersionReport(ClaraVersion.UNKNOWN, [], FileKind.AUTHZ, conflicts)


def _sections(
    root: MappingNode, kind: FileKind
) -> list[tuple[tuple[PointerPart, ...], MappingNode]]:
    if kind is FileKind.VALIDATION:
        return [((), root)]
    out: list[tuple[tuple[PointerPart, ...], MappingNode]] = []
    for name in TRAIN_SECTIONS:
        section = root.get(name)
        if isinstance(section, MappingNode):
            out.append(((name,), section))
    return out


def _detect_config(root: MappingNode, kind: FileKind) -> VersionReport:
    sections = _sections(root, kind)
    v3: list[Evidence] = []
    for slot, replacement in _V3_SLOTS.items():
        for base, section in sections:
            if slot in section.entries:
                v3.append(
                    Evidence(
                        f'"{slot}" is a Clara 3.x key (Clara 4 uses {replacement})',
                        (*base, slot),
                        key=True,
                    )
                )
                break
    for setting, replacement in _V3_SETTINGS.items():
        if setting in root.entries:
            v3.append(
                Evidence(
                    f'"{setting}" is a Clara 3.x setting (Clara 4 uses "{replacement}")',
                    (setting,),
                    key=True,
                )
            )
    fields_at: tuple[PointerPart, ...] | None = None
    for site in iter_components(kind, root):
        args = site.args
        if args is not None and "fields" in args.entries:
            fields_at = (*site.parts, "args", "fields")
            break
    if fields_at is not None:
        v3.append(
            Evidence(
                'transform argument "fields" is Clara 3.x (MONAI transforms take "keys")',
                fields_at,
                key=True,
            )
        )
    v3.extend(_v3_names(kind, root))

    wiring = _wiring_evidence(root)
    clara4 = _clara4_evidence(root, sections)
    conflicts: list[Evidence] = []
    marker_node = root.get(VERSION_KEY)
    marker: ClaraVersion | None = None
    marker_evidence: Evidence | None = None
    if marker_node is not None:
        marker, marker_evidence, problem = _read_marker(marker_node)
        if problem is not None:
            conflicts.append(problem)

    if v3:
        if marker is not None and marker_evidence is not None:
            conflicts.append(
                Evidence(
                    f"{VERSION_KEY} says {_scalar(marker_node)!s} but the file is Clara 3.x "
                    f"({v3[0].message})",
                    (VERSION_KEY,),
                )
            )
        return VersionReport(ClaraVersion.V3X, v3, kind, conflicts)
    if marker is ClaraVersion.V41 and marker_evidence is not None:
        return VersionReport(ClaraVersion.V41, [marker_evidence, *wiring, *clara4], kind, conflicts)
    if marker is ClaraVersion.V40 and marker_evidence is not None:
        if wiring:
            conflicts.append(
                Evidence(
                    f"{VERSION_KEY} says {_scalar(marker_node)!s} but the file uses Clara 4.1 "
                    f"wiring ({wiring[0].message}), which Clara 4.0 does not understand",
                    (VERSION_KEY,),
                )
            )
            return VersionReport(ClaraVersion.V41, [*wiring, marker_evidence], kind, conflicts)
        return VersionReport(ClaraVersion.V40, [marker_evidence, *clara4], kind, conflicts)
    if wiring:
        return VersionReport(ClaraVersion.V41, [*wiring, *clara4], kind, conflicts)
    if clara4:
        absent = Evidence(
            f"no {VERSION_KEY}, no @ references and no # expressions (Clara 4.0 implicit wiring)",
            (),
        )
        return VersionReport(ClaraVersion.V40, [*clara4, absent], kind, conflicts)
    return VersionReport(ClaraVersion.UNKNOWN, [], kind, conflicts)


def _read_marker(node: Node) -> tuple[ClaraVersion | None, Evidence | None, Evidence | None]:
    """(version named, evidence, problem) for a ``CLARA_TRAIN_VERSION`` value."""
    value = _scalar(node)
    parts: tuple[PointerPart, ...] = (VERSION_KEY,)
    if not isinstance(value, str):
        shown = value if not isinstance(node, MappingNode | SequenceNode) else "a container"
        problem = Evidence(
            f'{VERSION_KEY} must be a version string such as "4.1.0", not {shown!r}', parts
        )
        return None, None, problem
    text = value.strip()
    if _VERSION_41.fullmatch(text):
        return ClaraVersion.V41, Evidence(f'{VERSION_KEY} is "{value}"', parts), None
    if _VERSION_40.fullmatch(text):
        return ClaraVersion.V40, Evidence(f'{VERSION_KEY} is "{value}"', parts), None
    if _VERSION_ANY.fullmatch(text):
        problem = Evidence(
            f'{VERSION_KEY} "{value}" is not a Clara Train 4.x version (mmarc knows 4.0 and 4.1)',
            parts,
        )
    else:
        problem = Evidence(
            f'{VERSION_KEY} "{value}" is not a version string (expected e.g. "4.1.0")', parts
        )
    return None, None, problem


def _wiring_evidence(root: MappingNode) -> list[Evidence]:
    """The first ``@`` reference and the first ``#`` expression (Clara 4.1 explicit wiring)."""
    at: Evidence | None = None
    expr: Evidence | None = None
    for parts, node in iter_nodes(root):
        value = node.value if isinstance(node, ScalarNode) else None
        if not isinstance(value, str) or not value or in_automl_search(parts):
            continue
        if at is None and value[0] == "@" and len(value) > 1:
            at = Evidence(f'"{value}" is a Clara 4.1 @ reference', parts)
        elif expr is None and value[0] == "#" and len(value) > 1:
            expr = Evidence(f'"{value}" is a Clara 4.1 # expression', parts)
        if at is not None and expr is not None:
            break
    return [e for e in (at, expr) if e is not None]


def _clara4_evidence(
    root: MappingNode, sections: list[tuple[tuple[PointerPart, ...], MappingNode]]
) -> list[Evidence]:
    found: list[Evidence] = []
    for setting in _V4_SETTINGS:
        if setting in root.entries:
            found.append(Evidence(f'"{setting}" is a Clara 4 setting', (setting,), key=True))
    for slot in _V4_SLOTS:
        for base, section in sections:
            if slot in section.entries:
                found.append(
                    Evidence(f'"{slot}" is a Clara 4 (MONAI) slot', (*base, slot), key=True)
                )
                break
    return found


def _detect_fl(root: MappingNode, kind: FileKind) -> VersionReport:
    v3_names = _v3_names(kind, root)
    tf = v3_names[0] if v3_names else None
    ea: Evidence | None = None
    for site in iter_components(kind, root):
        name = site.class_name
        if ea is None and name in _EA_NAMES:
            ea = Evidence(f'"{name}" is a Clara 4.0 Early Access component', (*site.parts, "name"))
    marker = root.get(FL_FORMAT_KEY)
    if marker is not None:
        value = _scalar(marker)
        parts: tuple[PointerPart, ...] = (FL_FORMAT_KEY,)
        if value == 1 and not isinstance(value, bool):
            fv1 = Evidence(f"{FL_FORMAT_KEY} 1 is the Clara 4.0 FL format", parts)
            conflicts: list[Evidence] = []
            if tf is not None:
                conflicts.append(
                    Evidence(
                        f"{FL_FORMAT_KEY} is 1 (Clara 4.0) but the file names Clara 3.x "
                        f"components ({tf.message})",
                        parts,
                    )
                )
            return VersionReport(ClaraVersion.V40, [fv1], kind, conflicts)
        problem = Evidence(
            f"{FL_FORMAT_KEY} {value!r} is not a Clara FL format "
            "(Clara 4.0 and 4.1 FL configurations use 1; 2 is an NVIDIA FLARE 2.x app)",
            parts,
        )
        if tf is not None:
            return VersionReport(ClaraVersion.V3X, [tf], kind, [problem])
        nvflare2 = isinstance(value, int) and not isinstance(value, bool) and value >= 2
        return VersionReport(ClaraVersion.UNKNOWN, [], kind, [problem], foreign=nvflare2)

    # The Early Access server kept 3.x's slots and names (model_saver, ModelAggregator)
    # around PyTorch components: only a TensorFlow component outweighs a PyTorch EA one.
    tensorflow = any(_TF_NAME.match(site.class_name or "") for site in iter_components(kind, root))
    if tf is not None and (ea is None or tensorflow):
        return VersionReport(ClaraVersion.V3X, [tf, *_fl_v3_layout(root, kind)], kind)
    client = root.get("client")
    trainer = root.get("client_trainer")
    if kind is FileKind.FED_CLIENT and trainer is not None:
        ga_layout = "cross_site_validation" in root.entries or (
            isinstance(client, MappingNode)
            and ({"outbound_filters", "inbound_filters"} & set(client.entries))
        )
        if ga_layout and ea is None:
            missing = Evidence(
                f'no {FL_FORMAT_KEY}: a Clara 4.0 FL client starts with "{FL_FORMAT_KEY}": 1',
                (),
            )
            layout = Evidence(
                "client_trainer with filters is the Clara 4.0 layout", ("client_trainer",), key=True
            )
            return VersionReport(ClaraVersion.V40, [layout], kind, [missing])
        early = Evidence(
            f"client_trainer without {FL_FORMAT_KEY} is the Clara 4.0 Early Access layout",
            ("client_trainer",),
            key=True,
        )
        return VersionReport(ClaraVersion.V40_EA, [e for e in (ea, early) if e], kind)
    if ea is not None:
        return VersionReport(ClaraVersion.V40_EA, [ea], kind)
    if kind is FileKind.FED_SERVER and {"model_persistor", "shareable_generator"} & set(
        root.entries
    ):
        missing = Evidence(
            f'no {FL_FORMAT_KEY}: a Clara 4.0 FL server starts with "{FL_FORMAT_KEY}": 1', ()
        )
        layout = Evidence(
            "model_persistor / shareable_generator are the Clara 4.0 layout",
            ("model_persistor" if "model_persistor" in root.entries else "shareable_generator",),
            key=True,
        )
        return VersionReport(ClaraVersion.V40, [layout], kind, [missing])
    layout3 = _fl_v3_layout(root, kind)
    if layout3 and ea is None:
        return VersionReport(ClaraVersion.V3X, layout3, kind)
    return VersionReport(ClaraVersion.UNKNOWN, [], kind)


def _fl_v3_layout(root: MappingNode, kind: FileKind) -> list[Evidence]:
    found: list[Evidence] = []
    if kind is FileKind.FED_SERVER:
        for slot in _V3_FL_SERVER_SLOTS:
            if slot in root.entries:
                found.append(Evidence(f'"{slot}" is a Clara 3.x FL server key', (slot,), key=True))
    else:
        client = root.get("client")
        if isinstance(client, MappingNode) and "client_trainer" not in root.entries:
            for key in ("model_reader_writer", "req_processors", "local_epochs"):
                if key in client.entries:
                    found.append(
                        Evidence(
                            f'"client.{key}" without client_trainer is the Clara 3.x FL '
                            "client layout",
                            ("client", key),
                            key=True,
                        )
                    )
                    break
    return found


# ---------------------------------------------------------------------------------------
# diagnostics
# ---------------------------------------------------------------------------------------

_PORT_CONFIG = (
    "mmarc supports Clara Train 4.0/4.1 (MONAI) MMARs; port this file to a Clara 4.x MMAR: "
)
_RENAMES = (
    ("image_pipeline", "image_pipeline → dataset + dataloader"),
    ("lr_policy", "lr_policy → lr_scheduler"),
    ("use_amp", "use_amp → amp"),
    ("num_training_epoch_per_valid", "num_training_epoch_per_valid → num_interval_per_valid"),
    ("fields", 'transforms with "fields" → MONAI dictionary transforms with "keys"'),
    ("aux_ops", "aux_ops → handlers / additional_metrics"),
)
_PORT_FL = (
    "mmarc supports Clara Train 4.0/4.1 FL configurations; port this file to the Clara 4.0 "
    'FL format: "format_version": 1, a client_trainer (client) or model_persistor and '
    "shareable_generator (server), and PyTorch (PT...) components instead of TF... ones"
)


def _port_hint(report: VersionReport) -> str:
    if report.kind in (FileKind.FED_SERVER, FileKind.FED_CLIENT):
        return _PORT_FL
    found = " ".join(str(p) for e in report.evidence for p in e.parts)
    relevant = [text for key, text in _RENAMES if key in found]
    others = [text for key, text in _RENAMES if key not in found]
    steps = relevant + others[: max(0, 4 - len(relevant))]
    return _PORT_CONFIG + "; ".join(steps)


def _locate(
    source: SourceFile, evidence: Evidence, code: str, message: str, **kw: object
) -> Diagnostic:
    return source.diagnostic(code, message, evidence.parts, key=evidence.key, **kw)  # type: ignore[arg-type]


def version_diagnostics(source: SourceFile, report: VersionReport) -> list[Diagnostic]:
    """V001 for a Clara 3.x file, V003 for each invalid or contradicting marker."""
    out: list[Diagnostic] = []
    if report.version is ClaraVersion.V3X and report.evidence:
        strongest = report.evidence[0]
        also = [e.message.split(" is ", 1)[0] for e in report.evidence[1:4]]
        more = f" (also {', '.join(also)})" if also else ""
        out.append(
            _locate(
                source,
                strongest,
                "V001",
                f"Clara Train 3.x (TensorFlow) file: {strongest.message}{more}",
                hint=_port_hint(report),
            )
        )
    for conflict in report.conflicts:
        out.append(
            _locate(
                source,
                conflict,
                "V003",
                conflict.message,
                hint=_marker_hint(report),
            )
        )
    return out


def _marker_hint(report: VersionReport) -> str:
    if report.kind is FileKind.AUTHZ:
        return f'authz_config.json has one format: "{AUTHZ_VERSION_KEY}": "{AUTHZ_VERSION}"'
    if report.kind in (FileKind.FED_SERVER, FileKind.FED_CLIENT):
        return f'Clara 4.0/4.1 FL configurations start with "{FL_FORMAT_KEY}": 1'
    if report.version is ClaraVersion.V41:
        return f'set "{VERSION_KEY}": "4.1.0" (the file uses Clara 4.1 wiring)'
    if report.version is ClaraVersion.V3X:
        return f"remove {VERSION_KEY} or finish porting the file to Clara 4.x"
    return f'use "{VERSION_KEY}": "4.1.0" for Clara 4.1, or remove it for a Clara 4.0 config'


_CONFIG_KINDS = (FileKind.TRAIN, FileKind.VALIDATION)
_FL_KINDS = (FileKind.FED_SERVER, FileKind.FED_CLIENT)
_AGE = {
    ClaraVersion.V3X: 0,
    ClaraVersion.V40_EA: 1,
    ClaraVersion.V40: 2,
    ClaraVersion.V41: 3,
    ClaraVersion.UNKNOWN: 4,
}


def folder_version_diagnostics(
    reports: Sequence[tuple[SourceFile, VersionReport]],
) -> list[Diagnostic]:
    """V002 when the files of one MMAR folder disagree about the Clara release.

    Pass the files of one MMAR. 3.x next to 4.x is an error, and so is a 4.0 Early
    Access FL file next to a format_version 1 one; 4.0 next to 4.1 among train and
    validation configs is a warning (Clara 4.1 still reads most 4.0 files). FL files
    say only "4.0" (their format did not change in 4.1), so they never clash with 4.1.
    """
    known = [(s, r) for s, r in reports if r.version is not ClaraVersion.UNKNOWN]
    versions = Counter(r.version for _, r in known)
    if ClaraVersion.V3X in versions and any(v.is_clara4 for v in versions):
        target = max((v for v in versions if v.is_clara4), key=lambda v: (versions[v], _AGE[v]))
        return [_mix(known, ClaraVersion.V3X, target, Severity.ERROR)]
    out: list[Diagnostic] = []
    fl = Counter(r.version for _, r in known if r.kind in _FL_KINDS)
    if ClaraVersion.V40_EA in fl and ClaraVersion.V40 in fl:
        out.append(_mix(known, ClaraVersion.V40_EA, ClaraVersion.V40, Severity.ERROR))
    configs = Counter(r.version for _, r in known if r.kind in _CONFIG_KINDS)
    if ClaraVersion.V40 in configs and ClaraVersion.V41 in configs:
        odd, target = ClaraVersion.V40, ClaraVersion.V41
        if configs[ClaraVersion.V41] < configs[ClaraVersion.V40]:
            odd, target = target, odd
        out.append(_mix(known, odd, target, Severity.WARNING, _CONFIG_KINDS))
    return out


def _mix(
    known: list[tuple[SourceFile, VersionReport]],
    odd: ClaraVersion,
    target: ClaraVersion,
    severity: Severity,
    kinds: tuple[FileKind, ...] | None = None,
) -> Diagnostic:
    """One V002 naming every file, located on the first file of version ``odd``."""
    source, report = next(
        (s, r) for s, r in known if r.version is odd and (kinds is None or r.kind in kinds)
    )
    listing = ", ".join(f"{s.display} is {r.version}" for s, r in known)
    message = f"this MMAR folder mixes Clara versions: {listing}"
    if severity is Severity.ERROR:
        hint = (
            f"port {source.display} to Clara {target}: all files of an MMAR belong to one release"
        )
    else:
        hint = (
            f"Clara reads both, but keep train and validation configs on one release: "
            f"write {source.display} in the Clara {target} style"
        )
    parts = report.evidence[0].parts if report.evidence else ()
    key = report.evidence[0].key if report.evidence else False
    return source.diagnostic("V002", message, parts, severity=severity, hint=hint, key=key)
