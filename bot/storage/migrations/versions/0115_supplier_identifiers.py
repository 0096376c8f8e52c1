"""supplier identifiers: SIREN, CIK, LEI, KvK and vulnerability-catalogue names

Revision ID: 0115
Revises: 0110
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0115"
down_revision: str | None = "0110"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("suppliers") as batch:
        # Suppliers imported before this revision have no identifiers yet.
        batch.add_column(sa.Column("identifiers", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("suppliers") as batch:
        batch.drop_column("identifiers")
