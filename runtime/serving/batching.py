"""A bounded request queue per model, drained by one worker thread in batches.

Why a queue per model with a hard bound: a hospital's viewers fire requests in bursts
(a radiologist opening a series, a script segmenting a folder). Waiting requests hold
their uploads on disk and their callers' connections; an unbounded queue turns a burst
into a server that answers nobody in time. So a request that finds the queue full is
refused at once (:class:`QueueFull`, HTTP 503 with ``Retry-After``), and the caller
retries later.

The worker takes the oldest request, waits ``batch_window_s`` for more, takes up to
``max_batch`` in all, and hands them to the model together (the model batches those of
equal shape through its inferer). A request whose caller gave up (timeout) before the
worker reached it is skipped.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["BatchQueue", "QueueFull"]

log = logging.getLogger("mmarc.serve")

T = TypeVar("T")
R = TypeVar("R")


class QueueFull(Exception):
    """The model's queue holds ``queue_size`` requests; ``retry_after_s`` estimates when
    there will be room."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"queue full; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass
class _Job(Generic[T, R]):
    item: T
    future: Future[R]


class BatchQueue(Generic[T, R]):
    """Runs ``process(items) -> results`` (one result per item, in order) on a worker thread.

    A result that is an exception fails only its own request; an exception raised by
    ``process`` fails the whole batch.

    Args:
        name: the model's name, for the thread and the log.
        process: does the work for a batch; an exception fails every request of the batch.
        queue_size: most requests waiting (not counting the batch being processed).
        max_batch: most requests handed to ``process`` at once.
        batch_window_s: how long to wait for a batch to fill after its first request.
    """

    def __init__(
        self,
        name: str,
        process: Callable[[Sequence[T]], Sequence[R | BaseException]],
        *,
        queue_size: int,
        max_batch: int,
        batch_window_s: float = 0.0,
    ) -> None:
        if queue_size < 1 or max_batch < 1:
            raise ValueError("queue_size and max_batch must be at least 1")
        self.name = name
        self._process = process
        self._jobs: queue.Queue[_Job[T, R] | None] = queue.Queue(maxsize=queue_size)
        self.max_batch = max_batch
        self.batch_window_s = batch_window_s
        self._seconds_per_batch = 1.0
        self.batches = 0
        self.processed = 0
        self._thread = threading.Thread(target=self._work, name=f"serve-{name}", daemon=True)
        self._thread.start()

    @property
    def waiting(self) -> int:
        return self._jobs.qsize()

    def submit(self, item: T) -> Future[R]:
        """Queue ``item``; its future gets the result. :class:`QueueFull` when no room."""
        job: _Job[T, R] = _Job(item, Future())
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            batches_ahead = math.ceil((self.waiting + 1) / self.max_batch)
            raise QueueFull(max(1, math.ceil(batches_ahead * self._seconds_per_batch))) from None
        return job.future

    def close(self) -> None:
        """Stop the worker after the requests already queued (blocks until there is room)."""
        self._jobs.put(None)
        self._thread.join(timeout=30)

    def _take_batch(self, first: _Job[T, R]) -> tuple[list[_Job[T, R]], bool]:
        jobs = [first]
        deadline = time.monotonic() + self.batch_window_s
        while len(jobs) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                job = (
                    self._jobs.get(timeout=remaining) if remaining > 0 else self._jobs.get_nowait()
                )
            except queue.Empty:
                break
            if job is None:
                return jobs, True
            jobs.append(job)
        return jobs, False

    def _work(self) -> None:
        stop = False
        while not stop:
            first = self._jobs.get()
            if first is None:
                return
            jobs, stop = self._take_batch(first)
            live = [job for job in jobs if job.future.set_running_or_notify_cancel()]
            if not live:
                continue
            started = time.perf_counter()
            try:
                results = list(self._process([job.item for job in live]))
                if len(results) != len(live):
                    raise RuntimeError(f"{len(results)} results for {len(live)} requests")
            except BaseException as exc:
                for job in live:
                    job.future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            finally:
                elapsed = time.perf_counter() - started
                self._seconds_per_batch = 0.8 * self._seconds_per_batch + 0.2 * elapsed
                self.batches += 1
                self.processed += len(live)
            for job, result in zip(live, results, strict=True):
                if isinstance(result, BaseException):
                    job.future.set_exception(result)
                else:
                    job.future.set_result(result)
        log.debug("worker of %s stopped", self.name)
