"""cancelled drills are kept: who cancelled a planned drill, and when

Revision ID: 0200
Revises: 0190
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0200"
down_revision: str | None = "0190"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("planned_drills") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cancelled_by", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("planned_drills") as batch:
        batch.drop_column("cancelled_by")
        batch.drop_column("cancelled_at")
