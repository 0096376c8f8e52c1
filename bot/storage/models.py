"""ORM models. Every schema change goes through an Alembic migration in ``migrations/``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware ones")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class AlertRecord(Base):
    """One incoming observation about a supplier."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    supplier: Mapped[str] = mapped_column(String(200), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(500))
    details: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    external_id: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime]
    situation_id: Mapped[int | None] = mapped_column(ForeignKey("situations.id"), index=True)


class SituationRecord(Base):
    """A supplier problem tracked over time; in crisis it has an incident room."""

    __tablename__ = "situations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    phase: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime]
    opened_by: Mapped[str] = mapped_column(String(255))
    incident_room_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # An exercise (oefening) is reported as such on every page; set when it is opened.
    is_exercise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LogEntryRecord(Base):
    """One entry of a situation's append-only, hash-chained log."""

    __tablename__ = "log_entries"
    __table_args__ = (UniqueConstraint("situation_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    situation_id: Mapped[int] = mapped_column(ForeignKey("situations.id"), index=True)
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Freedom-of-information: whether the entry may be disclosed on request.
    disclosable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # A correction is a new entry naming the seq of the entry it supersedes.
    corrects_seq: Mapped[int | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class PlaybookRunRecord(Base):
    """A playbook activated in a situation."""

    __tablename__ = "playbook_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    situation_id: Mapped[int] = mapped_column(ForeignKey("situations.id"), index=True)
    playbook_id: Mapped[str] = mapped_column(String(200))
    playbook_version: Mapped[str] = mapped_column(String(64))
    started_by: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime]
    current_step: Mapped[str | None] = mapped_column(String(200))


class OutboxRecord(Base):
    """A message the bot will post; kept until the homeserver confirms it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[str] = mapped_column(String(255), index=True)
    txn_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    event_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class HandledEventRecord(Base):
    """A Matrix event the bot has handled; makes command handling exactly-once."""

    __tablename__ = "handled_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    room_id: Mapped[str] = mapped_column(String(255))
    handled_at: Mapped[datetime]


class WebhookReceiptRecord(Base):
    """Signature of an accepted webhook request; a second use is a replay."""

    __tablename__ = "webhook_receipts"

    signature: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class StateRecord(Base):
    """Small named values the bot must keep across restarts, such as the sync token."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class TimerRecord(Base):
    """A moment at which the bot must do something (check-in, reminder, escalation).

    Written in the same transaction as the change that asks for it, and marked fired in
    the same transaction as what firing does: each timer fires exactly once, also across
    restarts, and one that came due while the bot was down fires on start.
    """

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(255), unique=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


# --- Decision log (issue 6) -------------------------------------------------------------


class PendingDecisionRecord(Base):
    """A decision being recorded in the guided form: the bot asks for its fields in a thread.

    Kept in the database so a guided decision survives a restart of the bot.
    """

    __tablename__ = "pending_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    situation_id: Mapped[int] = mapped_column(ForeignKey("situations.id"), index=True)
    room_id: Mapped[str] = mapped_column(String(255))
    thread_root: Mapped[str] = mapped_column(String(255), unique=True)
    sender: Mapped[str] = mapped_column(String(255))
    lang: Mapped[str] = mapped_column(String(8))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    asking: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
