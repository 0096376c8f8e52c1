"""decision log: append-only guard, disclosure, corrections, exercises, guided decisions

Revision ID: 0040
Revises: 0030
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The log is append-only in the database too, not just in the code: a bug, a careless
# query or a "quick fix" in a SQL shell cannot change or remove an entry. Someone with
# the rights to drop these triggers can still tamper; the hash chain detects that.
# A later migration that rebuilds log_entries (SQLite batch mode) must recreate them.
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER log_entries_no_{operation.lower()} BEFORE {operation} ON log_entries "
    f"BEGIN SELECT RAISE(ABORT, 'log_entries is append-only: {operation} refused'); END"
    for operation in ("UPDATE", "DELETE")
]
_POSTGRESQL_GUARD = [
    """CREATE FUNCTION log_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'log_entries is append-only: % refused', TG_OP;
    END
    $$""",
    "CREATE TRIGGER log_entries_no_change BEFORE UPDATE OR DELETE ON log_entries "
    "FOR EACH ROW EXECUTE FUNCTION log_entries_append_only()",
    "CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION log_entries_append_only()",
]


def upgrade() -> None:
    with op.batch_alter_table("situations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_exercise", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("disclosable", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("corrects_seq", sa.Integer(), nullable=True))
    op.create_table(
        "pending_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("situation_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.String(length=255), nullable=False),
        sa.Column("thread_root", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("asking", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["situation_id"],
            ["situations.id"],
            name=op.f("fk_pending_decisions_situation_id_situations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_decisions")),
        sa.UniqueConstraint("thread_root", name=op.f("uq_pending_decisions_thread_root")),
    )
    with op.batch_alter_table("pending_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_decisions_situation_id"), ["situation_id"], unique=False
        )
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRESQL_GUARD:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER log_entries_no_update")
        op.execute("DROP TRIGGER log_entries_no_delete")
    else:
        op.execute("DROP TRIGGER log_entries_no_change ON log_entries")
        op.execute("DROP TRIGGER log_entries_no_truncate ON log_entries")
        op.execute("DROP FUNCTION log_entries_append_only()")
    with op.batch_alter_table("pending_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_decisions_situation_id"))
    op.drop_table("pending_decisions")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_column("corrects_seq")
        batch_op.drop_column("disclosable")
    with op.batch_alter_table("situations", schema=None) as batch_op:
        batch_op.drop_column("is_exercise")
