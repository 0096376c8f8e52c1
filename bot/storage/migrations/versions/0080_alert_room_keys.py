"""alert room keys: a random key per alert that its incident room carries

Revision ID: 0080
Revises: 0070
Create Date: 2026-12-05
"""

from collections.abc import Sequence
from uuid import uuid4

import sqlalchemy as sa
from alembic import op

revision: str = "0080"
down_revision: str | None = "0070"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable first, so existing alerts can get their own random key before the column
    # becomes required (no portable SQL default gives every row a different random value).
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("room_key", sa.String(length=32), nullable=True))
    alerts = sa.table("alerts", sa.column("id", sa.Integer), sa.column("room_key", sa.String))
    connection = op.get_bind()
    for (alert_id,) in connection.execute(sa.select(alerts.c.id)).all():
        connection.execute(
            alerts.update().where(alerts.c.id == alert_id).values(room_key=uuid4().hex)
        )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("room_key", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("room_key")
