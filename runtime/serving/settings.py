"""The limits and switches of one ``mmarc serve`` process, in one frozen object.

Every limit is checked before the thing it limits is buffered or built: the request body
against :attr:`ServeSettings.max_body_bytes` while it streams in, an image's voxel count
against :attr:`ServeSettings.max_voxels` from its header before its data is read, and a
model's queue against :attr:`ServeSettings.queue_size` before a request joins it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOOPBACK_HOSTS", "ServeSettings", "is_loopback"]

#: Hosts that only this machine can reach; any other needs ``--token``.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


@dataclass(frozen=True)
class ServeSettings:
    """How one server limits and batches its requests.

    Args:
        queue_size: requests that may wait per model; one more gets HTTP 503 + Retry-After.
        max_batch: most requests of one model inferred together (same image shape only).
        batch_window_s: how long the worker waits for more requests to fill a batch.
        max_body_bytes: largest request body (HTTP 413 beyond, checked while it streams).
        max_voxels: largest image (voxels x channels) accepted, read from its header.
        timeout_s: longest a request waits for its result (HTTP 504 beyond).
        token: when set, every route but ``/health`` needs ``Authorization: Bearer TOKEN``.
        datastore: folder of images that ``/infer/{model}?image=ID`` may name by id.
    """

    queue_size: int = 8
    max_batch: int = 4
    batch_window_s: float = 0.005
    max_body_bytes: int = 256 * 1024 * 1024
    max_voxels: int = 512 * 512 * 1024
    timeout_s: float = 120.0
    token: str | None = None
    datastore: Path | None = None
