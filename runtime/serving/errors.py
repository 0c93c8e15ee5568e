"""The errors of ``mmarc serve``: one for start-up, one for a refused request.

:class:`ServeError` is what stops ``mmarc serve`` before it listens (a model that cannot be
built or warmed, two MMARs with one name, a datastore that is not a folder): one line and
exit status 1 through the CLI's error mapping. :class:`RequestRefused` is what a single
HTTP request gets instead of an answer (a malformed upload, an unknown model, a full
queue): it carries the HTTP status, the message and any headers (``Retry-After``), and
the routers turn it into a JSON ``{"detail": ...}`` response; the server stays up. This
module imports nothing heavy.
"""

from __future__ import annotations

from mmarc.errors import MmarcError

__all__ = ["RequestRefused", "ServeError"]


class ServeError(MmarcError):
    """``mmarc serve`` cannot start: the message says which model and why."""


class RequestRefused(Exception):
    """One request refused with an HTTP status (4xx for the client's fault, 503/504 for load).

    Args:
        status: the HTTP status code.
        detail: one line that says what was wrong and, where possible, what to do.
        headers: extra response headers (``Retry-After`` on 503).
    """

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
