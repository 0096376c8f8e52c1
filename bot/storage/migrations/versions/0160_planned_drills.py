"""planned drills of fallback options (``!drill plan``)

Revision ID: 0160
Revises: 0150
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0160"
down_revision: str | None = "0150"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "planned_drills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fallback_key", sa.String(length=255), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scenario", sa.String(length=255), nullable=True),
        sa.Column("planned_by", sa.String(length=255), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_drills")),
    )
    with op.batch_alter_table("planned_drills") as batch:
        batch.create_index(
            batch.f("ix_planned_drills_fallback_key"), ["fallback_key"], unique=False
        )


def downgrade() -> None:
    op.drop_table("planned_drills")
