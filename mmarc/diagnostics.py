"""Diagnostics: the one shape in which every stage of mmarc reports a problem.

Each stage (loading, schema checks, version detection, substitution, references,
component checks, lint) appends :class:`Diagnostic` objects to a :class:`Diagnostics`
collection instead of raising, so that one run reports every error at once, each
located at a file, line and column and carrying a fix.

Codes are stable: tools that read ``--format json`` or SARIF key on them. Every code
is declared once, in :data:`CODES`, with a one-line title used by SARIF rules and docs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a diagnostic is; only errors make ``mmarc validate`` exit non-zero."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


#: Every diagnostic code mmarc emits, with its title. Prefixes: P parse, K file kind,
#: S schema, H plan hash, V version, X substitution, R references, C components, F federation,
#: E trust policy, L lint, M migrate.
CODES: dict[str, str] = {
    # loading
    "P001": "invalid JSON or YAML syntax",
    "P002": "duplicate key",
    "P003": "file cannot be read",
    # file kinds and folders
    "K001": "unknown file kind",
    "K002": "MMAR folder has no configuration files",
    # schemas
    "S001": "unknown key",
    "S002": "missing required key",
    "S003": "value has the wrong type",
    "S004": "invalid value",
    # compiled plans
    "H001": "plan hash does not match its content",
    # versions
    "V001": "Clara Train 3.x (TensorFlow) file",
    "V002": "folder mixes Clara versions",
    "V003": "inconsistent or unknown version marker",
    # substitution
    "X001": "undefined variable",
    "X002": "malformed variable reference",
    "X003": "invalid --set override",
    "X004": "no environment.json beside the configuration",
    # references
    "R001": "undefined reference",
    "R002": "circular reference",
    "R003": "invalid expression",
    "R004": "duplicate component name",
    "R005": "undefined ref target",
    "R006": "authorization policy names an undefined role, organisation or group",
    # components (catalog checks)
    "C001": "unknown component",
    "C002": "unknown argument",
    "C003": "missing required argument",
    "C004": "argument has the wrong type",
    "C005": "argument renamed or removed in the installed MONAI",
    "C006": "component renamed or removed in the installed MONAI",
    "C007": "custom component cannot be checked",
    "C008": "ambiguous component name",
    "C009": "Clara version does not match the catalog",
    "C010": "value outside the range the library accepts",
    "C011": "value is not one of the accepted choices",
    "C012": "reference to a component of the wrong kind",
    "C030": "component path is not a dotted module.Class path",
    # trust policy (mmarc.policy; the executor refuses the same)
    "E001": "expression outside the policy",
    "E002": "by-name argument outside its allow-list",
    # federation components
    "F001": "unsupported federated-learning component",
    "F002": "duplicate participant name",
    "F003": "admin port equals the FL port",
    "F004": "admin is not an e-mail address",
    "F005": "server name is not a host name",
    "F006": "name cannot name a participant",
    "F007": "not exactly one FL server",
    "F008": "homomorphic-encryption settings SEAL or mmarc refuses",
    # lint (consistency)
    "L001": "output channels disagree",
    "L002": "train and validate models differ",
    "L003": "datalist problem",
    "L004": "data file missing",
    "L005": "handler order",
    "L006": "federation round settings",
    "L007": "aggregation weight names an unknown client",
    "L008": "unused variable",
    "L009": "no determinism seed",
    "L010": "data checks skipped (data not on this machine)",
    "L011": "dataset reads the other phase's datalist",
    "L012": "transform reads a key nothing provides",
    "L013": "model input channels disagree with the images",
    "L014": "output transform does not match the Clara version's engine output",
}


#: Info-level codes that text output shows even without ``-v``: they say what was NOT
#: checked (data not on this machine), which a clean-looking report must not hide.
ALWAYS_SHOWN_NOTES = frozenset({"L010"})


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One located problem, with a fix where mmarc knows one.

    ``line`` and ``column`` are 1-based; ``end_line``/``end_column`` (exclusive end)
    mark the span underlined in text output and used as the SARIF region. ``pointer``
    is the RFC 6901 JSON pointer of the offending key or value inside the file.
    """

    severity: Severity
    code: str
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    pointer: str | None = None
    hint: str | None = None
    end_line: int | None = None
    end_column: int | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"undeclared diagnostic code {self.code!r}")

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line or 0, self.column or 0, self.code)

    def as_contract(self) -> dict[str, object]:
        """The stable JSON shape other tools read (see README, 'JSON output')."""
        return {
            "severity": str(self.severity),
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "hint": self.hint,
        }


@dataclass
class Diagnostics:
    """An ordered, de-duplicated collection that every compiler stage appends to."""

    items: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set, repr=False)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for d in diagnostics:
            self.add(d)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)
