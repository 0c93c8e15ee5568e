"""Process-wide allocator tuning for processes that receive large models every round.

Why: every received frame lives in a buffer that libzmq mallocs, and decoding, FedAvg
and the new global model allocate model-sized arrays every round. glibc serves blocks
of more than 32 MiB (and, after trimming, freed heap tops) with fresh ``mmap`` pages, and
a fresh page costs a page fault plus zeroing on first touch: ~25-200 ms per 100 MB on
the VMs we measured, as much as moving the bytes. Raising glibc's mmap and trim
thresholds keeps freed blocks in the heap, so round 2 onwards reuses round 1's memory.
Measured in one process on loopback: a 100 MB message's transfer plus decode went from
~125 ms to ~75 ms. (Blocks allocated by libzmq's I/O thread come from a thread arena
whose heaps are at most 64 MiB, so frames must stay well below that: hence the 16 MiB
default chunk of the protocol.)

The price: memory freed by the process is kept for reuse instead of returned to the OS,
so RSS stays at its high-water mark, which for an FL server or client is about one
round's worth of models. Opt-in, per process, not for tools; a no-op on anything but
glibc. ``run_server`` calls it: the server's round path allocates model-sized arrays
(decoded updates, the new global model). The sites do not: their round path reuses its
buffers already, and tuned, a 100 MB model's site kept 120-190 MB more at its peak
(VmHWM +10-20 %) for a saving that landed in its training step (autograd temporaries),
not in the round's overhead.

Kept, freed memory is not bounded by anything but the order things happen in: how much of
what a round frees the next one reuses depends on it (updates received on libzmq's I/O
thread, FedAvg's result, the payload, the save on the writer thread). Measured in a
200-round soak (6.4 MB model, 8 sites, the server under ``tracemalloc``, glibc's default
thresholds): the server's Python objects and its in-use heap (``mallinfo2().uordblks``)
stayed flat, while its arenas held 43-98 MB freed (``fordblks``), up and down from round
to round, and the floor of its PSS crept up 7 MB from round 20 to round 100. So the server
also calls :func:`release_freed_memory` (``malloc_trim``: every whole free page of every
arena back to the OS) every few rounds: resident memory is bounded by what a few rounds
leave, and the page faults that follow a trim are paid once per few rounds, not every
round. What the I/O thread's arena keeps follows the most results ever in flight at once;
upload slots (:mod:`mmarc.runtime.server.slots`) bound that number, so it is reached in
the first rounds instead of whenever enough sites first happen to finish together.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys

__all__ = ["keep_freed_memory", "release_freed_memory"]

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_tuned = False


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library if it is glibc (it has ``mallopt`` and ``malloc_trim``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None  # not glibc (musl has neither)
    return libc


def release_freed_memory() -> bool:
    """Return the memory this process freed, and still holds, to the OS (see the module
    docstring); True if glibc released any. A no-op on anything but glibc."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def keep_freed_memory(mmap_threshold: int = 1 << 30, trim_threshold: int = 2**31 - 1) -> bool:
    """Make glibc reuse freed large blocks (see module docstring); True if applied."""
    global _tuned
    if _tuned:
        return True
    libc = _glibc()
    if libc is None:
        return False
    ok = bool(libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold)
    )
    if not ok:
        log.debug("mallopt refused the thresholds; allocator left as it was")
    _tuned = ok
    return ok
