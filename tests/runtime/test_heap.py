"""The start-up block without garbage collection (:mod:`mmarc.runtime.heap`)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from mmarc.runtime.heap import built_without_gc


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()  # what a test froze goes back to the collector
    if enabled:
        gc.enable()
    else:
        gc.disable()


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_no_collection_inside_and_everything_built_is_frozen() -> None:
    gc.enable()
    before = gc.get_freeze_count()
    with built_without_gc():
        assert not gc.isenabled()
        built = [_Node() for _ in range(1000)]
        dropped = weakref.ref(_Node())  # unreachable at once, but kept alive by its cycle
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(built)
    gc.collect()
    assert dropped() is not None  # frozen: a full collection leaves it alone
    gc.unfreeze()
    gc.collect()
    assert dropped() is None  # (and without the freeze it would have been freed)


def test_an_exception_inside_still_restores_collection() -> None:
    gc.enable()
    with pytest.raises(RuntimeError, match="build failed"), built_without_gc():
        raise RuntimeError("build failed")
    assert gc.isenabled()


def test_collection_off_before_stays_off() -> None:
    gc.disable()
    with built_without_gc():
        pass
    assert not gc.isenabled()
