"""source contacts: when each intake source and poller was last heard from (heartbeat)

Revision ID: 0105
Revises: 0100
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0105"
down_revision: str | None = "0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_contacts",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("watched_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("silent_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("silent_alert_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_contacts")),
    )


def downgrade() -> None:
    op.drop_table("source_contacts")
