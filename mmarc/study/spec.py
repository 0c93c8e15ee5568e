"""The study spec: a small YAML file that names an MMAR and the grid of settings to run.

Why its own model: a spec is untrusted input like every config mmarc reads, so it is
parsed with mmarc's located YAML loader and validated with pydantic, and every problem is
reported at its file:line:column (codes P001-P003 for syntax, S001-S004 for the schema)
before any run starts. The shape follows the seed experiment: one ``baseline`` setting and
``sweeps`` that vary one axis around it::

    mmar: .                 # the MMAR, relative to this file
    name: mnist_seed
    total_epochs: 10        # local epochs every site trains over the whole run
    seeds: [0]
    baseline: {clients: 8, epochs_per_round: 2}
    sweeps:
      clients: [1, 2, 4, 8]
      epochs_per_round: [1, 2, 5]
      data_share: [all, sites:0.5, data:0.5]

``data_share`` reduces the training data only: ``all`` (every site trains, the training
items cut evenly among them); ``sites:F`` (only the fraction F of the baseline's sites
train, each holding its 1/clients share: some sites disabled); ``data:F`` (every site
trains on the fraction F of its share). The validation items are always all used, cut
among the sites that run, so every setting's accuracy is measured on the same
validation set (:mod:`mmarc.plan.simulation`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from mmarc.diagnostics import Diagnostic
from mmarc.errors import MmarcError

__all__ = [
    "MAX_SETTINGS",
    "Baseline",
    "DataShare",
    "StudySpec",
    "StudySpecError",
    "Sweeps",
    "load_spec",
    "parse_share",
]

#: The most settings (grid points x seeds) one study may hold.
MAX_SETTINGS = 200
#: The largest spec file read (a spec is a few lines).
MAX_SPEC_BYTES = 64 * 1024

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Clients = Annotated[int, Field(ge=1, le=64)]
EpochsPerRound = Annotated[int, Field(ge=1, le=1000)]


@dataclass(frozen=True)
class DataShare:
    """How much of the data a setting's federation holds; see the module docstring."""

    mode: str  # "all", "sites" or "data"
    fraction: float = 1.0

    def __str__(self) -> str:
        return "all" if self.mode == "all" else f"{self.mode}:{self.fraction:g}"


_SHARE = re.compile(r"^(sites|data):([0-9]*\.?[0-9]+)$")


def parse_share(text: Any) -> DataShare:
    """``all``, ``sites:F`` or ``data:F`` (0 < F <= 1) as a :class:`DataShare`."""
    if isinstance(text, str) and text.strip() == "all":
        return DataShare("all")
    found = _SHARE.match(text.strip()) if isinstance(text, str) else None
    if found is not None:
        value = float(found.group(2))
        if math.isfinite(value) and 0 < value <= 1:
            return DataShare(found.group(1), value) if value < 1 else DataShare("all")
    raise ValueError(f"{text!r} is not all, sites:F or data:F with 0 < F <= 1")


def _check_share(value: str) -> str:
    parse_share(value)
    return value


#: A data share as the spec writes it (``all``, ``sites:F``, ``data:F``).
Share = Annotated[str, AfterValidator(_check_share)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Baseline(_Strict):
    """The setting every sweep varies one axis of."""

    clients: Clients = Field(description="Sites (client processes) that train.")
    epochs_per_round: EpochsPerRound = Field(
        description="Local epochs each site trains between two aggregations."
    )
    data_share: Share = Field("all", description="all, sites:F or data:F.")


class Sweeps(_Strict):
    """The values each axis takes, the others held at the baseline's."""

    clients: list[Clients] | None = Field(None, max_length=16)
    epochs_per_round: list[EpochsPerRound] | None = Field(None, max_length=16)
    data_share: list[Share] | None = Field(None, max_length=16)


class StudySpec(_Strict):
    """A validated study spec (see the module docstring)."""

    mmar: str = Field(".", description="The MMAR folder, relative to the spec file.")
    name: str = Field("study", pattern=_NAME, description="The study's name.")
    total_epochs: int = Field(
        ge=1, le=10_000, description="Local epochs every site trains over the whole run."
    )
    seeds: list[Annotated[int, Field(ge=0, le=2**31 - 1)]] = Field(
        default_factory=lambda: [0], min_length=1, max_length=16
    )
    baseline: Baseline
    sweeps: Sweeps = Field(default_factory=lambda: Sweeps())


class StudySpecError(MmarcError):
    """The spec has errors; ``diagnostics`` locates each (the CLI prints them first)."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []
        self.sources: dict[str, Any] = {}


_TYPE_ERRORS = ("_type", "_parsing", "strict")


def _code(kind: str) -> tuple[str, bool]:
    """The diagnostic code of a pydantic error type, and whether it is about the key."""
    if kind == "extra_forbidden":
        return "S001", True
    if kind == "missing":
        return "S002", True
    if any(marker in kind for marker in _TYPE_ERRORS):
        return "S003", False
    return "S004", False


def _cross_checks(spec: StudySpec) -> list[tuple[tuple[str | int, ...], str, str | None]]:
    """Problems between fields: (pointer parts, message, hint)."""
    found: list[tuple[tuple[str | int, ...], str, str | None]] = []
    epochs: list[tuple[tuple[str | int, ...], int]] = [
        (("baseline", "epochs_per_round"), spec.baseline.epochs_per_round)
    ]
    epochs += [
        (("sweeps", "epochs_per_round", i), e)
        for i, e in enumerate(spec.sweeps.epochs_per_round or [])
    ]
    for parts, value in epochs:
        if spec.total_epochs % value:
            found.append(
                (
                    parts,
                    f"{value} epochs per round does not divide total_epochs {spec.total_epochs}",
                    "every setting trains the same total local epochs, in whole rounds",
                )
            )
    shares: list[tuple[tuple[str | int, ...], str]] = [
        (("baseline", "data_share"), spec.baseline.data_share)
    ]
    shares += [(("sweeps", "data_share", i), s) for i, s in enumerate(spec.sweeps.data_share or [])]
    for parts, text in shares:
        share = parse_share(text)
        if share.mode == "sites" and round(share.fraction * spec.baseline.clients) < 1:
            found.append((parts, f"{text} of {spec.baseline.clients} site(s) leaves no site", None))
    from .grid import expand  # the grid's size is the grid's business

    count = len(expand(spec))
    if count > MAX_SETTINGS:
        found.append(((), f"the study has {count} settings, more than {MAX_SETTINGS}", None))
    return found


def load_spec(path: Path) -> tuple[StudySpec, Path]:
    """Read and validate the spec at ``path``; returns it and the MMAR folder it names.

    Raises:
        UsageError: ``path`` is not a file (exit status 2).
        StudySpecError: with a located diagnostic for every problem found.
    """
    from mmarc.compiler.source import parse_text

    display = str(path)
    if not path.is_file():
        from mmarc.compiler.mmar import UsageError

        raise UsageError(f"{display}: no such study spec (a YAML file)")
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise StudySpecError(f"{display}: {size} bytes; a study spec is at most 64 KiB")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise StudySpecError(f"{display}: the file is not UTF-8 text") from None
    except OSError as exc:
        raise StudySpecError(f"{display}: cannot read it: {exc.strerror or exc}") from None
    yaml_path = path if path.suffix.lower() in (".yml", ".yaml") else path.with_suffix(".yml")
    source, diagnostics = parse_text(text, yaml_path, display)
    errors = [d for d in diagnostics if d.severity == "error"]
    if not errors:
        errors = _validate(source)
    if errors:
        error = StudySpecError(f"{display}: {len(errors)} error(s) in the study spec", errors)
        error.sources = {display: source}
        raise error
    spec = StudySpec.model_validate(source.to_plain())
    return spec, (path.parent / spec.mmar).resolve()


def _validate(source: Any) -> list[Diagnostic]:
    document = source.to_plain()
    if not isinstance(document, dict):
        return [source.diagnostic("S003", "a study spec is a mapping (key: value lines)")]
    try:
        spec = StudySpec.model_validate(document)
    except ValidationError as exc:
        out = []
        for error in exc.errors():
            code, key = _code(error["type"])
            parts = tuple(error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            if code == "S001":
                message = f"unknown key {parts[-1]!r}"
            elif code == "S002":
                message = f"missing required key {parts[-1]!r}"
            out.append(source.diagnostic(code, message, parts, key=key))
        return out
    return [source.diagnostic("S004", m, parts, hint=h) for parts, m, h in _cross_checks(spec)]
