"""fallback options first-class: stable id, owner, and a test history kept across imports

Revision ID: 0150
Revises: 0145
Create Date: 2026-12-06
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0150"
down_revision: str | None = "0145"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _slug(text: str) -> str:
    # The slugging of bot/suppliers/fallback_ids.py as of this revision, frozen here so
    # the migration keeps meaning what it meant.
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())) or "x"


def upgrade() -> None:
    with op.batch_alter_table("fallback_options") as batch:
        batch.add_column(sa.Column("key", sa.String(length=255), nullable=False, server_default=""))
        batch.add_column(sa.Column("owner", sa.String(length=255), nullable=True))
    # Options imported before this revision get their derived id; their last_tested
    # becomes history at the next import (the file is the source of truth).
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT f.id, s.name, v.name, f.description FROM fallback_options f "
            "JOIN supplier_services v ON v.id = f.service_id "
            "JOIN suppliers s ON s.id = v.supplier_id"
        )
    ).all()
    for row_id, supplier, service, description in rows:
        key = "/".join(_slug(part) for part in (supplier, service, description))
        connection.execute(
            sa.text("UPDATE fallback_options SET key = :key WHERE id = :id"),
            {"key": key, "id": row_id},
        )
    with op.batch_alter_table("fallback_options") as batch:
        batch.alter_column("key", server_default=None)
        batch.create_index(batch.f("ix_fallback_options_key"), ["key"], unique=False)
    op.create_table(
        "fallback_tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fallback_key", sa.String(length=255), nullable=False),
        sa.Column("tested_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("situation_id", sa.Integer(), nullable=True),
        sa.Column("action_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fallback_tests")),
    )
    with op.batch_alter_table("fallback_tests") as batch:
        batch.create_index(
            batch.f("ix_fallback_tests_fallback_key"), ["fallback_key"], unique=False
        )


def downgrade() -> None:
    op.drop_table("fallback_tests")
    with op.batch_alter_table("fallback_options") as batch:
        batch.drop_index(batch.f("ix_fallback_options_key"))
        batch.drop_column("owner")
        batch.drop_column("key")
