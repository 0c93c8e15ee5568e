"""The UI's database: users, sessions, run records and imported study results.

Why SQLAlchemy with Alembic: a site starts on the SQLite file in its workspace and may
move to PostgreSQL (``--db URL``) without code changes, and every schema change ships as
a migration (package data under ``mmarc/ui/migrations``) that :func:`open_database` applies
on start, so an older database is upgraded in place and nothing recorded is lost. All
values reach SQL as bound parameters through the ORM; nothing here formats SQL text.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

from mmarc.ui.workspace import Workspace

__all__ = [
    "Base",
    "Database",
    "RoundMetric",
    "Run",
    "StudyResult",
    "User",
    "WebSession",
    "database_of",
    "open_database",
    "sqlite_url",
    "utcnow",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> _dt.datetime:
    """Now, in UTC, without tzinfo (stored the same way by SQLite and PostgreSQL)."""
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """The declarative base of every UI table."""


class User(Base):
    """A person who may log in: one of the project's admin clients (by e-mail)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)


class WebSession(Base):
    """A browser session: only the SHA-256 of its cookie is stored; ``email`` once logged in."""

    __tablename__ = "sessions"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)


class Run(Base):
    """One federated run: who, when, the plan, every site's parameters, status, artifacts."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[_dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[_dt.datetime | None] = mapped_column(DateTime, nullable=True)
    mmar: Mapped[str] = mapped_column(String(128))
    plan_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="deployed")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    artifacts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    rounds: Mapped[list[RoundMetric]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RoundMetric.id"
    )


class RoundMetric(Base):
    """One line of the server's ``metrics.jsonl`` for a run (a round, or the final phase)."""

    __tablename__ = "round_metrics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(32), default="round")
    metric: Mapped[float | None] = mapped_column(Float, nullable=True)
    row: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run: Mapped[Run] = relationship(back_populates="rounds")


class StudyResult(Base):
    """One row of a ``mmarc study`` folder's ``results.csv``."""

    __tablename__ = "study_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study: Mapped[str] = mapped_column(String(256), index=True)
    setting: Mapped[str] = mapped_column(String(256))
    plan_sha256: Mapped[str] = mapped_column(String(64))
    clients: Mapped[int] = mapped_column(Integer)
    epochs_per_round: Mapped[int] = mapped_column(Integer)
    data_share: Mapped[float] = mapped_column(Float)
    round: Mapped[int] = mapped_column(Integer)
    epoch: Mapped[int] = mapped_column(Integer)
    accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)
    loss: Mapped[float | None] = mapped_column(Float, nullable=True)
    wall_seconds: Mapped[float] = mapped_column(Float)
    bytes: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)


class Database:
    """An engine and its session factory, migrated to the newest schema.

    Args:
        engine: the SQLAlchemy engine (SQLite file or PostgreSQL).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session = sessionmaker(engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of the SQLite file at ``path``."""
    return f"sqlite:///{Path(path).resolve()}"


def database_of(workspace: Workspace, url: str | None = None) -> Database:
    """The UI database: ``url``, else the SQLite file ``WORKSPACE/ui.db``; migrated."""
    return open_database(url or sqlite_url(workspace.database))


def open_database(url: str) -> Database:
    """Connect to ``url`` and apply every pending migration (Alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    engine = create_engine(url, future=True)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return Database(engine)
