"""exercises: exercise alerts, purgeable exercise log entries, is_exercise fixed at creation

Revision ID: 0070
Revises: 0060
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0070"
down_revision: str | None = "0060"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The log stays append-only for real situations. Entries of an exercise situation may be
# deleted (``weerbaar exercise purge``), and so that this cannot become a back door, a
# situation's is_exercise can no longer change after it was created.
_SQLITE_UPGRADE = [
    "DROP TRIGGER log_entries_no_delete",
    "CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries "
    "WHEN (SELECT is_exercise FROM situations WHERE id = OLD.situation_id) IS NOT 1 "
    "BEGIN SELECT RAISE(ABORT, 'log_entries is append-only: DELETE refused'); END",
    "CREATE TRIGGER situations_exercise_fixed BEFORE UPDATE OF is_exercise ON situations "
    "WHEN OLD.is_exercise IS NOT NEW.is_exercise "
    "BEGIN SELECT RAISE(ABORT, 'situations.is_exercise is fixed at creation'); END",
]
_SQLITE_DOWNGRADE = [
    "DROP TRIGGER situations_exercise_fixed",
    "DROP TRIGGER log_entries_no_delete",
    "CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries "
    "BEGIN SELECT RAISE(ABORT, 'log_entries is append-only: DELETE refused'); END",
]
_POSTGRESQL_UPGRADE = [
    """CREATE OR REPLACE FUNCTION log_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND EXISTS (
            SELECT 1 FROM situations WHERE id = OLD.situation_id AND is_exercise
        ) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'log_entries is append-only: % refused', TG_OP;
    END
    $$""",
    """CREATE FUNCTION situations_exercise_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'situations.is_exercise is fixed at creation';
    END
    $$""",
    "CREATE TRIGGER situations_exercise_fixed BEFORE UPDATE OF is_exercise ON situations "
    "FOR EACH ROW WHEN (OLD.is_exercise IS DISTINCT FROM NEW.is_exercise) "
    "EXECUTE FUNCTION situations_exercise_fixed()",
]
_POSTGRESQL_DOWNGRADE = [
    "DROP TRIGGER situations_exercise_fixed ON situations",
    "DROP FUNCTION situations_exercise_fixed()",
    """CREATE OR REPLACE FUNCTION log_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'log_entries is append-only: % refused', TG_OP;
    END
    $$""",
]


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("exercise", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_UPGRADE if sqlite else _POSTGRESQL_UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_DOWNGRADE if sqlite else _POSTGRESQL_DOWNGRADE:
        op.execute(statement)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("exercise")
