"""alert summaries: which grouped summary announced a held-back alert, to edit it

Revision ID: 0095
Revises: 0090
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0095"
down_revision: str | None = "0090"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_outbox_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_alerts_summary_outbox_id"), ["summary_outbox_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_summary_outbox_id"))
        batch_op.drop_column("summary_outbox_id")
