"""Modules that MONAI's imports pull in and no site needs to start: run on first use.

Why: ``monai.utils`` imports ``matplotlib.pyplot`` at import time (``jupyter_utils``, for
plotting helpers a site does not call), and where matplotlib is installed (``mmarc[study]``)
that is 0.25-0.3 s of the ~4 s a process spends importing torch, MONAI and ignite on the
2-core VMs we measure on: the simulator's worker (on the way to round 1 of every
simulation), a kit's site building its trainer, the child building the first global
model. Inside :func:`deferred` such a module is created but its code does not run:
``import`` succeeds and names it, and its first attribute access runs it, in the process
that makes it (a site that plots pays the import then).

Why not :class:`importlib.util.LazyLoader`: on Python 3.11 its module runs on *any*
attribute access, ``__spec__`` included, which the import system reads each time the
module is imported again, and MONAI imports ``matplotlib.pyplot`` from several modules
(through ``optional_import``, which also reads ``__file__`` and ``__path__``). A deferred
module here answers its import metadata (:data:`_METADATA`) without running.

Only for plain source modules (a ``SourceFileLoader``); a name found otherwise is imported
as usual. A lock makes the first use run the module once, whichever thread makes it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["DEFERRED", "deferred"]

#: What start-up imports defer (see the module docstring).
DEFERRED = ("matplotlib.pyplot",)

#: Attributes a deferred module answers without running: what the import system and
#: ``optional_import``-style checks read.
_METADATA = frozenset(
    {"__spec__", "__name__", "__loader__", "__package__", "__path__", "__file__", "__cached__"}
)

#: Held while a deferred module runs: another thread's first use waits for the end of it.
_RUN_LOCK = threading.RLock()
#: ids of the deferred modules whose code runs now (their own accesses are not a first use)
_running: set[int] = set()


class _DeferredModule(ModuleType):
    """A module whose code has not run yet: the first attribute access besides
    :data:`_METADATA` runs it, and it becomes a plain module."""

    def __getattribute__(self, attr: str) -> Any:
        if attr in _METADATA or attr == "__class__":
            return object.__getattribute__(self, attr)
        with _RUN_LOCK:
            if type(self) is _DeferredModule:
                if id(self) in _running:  # the module's own code, reading itself
                    return object.__getattribute__(self, attr)
                _run(self)
        return getattr(self, attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        self.__getattribute__("__dict__")  # run first: the module's code would overwrite it
        object.__setattr__(self, attr, value)

    def __delattr__(self, attr: str) -> None:
        self.__getattribute__("__dict__")
        object.__delattr__(self, attr)


def _run(module: _DeferredModule) -> None:
    """Run a deferred module's code (with :data:`_RUN_LOCK` held); it stays deferred if
    the code fails, and runs again on its next use."""
    spec = object.__getattribute__(module, "__spec__")
    deferring = spec.loader
    assert isinstance(deferring, _DeferringLoader)
    _running.add(id(module))
    try:
        deferring.loader.exec_module(module)
    finally:
        _running.discard(id(module))
    spec.loader = deferring.loader  # a reload runs it at once
    object.__setattr__(module, "__loader__", deferring.loader)
    object.__setattr__(module, "__class__", ModuleType)


class _DeferringLoader(importlib.abc.Loader):
    """Creates the module as its own loader would, and leaves its code for later."""

    def __init__(self, loader: importlib.machinery.SourceFileLoader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        module.__class__ = _DeferredModule


class _DeferringFinder(importlib.abc.MetaPathFinder):
    """Finds ``names`` with the other finders and hands them out deferred."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is None:
                continue
            if isinstance(spec.loader, importlib.machinery.SourceFileLoader):
                spec.loader = _DeferringLoader(spec.loader)
            return spec
        return None


@contextmanager
def deferred(names: Sequence[str] = DEFERRED) -> Iterator[None]:
    """Within the block, importing one of ``names`` (full module names) defers its code to
    the module's first use. Modules imported already are left as they are."""
    finder = _DeferringFinder(names)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
