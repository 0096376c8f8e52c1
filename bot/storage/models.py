"""ORM models. Every schema change goes through an Alembic migration in ``migrations/``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar
from uuid import uuid4

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
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


def new_room_key() -> str:
    """A fresh random key for the incident room of an alert (32 hex digits)."""
    return uuid4().hex


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
    # De-duplication: bot.alerts.service.dedup_key (normally "<source>\x1f<external id>")
    # while the alert is not resolved, NULL after. Unique, so a repeat of an unresolved
    # alert updates it; NULLs never clash, so a resolved alert firing again becomes a new one.
    dedup_key: Mapped[str | None] = mapped_column(String(600), unique=True)
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_seen_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    acknowledged_by: Mapped[str | None] = mapped_column(String(255))
    acknowledged_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(255))
    resolved_at: Mapped[datetime | None]
    # The outbox row of the room notice, whose event id the edits (m.replace) point at.
    # No foreign key: delivered outbox rows may be pruned, the alert stays.
    notice_outbox_id: Mapped[int | None] = mapped_column(Integer)
    # For an alert held back by grouping: the outbox row of the summary that announced it,
    # edited whenever one of its alerts changes (same pruning note as above).
    summary_outbox_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Exercise alerts only ever join exercise situations (and real ones real situations).
    exercise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Random and fixed at creation, committed before anyone can escalate the alert: the
    # incident room opened from it carries this key, so a re-run of the escalation after a
    # crash finds that room instead of creating a second one (see bot/matrix/rooms.py).
    room_key: Mapped[str] = mapped_column(String(32), default=new_room_key)
    # The snooze that was active when the alert arrived: held back from the room (or, for
    # S1, posted marked) and counted in that snooze's closing summary.
    snooze_id: Mapped[int | None] = mapped_column(ForeignKey("snoozes.id"), index=True)


class SnoozeRecord(Base):
    """A pause in posting a supplier's alerts (or one alert's repeats) to the room.

    Active while ``ended_at`` is NULL and ``until`` lies ahead; a durable timer ends it
    at ``until`` unless someone ends it earlier.
    """

    __tablename__ = "snoozes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "supplier" or "alert"; ``target`` is how it is shown (supplier name or alert id).
    target_kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(200))
    # What incoming alerts are matched on: the normalised supplier name, or the snoozed
    # alert's de-duplication identity (source and the source's own id).
    match_key: Mapped[str] = mapped_column(String(600), index=True)
    supplier: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime]
    until: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # Who ended it early; NULL when it ran out at ``until``.
    ended_by: Mapped[str | None] = mapped_column(String(255))


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
    # When an escalation asked for the incident room; the room is created after that
    # transaction commits, and ``incident_room_id`` is set once it exists.
    incident_room_requested_at: Mapped[datetime | None]
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
    # Set when the homeserver refused the row for good: the sender skips it from then on
    # (so it no longer holds back its room) until `weerbaar outbox retry` clears it.
    dead_at: Mapped[datetime | None] = mapped_column(index=True)
    # An edit (m.replace) of the message queued as this outbox row; the sender fills in
    # that message's event id, known only once it was delivered (rows go out in order).
    replaces_outbox_id: Mapped[int | None] = mapped_column(Integer)


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


# --- Supplier registry and supplier monitoring (alerts area) ---


class SupplierRecord(Base):
    """An external ICT provider the taskforce watches."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Other names the supplier goes by in alerts and advisories (vendor names, brands).
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    contract_end: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Company numbers and vulnerability-catalogue names (bot.suppliers.identifiers), as
    # validated on import; pollers match notices and catalogue entries against them.
    identifiers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SupplierServiceRecord(Base):
    """A service a supplier delivers."""

    __tablename__ = "supplier_services"
    __table_args__ = (UniqueConstraint("supplier_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))


class DependencyRecord(Base):
    """An organisation's process that needs a service, with its criticality class."""

    __tablename__ = "supplier_dependencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_services.id", ondelete="CASCADE"), index=True
    )
    organisation: Mapped[str] = mapped_column(String(200))
    process: Mapped[str] = mapped_column(String(200))
    criticality: Mapped[str] = mapped_column(String(16))


class FallbackOptionRecord(Base):
    """What could replace a service, and when (if ever) that was tested."""

    __tablename__ = "fallback_options"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_services.id", ondelete="CASCADE"), index=True
    )
    # The stable id (bot/suppliers/fallback_ids.py): test history is keyed by it, so it
    # outlives this row, which a registry import replaces.
    key: Mapped[str] = mapped_column(String(255), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(255))
    last_tested: Mapped[date | None] = mapped_column(Date)
    test_result: Mapped[str | None] = mapped_column(Text)


class FallbackTestRecord(Base):
    """One test of a fallback option; never removed by a registry import.

    ``source`` is "registry" for the ``last_tested``/``result`` of an imported file and
    "chat" for ``!fallback tested``. A test recorded in an exercise situation names it;
    a failed or partly working one names the improvement action opened in its log, or
    (recorded outside a situation) carries that action itself.
    """

    __tablename__ = "fallback_tests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fallback_key: Mapped[str] = mapped_column(String(255), index=True)
    tested_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(255))
    recorded_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16))
    situation_id: Mapped[int | None]
    action_seq: Mapped[int | None]
    # A failed or partly working test recorded outside a situation has no log to hold its
    # improvement action, so the action lives here, reminded in the coordination room.
    action_owner: Mapped[str | None] = mapped_column(String(255))
    action_due_at: Mapped[datetime | None]
    action_done_at: Mapped[datetime | None]
    action_done_by: Mapped[str | None] = mapped_column(String(255))


class PlannedDrillRecord(Base):
    """A drill of a fallback option planned with ``!drill plan``; its owner is reminded a
    week and a day before ``due_at`` (timers keyed ``drill:<id>:<days>``). A cancelled
    drill is kept, with who cancelled it and when: the plan is the record of what the
    taskforce intended, also where no situation's log holds it."""

    __tablename__ = "planned_drills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fallback_key: Mapped[str] = mapped_column(String(255), index=True)
    due_at: Mapped[datetime]
    scenario: Mapped[str | None] = mapped_column(String(255))
    planned_by: Mapped[str] = mapped_column(String(255))
    planned_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(255))


class TabletopDraftRecord(Base):
    """A tabletop drill of a fallback option being walked through in a thread: the owner's
    answers so far and the question asked (``asking``). Kept in the database so the
    checklist survives a restart; deleted when the test is recorded or the drill cancelled.
    """

    __tablename__ = "tabletop_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fallback_key: Mapped[str] = mapped_column(String(255))
    room_id: Mapped[str] = mapped_column(String(255))
    thread_root: Mapped[str] = mapped_column(String(255), unique=True)
    sender: Mapped[str] = mapped_column(String(255))
    lang: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    asking: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]


# --- Playbook runs (issue 5) ---------------------------------------------------------------
# A run's state is not stored here: it is derived from the run's entries in the situation's
# hash-chained log (bot/playbooks/runs.py), so the log is the single source of truth.


class PlaybookDefinitionRecord(Base):
    """The playbook exactly as it was when a run started; the run follows this version."""

    __tablename__ = "playbook_run_definitions"

    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id"), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    """Hash of the canonical JSON of ``definition``; also in the playbook_started log entry."""


class IncidentSummaryRecord(Base):
    """The bot's pinned summary message in an incident room, kept current by edits.

    ``outbox_id`` is the message as queued; its ``event_id`` (set once delivered) is what
    edits replace and what is pinned. ``text`` is what the last post or edit showed.
    """

    __tablename__ = "incident_summaries"

    situation_id: Mapped[int] = mapped_column(ForeignKey("situations.id"), primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    pinned: Mapped[bool] = mapped_column(default=False)
    # The text last queued (post or edit), so an unchanged summary is not edited again;
    # None for summaries from before revision 0120, which their next refresh edits once.
    text: Mapped[str | None] = mapped_column(Text)


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


# --- Lauwe fase: owners, situation updates, check-ins, escalation proposals ---


class SituationWatchRecord(Base):
    """How the taskforce keeps watch over one situation: who owns it, the last update.

    Kept beside the situation rather than in it, so the watch can grow without touching
    the situation's own record; created the first time any of it is set.
    """

    __tablename__ = "situation_watch"

    situation_id: Mapped[int] = mapped_column(ForeignKey("situations.id"), primary_key=True)
    # Who is asked for updates; the person who opened the situation while unset.
    owner: Mapped[str | None] = mapped_column(String(255))
    last_update_at: Mapped[datetime | None]
    last_update_by: Mapped[str | None] = mapped_column(String(255))
    # When the last check-in asked for an update; an update after it answers it.
    checkin_asked_at: Mapped[datetime | None]
    # The bot proposes escalation at most once per situation.
    escalation_proposed_at: Mapped[datetime | None]


class PollStateRecord(Base):
    """What a feed poller remembers between polls, and whether the feed is failing.

    ``state`` holds what the last good poll saw (component statuses, open incidents, a
    watermark); ``failing_since`` is set on the first failure, which is reported once,
    and cleared (with one recovery notice) by the next good poll.
    """

    __tablename__ = "poll_state"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    failing_since: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


# --- Operations (issue 8): exports, so retention purges only what was exported ----------


class SituationExportRecord(Base):
    """A decision log written out (``weerbaar report``, ``!report``): the archive copy.

    Only the internal version counts; the disclosure (Woo) version withholds entries.

    ``weerbaar purge`` deletes a closed situation only if it was exported after closing.
    """

    __tablename__ = "situation_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    situation_id: Mapped[int] = mapped_column(ForeignKey("situations.id"), index=True)
    exported_at: Mapped[datetime]
    exported_by: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))


class SourceContactRecord(Base):
    """When an intake source or poller was last heard from, and whether it fell silent.

    ``watched_since`` is when the bot started expecting the source, so one that never
    spoke is still found silent; ``silent_since`` is set (with the id of the bot's own
    "silent" alert) when silence was announced, and cleared by the next contact.
    """

    __tablename__ = "source_contacts"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    watched_since: Mapped[datetime]
    last_contact_at: Mapped[datetime | None]
    silent_since: Mapped[datetime | None]
    silent_alert_id: Mapped[int | None] = mapped_column(Integer)


class WebCredentialRecord(Base):
    """A web view login link or session; only the SHA-256 of its secret is stored."""

    __tablename__ = "web_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "link" (one-time, minutes) or "session" (a browser's cookie, hours).
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # A link is used once; a session is ended by /logout. Either way it stops working.
    ended_at: Mapped[datetime | None]
