"""Log-in, sessions and CSRF tokens.

Why this shape: passwords are hashed with Argon2id (memory-hard, so a stolen database
does not give them away cheaply); the browser holds only a random session token in an
HttpOnly, SameSite=Strict cookie and the database only its SHA-256, so a read of the
database cannot hijack a session; every session, anonymous ones included, carries its own
CSRF token that every form posts back; logging in always starts a *new* session (the
token a browser had before, perhaps planted by someone else, is deleted: no session
fixation). Users are added by ``mmarc ui adduser EMAIL``, never through the web.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from mmarc.runtime.security.names import UnsafeName, check_name
from mmarc.ui.db import Database, User, WebSession, utcnow
from mmarc.ui.errors import UiError

__all__ = [
    "COOKIE",
    "MIN_PASSWORD_CHARS",
    "SESSION_IDLE",
    "Sessions",
    "add_user",
    "check_password",
]

COOKIE = "mmarc_session"
MIN_PASSWORD_CHARS = 10
#: A session unused this long is gone.
SESSION_IDLE = _dt.timedelta(hours=8)
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both cases take the same time."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(db: Database, email: str, password: str) -> None:
    """Add ``email`` (or set its password) with an Argon2id hash of ``password``."""
    try:
        check_name(email, "e-mail")
    except UnsafeName as exc:
        raise UiError(str(exc)) from None
    if "@" not in email:
        raise UiError(f"{email!r} is not an e-mail address")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UiError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    digest = _HASHER.hash(password)
    with db.session() as s:
        user = s.scalar(select(User).where(User.email == email))
        if user is None:
            s.add(User(email=email, password_hash=digest))
        else:
            user.password_hash = digest
        s.commit()


def check_password(db: Database, email: str, password: str) -> bool:
    """Whether ``password`` is ``email``'s (constant work whether or not the user exists)."""
    with db.session() as s:
        user = s.scalar(select(User).where(User.email == email))
    digest = user.password_hash if user is not None else _dummy_hash()
    ok: bool
    try:
        ok = _HASHER.verify(digest, password)
    except (VerificationError, InvalidHashError):
        ok = False
    return ok and user is not None


@dataclass(frozen=True)
class Session:
    """A live session as a request sees it: its CSRF token and, once logged in, the user."""

    token: str
    csrf: str
    email: str | None

    def csrf_ok(self, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(self.csrf, str(offered))


class Sessions:
    """Sessions kept in the database by the SHA-256 of their cookie token.

    Args:
        db: the UI database.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def new(self, email: str | None = None) -> Session:
        """A new session (anonymous without ``email``); expired ones are deleted first."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.db.session() as s:
            s.execute(delete(WebSession).where(WebSession.last_seen < utcnow() - SESSION_IDLE))
            s.add(WebSession(token_sha256=_sha(token), email=email, csrf=csrf))
            s.commit()
        return Session(token, csrf, email)

    def get(self, token: str | None) -> Session | None:
        """The live session of cookie ``token``; None when unknown or expired."""
        if not token or len(token) > 128:
            return None
        now = utcnow()
        with self.db.session() as s:
            row = s.get(WebSession, _sha(token))
            if row is None:
                return None
            if now - row.last_seen > SESSION_IDLE:
                s.delete(row)
                s.commit()
                return None
            row.last_seen = now
            s.commit()
            return Session(token, row.csrf, row.email)

    def end(self, token: str | None) -> None:
        if token:
            with self.db.session() as s:
                s.execute(delete(WebSession).where(WebSession.token_sha256 == _sha(token)))
                s.commit()

    def log_in(self, old_token: str | None, email: str) -> Session:
        """A fresh session for ``email``; the one the browser had is deleted (no fixation)."""
        self.end(old_token)
        return self.new(email)
