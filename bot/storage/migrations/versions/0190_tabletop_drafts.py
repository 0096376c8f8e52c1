"""tabletop drills walked through in a thread: the answers so far, kept across restarts

Revision ID: 0190
Revises: 0180
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0190"
down_revision: str | None = "0180"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tabletop_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fallback_key", sa.String(length=255), nullable=False),
        sa.Column("room_id", sa.String(length=255), nullable=False),
        sa.Column("thread_root", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("asking", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tabletop_drafts")),
        sa.UniqueConstraint("thread_root", name=op.f("uq_tabletop_drafts_thread_root")),
    )


def downgrade() -> None:
    op.drop_table("tabletop_drafts")
