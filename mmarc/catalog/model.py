"""The component catalog as data: what every MONAI/torch class accepts, loadable without torch.

``mmarc validate`` must check that ``{"name": "UNet", "args": {...}}`` names a real class
and real arguments, yet importing torch and MONAI costs seconds. So the classes are
introspected once, ahead of time (:mod:`mmarc.catalog.build`, which does import them),
and written to ``data/catalog.json``; this module reads that file back in milliseconds and
answers lookups. It must never import torch, MONAI or ignite, directly or indirectly: a
test checks ``sys.modules`` after loading.

Short names are not unique (``DataLoader`` exists in ``monai.data`` and
``torch.utils.data``), so a lookup returns a :class:`Resolution`: the entry taken, the
candidates not taken, and the rule that decided, so that a diagnostic can say which class
mmarc assumed and why. The rules are :data:`MODULE_PRECEDENCE` (which module wins) and
:data:`SLOT_CATEGORIES` (which kinds of class a Clara slot such as ``key_metric`` holds).

File format (``format`` 1): one JSON object, ``meta`` first, then ``components``, one
component per line so that a rebuild for a new MONAI shows up as a readable diff. Keys
inside a component are short because the file is parsed on every run (``meta`` also
lists the names MONAI's layer factories accept, under ``factories``, and the values of
the string enums that annotations name, under ``enums``):

``n`` short names (a class can be exported under aliases, e.g. ``UNet`` and ``Unet``),
``p`` public dotted path, ``a`` other importable paths (its defining module...),
``c`` category, ``t`` tags, ``s`` parameters, ``d`` deprecated arguments,
``x`` class deprecation, ``e`` signature error, ``k`` the class ``**kwargs`` is passed
to, ``f`` the parameters it can set there and ``b`` the arguments resolved by name
(``[name, kind, allowed names, source]``, see :class:`~mmarc.catalog.entries.ByNameArg`).
A parameter is a list ``[name, kind, required, default, default_repr, annotation]``
with trailing nulls dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mmarc.catalog.entries import (
    ByNameArg,
    ComponentEntry,
    DeprecatedArg,
    Deprecation,
    Param,
    ParamKind,
    SkippedSource,
)

__all__ = [
    "CATALOG_FORMAT",
    "CATEGORIES",
    "DEFAULT_CATALOG_PATH",
    "MODULE_PRECEDENCE",
    "SLOT_CATEGORIES",
    "ByNameArg",
    "Catalog",
    "ComponentEntry",
    "DeprecatedArg",
    "Deprecation",
    "Param",
    "ParamKind",
    "Resolution",
    "SkippedSource",
    "clean_repr",
    "load_catalog",
    "module_rank",
    "write_catalog",
]

#: Bump when the file layout changes; the loader refuses other formats.
CATALOG_FORMAT = 1

#: Where the shipped catalog lives (package data, see pyproject ``package-data``).
DEFAULT_CATALOG_PATH = Path(__file__).parent / "data" / "catalog.json"

#: The kinds of class the catalog knows. A Clara slot holds one or more of them
#: (:data:`SLOT_CATEGORIES`); the builder assigns each class exactly one.
CATEGORIES: tuple[str, ...] = (
    "transform",  # monai.transforms and the deepgrow/deepedit app transforms
    "network",  # monai.networks.nets
    "loss",  # monai.losses and torch.nn losses
    "metric",  # monai.metrics (computations, not attachable to an engine)
    "handler",  # monai.handlers, ignite.metrics, ignite.handlers (attach to an engine)
    "optimizer",  # torch.optim, monai.optimizers
    "lr_scheduler",  # torch.optim.lr_scheduler, monai.optimizers
    "dataset",  # monai.data, monai.apps, torch.utils.data
    "dataloader",  # monai.data, torch.utils.data
    "sampler",  # monai.data, torch.utils.data
    "image_io",  # image readers/writers (LoadImaged's ``reader``, SaveImaged's ``writer``)
    "inferer",  # monai.inferers
    "engine",  # monai.engines workflows (trainer, evaluator)
    "helper",  # built as another component's argument: prepare_batch, Interaction, mergers
)

#: THE precedence rule. When several classes share a short name, the candidate whose
#: public module comes first here is taken (a longer prefix beats a shorter one; an
#: unlisted module ranks after all listed ones; ties go to the alphabetically first path).
#: It runs after a category hint has narrowed the candidates (:data:`SLOT_CATEGORIES`).
#: The order is the one Clara 4.x users meant when they wrote a bare name:
#:
#: - MONAI before torch and ignite: Clara's configs are MONAI-first; ``monai.data.DataLoader``
#:   and ``monai.data.Dataset`` subclass torch's and add MONAI's collation and worker
#:   seeding, which MONAI transforms rely on (and ``monai.data.DistributedSampler`` pads
#:   shards evenly, which MONAI's distributed evaluation assumes).
#: - ``monai.handlers`` before ``ignite.metrics``: ``ConfusionMatrix``, ``MeanSquaredError``,
#:   ``MeanAbsoluteError``, ``RootMeanSquaredError``, ``AveragePrecision`` exist in both; MONAI's
#:   take decollated channel-first batches, which is what Clara 4.x post transforms produce.
#:   ``Accuracy`` exists only in ``ignite.metrics`` (Clara 4.x ``key_metric`` used it).
#: - ``monai.handlers`` before ``monai.metrics``: a ``key_metric`` must attach to an engine.
#: - ``torch.optim.lr_scheduler`` before ``monai.optimizers``: MONAI's ``LinearLR`` and
#:   ``ExponentialLR`` are learning-rate range-test schedules for ``LearningRateFinder``
#:   (arguments ``end_lr``, ``num_iter``), not the schedulers a config's ``lr_scheduler`` means.
#: - ``monai.apps.deepgrow`` before ``monai.apps.deepedit``: both define ``Interaction``;
#:   Clara 4.x shipped deepgrow MMARs.
MODULE_PRECEDENCE: tuple[str, ...] = (
    "monai.handlers",
    "monai.transforms",
    "monai.networks",
    "monai.losses",
    "monai.inferers",
    "monai.engines",
    "monai.data",
    "monai.metrics",
    "torch.optim.lr_scheduler",
    "torch.optim",
    "monai.optimizers",
    "monai.apps.deepgrow",
    "monai.apps.deepedit",
    "monai.apps",
    "ignite.metrics",
    "ignite.handlers",
    "torch.utils.data",
    "torch.nn",
)

#: The categories a component in a Clara slot may come from, best first. A slot is the
#: key a component sits under (``component_sites.ComponentSite.slot``): a section key
#: (``key_metric``) or, for a nested component, the argument name (``network``).
#: ``lookup`` accepts either a category or one of these slots as its hint.
SLOT_CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "model": ("network",),
    "network": ("network",),
    "loss": ("loss",),
    "loss_function": ("loss",),
    "optimizer": ("optimizer",),
    "lr_scheduler": ("lr_scheduler",),
    "pre_transforms": ("transform",),
    "post_transforms": ("transform",),
    "transforms": ("transform",),
    "transform": ("transform",),
    "dataset": ("dataset",),
    "dataloader": ("dataloader",),
    "sampler": ("sampler",),
    "inferer": ("inferer",),
    "handlers": ("handler",),
    "train_handlers": ("handler",),
    "val_handlers": ("handler",),
    # metric slots hold engine-attachable metric handlers, never bare monai.metrics
    "key_metric": ("handler",),
    "additional_metrics": ("handler",),
    "metrics": ("handler",),
    "key_train_metric": ("handler",),
    "key_val_metric": ("handler",),
    "trainer": ("engine",),
    "evaluator": ("engine",),
    "validator": ("engine",),
    "reader": ("image_io",),
    "writer": ("image_io",),
    "prepare_batch": ("helper",),
    "iteration_update": ("helper",),
}

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


@dataclass(frozen=True, slots=True)
class Resolution:
    """The answer to "which class does this config name mean?".

    ``entry`` is the class taken (``None`` when nothing matches), ``alternatives`` the
    other candidates with the same short name, best first, and ``why`` one sentence a
    diagnostic can quote. ``matched`` says how the query matched: ``"path"`` (a dotted
    path, never ambiguous), ``"name"`` or ``"none"``.
    """

    query: str
    entry: ComponentEntry | None
    alternatives: tuple[ComponentEntry, ...]
    why: str
    matched: str

    @property
    def found(self) -> bool:
        return self.entry is not None

    @property
    def ambiguous(self) -> bool:
        return self.entry is not None and bool(self.alternatives)


class Catalog:
    """Every catalogued class, indexed by short name and by dotted path.

    Loading must stay fast (it runs on every ``mmarc validate``), so the catalog keeps the
    parsed JSON rows and turns a row into a :class:`ComponentEntry` only when a lookup
    or an iteration first needs it; the indexes are built from the rows directly.
    """

    def __init__(
        self,
        monai_version: str,
        torch_version: str,
        ignite_version: str | None,
        python_version: str,
        components: Sequence[Mapping[str, Any]],
        skipped: Sequence[SkippedSource] = (),
        factories: Mapping[str, Sequence[str]] | None = None,
        enums: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.monai_version = monai_version
        self.torch_version = torch_version
        self.ignite_version = ignite_version
        self.python_version = python_version
        self.skipped: tuple[SkippedSource, ...] = tuple(skipped)
        #: MONAI's layer factories (``Act``, ``Norm``, ``Dropout``...) -> the names their
        #: fixed tables accept: what ``act``/``norm``/``dropout`` arguments may name. They
        #: cannot reach arbitrary code, unlike the by-name arguments of an entry.
        self.factories: dict[str, tuple[str, ...]] = {
            k: tuple(v) for k, v in sorted((factories or {}).items())
        }
        #: The string enums that catalogued annotations name (``LossReduction``...) -> their
        #: values: what an argument annotated ``LossReduction | str`` may be (C011).
        self.enums: dict[str, tuple[str, ...]] = {
            k: tuple(v) for k, v in sorted((enums or {}).items())
        }
        self._rows = list(components)
        self._entries: list[ComponentEntry | None] = [None] * len(self._rows)
        self._by_name: dict[str, list[int]] = {}
        self._by_path: dict[str, int] = {}
        for i, row in enumerate(self._rows):
            for n in row["n"]:
                self._by_name.setdefault(n, []).append(i)
            self._by_path[row["p"]] = i
            for a in row.get("a", ()):
                self._by_path[a] = i

    @classmethod
    def from_entries(
        cls,
        monai_version: str,
        torch_version: str,
        ignite_version: str | None,
        python_version: str,
        entries: Iterable[ComponentEntry],
        skipped: Sequence[SkippedSource] = (),
        factories: Mapping[str, Sequence[str]] | None = None,
        enums: Mapping[str, Sequence[str]] | None = None,
    ) -> Catalog:
        """A catalog of ``entries`` in canonical (sorted) order, as the builder makes it."""
        rows = [e.to_json() for e in sorted(entries, key=ComponentEntry.sort_key)]
        return cls(
            monai_version,
            torch_version,
            ignite_version,
            python_version,
            rows,
            skipped,
            factories,
            enums,
        )

    def _entry(self, index: int) -> ComponentEntry:
        entry = self._entries[index]
        if entry is None:
            entry = self._entries[index] = ComponentEntry.from_json(self._rows[index])
        return entry

    # -- queries -----------------------------------------------------------------
    @property
    def entries(self) -> tuple[ComponentEntry, ...]:
        return tuple(self._entry(i) for i in range(len(self._rows)))

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[ComponentEntry]:
        return (self._entry(i) for i in range(len(self._rows)))

    def __contains__(self, name_or_path: object) -> bool:
        return isinstance(name_or_path, str) and (
            name_or_path in self._by_name or name_or_path in self._by_path
        )

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)

    def by_path(self, path: str) -> ComponentEntry | None:
        index = self._by_path.get(path)
        return self._entry(index) if index is not None else None

    def candidates(self, name: str) -> tuple[ComponentEntry, ...]:
        """Every class exported under ``name``, in precedence order (no hint applied)."""
        entries = [self._entry(i) for i in self._by_name.get(name, ())]
        return tuple(sorted(entries, key=_precedence_key))

    def in_category(self, category: str) -> list[ComponentEntry]:
        return [self._entry(i) for i, row in enumerate(self._rows) if row["c"] == category]

    def lookup(self, short_name_or_path: str, category_hint: str | None = None) -> Resolution:
        """Resolve what a config's ``name`` (or ``path``) refers to.

        A dotted query is a path: it matches exactly (public or defining module path) and is
        never ambiguous. A bare name goes through the precedence rules: candidates in the
        hinted categories are preferred (``category_hint`` is a category from
        :data:`CATEGORIES` or a slot from :data:`SLOT_CATEGORIES`), then
        :data:`MODULE_PRECEDENCE` orders them. When no candidate fits the hint, the best
        candidate outside it is still returned and ``why`` says so, so that the checker
        can report "``X`` is a metric, not a handler" instead of "unknown component".
        """
        query = short_name_or_path.strip()
        if "." in query:
            entry = self.by_path(query)
            if entry is not None:
                return Resolution(query, entry, (), f"matched the dotted path {query}", "path")
            short = query.rsplit(".", 1)[-1]
            others = self.candidates(short)
            why = f"no catalogued class at {query}"
            if others:
                why += f"; {short} exists as " + ", ".join(e.path for e in others)
            return Resolution(query, None, others, why, "none")

        candidates = self.candidates(query)
        if not candidates:
            return Resolution(query, None, (), f"no catalogued class named {query}", "none")
        categories, hint_note = _hint_categories(category_hint)
        ordered = list(candidates)
        in_hint: list[ComponentEntry] = []
        if categories:
            in_hint = [e for e in ordered if e.category in categories]
            if in_hint:
                in_hint.sort(key=lambda e: (categories.index(e.category), _precedence_key(e)))
                ordered = in_hint + [e for e in ordered if e not in in_hint]
        chosen, rest = ordered[0], tuple(ordered[1:])
        if len(candidates) == 1:
            why = f"{query} is only {chosen.path}"
        elif categories and len(in_hint) == 1:
            why = f"{chosen.path} is the only {query} that is a {chosen.category}"
        else:
            why = (
                f"{query} exists in {len(candidates)} modules; {chosen.module} comes first "
                "in the module precedence"
            )
            if categories and in_hint:
                why += f" among the {'/'.join(categories)} candidates"
        if categories and not in_hint:
            why += f" (none of the candidates is a {'/'.join(categories)})"
        if hint_note:
            why += f" ({hint_note})"
        return Resolution(query, chosen, rest, why, "name")

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Did-you-mean names for an unknown ``name``: same name in other case, then close ones.

        Aliases (``LoadImageD``, ``Unet``) are matched but reported under the class's own
        name, once, so the suggestions are distinct classes.
        """
        import difflib  # only on the error path: keeps the loader's import cost down

        short = name.rsplit(".", 1)[-1]

        def canonical(n: str) -> str:
            return str(self._rows[self._by_name[n][0]]["n"][0])

        exact = sorted(n for n in self._by_name if n.lower() == short.lower())
        close = difflib.get_close_matches(short, list(self._by_name), n=limit * 3, cutoff=0.75)
        out: list[str] = []
        for n in [*exact, *close]:
            c = canonical(n)
            if c not in out and c != short:
                out.append(c)
        return out[:limit]

    # -- serialisation -----------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        return {
            "format": CATALOG_FORMAT,
            "monai": self.monai_version,
            "torch": self.torch_version,
            "ignite": self.ignite_version,
            "python": self.python_version,
            "skipped": [[s.module, s.reason] for s in self.skipped],
        } | self._tables_meta()

    def _tables_meta(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.enums:
            out["enums"] = {k: list(v) for k, v in self.enums.items()}
        if self.factories:
            out["factories"] = {k: list(v) for k, v in self.factories.items()}
        return out

    def dumps(self) -> str:
        """Deterministic text: same catalog, same bytes (keys sorted, one component a line)."""

        def enc(value: Any) -> str:
            return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

        lines = [
            '{"meta":' + enc(self.meta()) + ',"components":[',
            ",\n".join(enc(row) for row in self._rows),
            "]}",
        ]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Catalog:
        meta = data["meta"]
        if meta.get("format") != CATALOG_FORMAT:
            raise ValueError(
                f"catalog format {meta.get('format')!r} is not {CATALOG_FORMAT}; "
                "rebuild it with `mmarc catalog build`"
            )
        return cls(
            monai_version=meta["monai"],
            torch_version=meta["torch"],
            ignite_version=meta.get("ignite"),
            python_version=meta.get("python", ""),
            components=data["components"],
            skipped=tuple(SkippedSource(m, r) for m, r in meta.get("skipped", ())),
            factories=meta.get("factories"),
            enums=meta.get("enums"),
        )


def _hint_categories(hint: str | None) -> tuple[tuple[str, ...], str | None]:
    if hint is None:
        return (), None
    if hint in CATEGORIES:
        return (hint,), None
    if hint in SLOT_CATEGORIES:
        return SLOT_CATEGORIES[hint], None
    return (), f"hint {hint!r} is neither a category nor a known slot, so it was ignored"


def module_rank(path: str) -> int:
    """Position of ``path``'s module in :data:`MODULE_PRECEDENCE` (longest prefix wins)."""
    best, best_len = len(MODULE_PRECEDENCE), -1
    for i, prefix in enumerate(MODULE_PRECEDENCE):
        if (path == prefix or path.startswith(prefix + ".")) and len(prefix) > best_len:
            best, best_len = i, len(prefix)
    return best


def _precedence_key(entry: ComponentEntry) -> tuple[int, str]:
    return (min(module_rank(p) for p in entry.paths), entry.path)


def clean_repr(text: str) -> str:
    """A repr without memory addresses, so that the same object prints the same every run."""
    return _ADDRESS.sub("", text)


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write ``catalog`` to ``path`` (parents created), byte-identical for identical catalogs.

    Forgets cached loads, so that ``mmarc catalog build`` followed by a check in the same
    process reads the new file, not the one loaded before.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(catalog.dumps(), encoding="utf-8", newline="\n")
    _load.cache_clear()


@lru_cache(maxsize=8)
def _load(path: Path) -> Catalog:
    with open(path, "rb") as fh:
        data = json.loads(fh.read())
    return Catalog.from_json(data)


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog at ``path`` (default: the shipped one), parsed once per path and cached.

    Never imports torch or MONAI. Raises ``FileNotFoundError`` when the file is missing
    and ``ValueError`` when it has another format.
    """
    return _load(Path(path) if path is not None else DEFAULT_CATALOG_PATH)
