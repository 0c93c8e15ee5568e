"""The per-model request queue of ``mmarc serve``: bounded, batching, failing per request.

The worker thread and the queue are the real ones; the work is a plain function that
records the batches it was handed and can be held, so the queue's state is known exactly.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
from mmarc.runtime.serving.batching import BatchQueue, QueueFull


class Work:
    """Doubles numbers, refuses negative ones alone, and waits while ``hold`` is clear."""

    def __init__(self) -> None:
        self.hold = threading.Event()
        self.started = threading.Event()
        self.batches: list[list[int]] = []

    def __call__(self, items: Sequence[int]) -> list[int | BaseException]:
        self.started.set()
        assert self.hold.wait(timeout=10)
        self.batches.append(list(items))
        return [ValueError(f"{i} < 0") if i < 0 else 2 * i for i in items]


def test_a_full_queue_refuses_at_once_and_the_waiting_requests_form_one_batch() -> None:
    work = Work()
    queue: BatchQueue[int, int] = BatchQueue("m", work, queue_size=3, max_batch=3)
    first = queue.submit(1)
    assert work.started.wait(timeout=10)  # the worker holds request 1
    waiting = [queue.submit(i) for i in (2, -3, 4)]
    with pytest.raises(QueueFull) as full:
        queue.submit(5)
    assert full.value.retry_after_s >= 1
    work.hold.set()
    assert first.result(timeout=10) == 2
    assert waiting[0].result(timeout=10) == 4
    with pytest.raises(ValueError, match="-3 < 0"):
        waiting[1].result(timeout=10)
    assert waiting[2].result(timeout=10) == 8
    assert work.batches == [[1], [2, -3, 4]]
    assert queue.submit(6).result(timeout=10) == 12
    queue.close()


def test_a_request_given_up_before_its_turn_is_skipped() -> None:
    work = Work()
    queue: BatchQueue[int, int] = BatchQueue("m", work, queue_size=2, max_batch=2)
    first = queue.submit(1)
    assert work.started.wait(timeout=10)
    gone = queue.submit(2)
    kept = queue.submit(3)
    assert gone.cancel()
    work.hold.set()
    assert (first.result(timeout=10), kept.result(timeout=10)) == (2, 6)
    assert work.batches == [[1], [3]]
    queue.close()
