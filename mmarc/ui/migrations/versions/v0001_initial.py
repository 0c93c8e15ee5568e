"""The first schema: users, sessions, runs with their round metrics, study results.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(512), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_users_email", "users", ["email"], unique=True)
    op.create_table(
        "sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("mmar", sa.String(128), nullable=False),
        sa.Column("plan_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("artifacts", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "round_metrics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("metric", sa.Float, nullable=True),
        sa.Column("row", sa.JSON, nullable=False),
    )
    op.create_index("ix_round_metrics_run_id", "round_metrics", ["run_id"])
    op.create_table(
        "study_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("study", sa.String(256), nullable=False),
        sa.Column("setting", sa.String(256), nullable=False),
        sa.Column("plan_sha256", sa.String(64), nullable=False),
        sa.Column("clients", sa.Integer, nullable=False),
        sa.Column("epochs_per_round", sa.Integer, nullable=False),
        sa.Column("data_share", sa.Float, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("accuracy", sa.Float, nullable=True),
        sa.Column("loss", sa.Float, nullable=True),
        sa.Column("wall_seconds", sa.Float, nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_study_results_study", "study_results", ["study"])


def downgrade() -> None:
    for table in ("study_results", "round_metrics", "runs", "sessions", "users"):
        op.drop_table(table)
