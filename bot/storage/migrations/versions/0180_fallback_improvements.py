"""improvement actions of fallback tests recorded outside an incident room

Revision ID: 0180
Revises: 0160
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0180"
down_revision: str | None = "0160"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fallback_tests") as batch:
        batch.add_column(sa.Column("action_owner", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("action_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("action_done_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("action_done_by", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fallback_tests") as batch:
        batch.drop_column("action_done_by")
        batch.drop_column("action_done_at")
        batch.drop_column("action_due_at")
        batch.drop_column("action_owner")
