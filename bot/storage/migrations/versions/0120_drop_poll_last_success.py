"""poll state: drop last_success_at, written on every good poll but never read

Source contacts (0105) record when each poller last got through; this column was
a leftover nothing showed.

Revision ID: 0120
Revises: 0115
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0120"
down_revision: str | None = "0115"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll_state") as batch:
        batch.drop_column("last_success_at")


def downgrade() -> None:
    with op.batch_alter_table("poll_state") as batch:
        batch.add_column(sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True))
