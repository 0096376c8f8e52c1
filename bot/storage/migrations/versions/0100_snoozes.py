"""snoozes: pausing the posting of a supplier's alerts, and which alerts arrived meanwhile

Revision ID: 0100
Revises: 0095
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0100"
down_revision: str | None = "0095"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("match_key", sa.String(length=600), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snoozes")),
    )
    with op.batch_alter_table("snoozes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_snoozes_match_key"), ["match_key"], unique=False)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snooze_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_alerts_snooze_id"), ["snooze_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_snooze_id_snoozes"), "snoozes", ["snooze_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alerts_snooze_id_snoozes"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_alerts_snooze_id"))
        batch_op.drop_column("snooze_id")
    with op.batch_alter_table("snoozes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snoozes_match_key"))
    op.drop_table("snoozes")
