"""incident room requests: an escalation asks for the room, the outbox sender creates it

Revision ID: 0110
Revises: 0105
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0110"
down_revision: str | None = "0105"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("situations") as batch:
        batch.add_column(
            sa.Column("incident_room_requested_at", sa.DateTime(timezone=True), nullable=True)
        )
    # Rooms of situations escalated before this revision were opened at once.
    op.execute(
        "UPDATE situations SET incident_room_requested_at = opened_at "
        "WHERE incident_room_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("situations") as batch:
        batch.drop_column("incident_room_requested_at")
