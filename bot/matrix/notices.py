"""Announcing domain events in Matrix rooms, through the outbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot import i18n
from bot.decisionlog.integrity import chain_broken_text
from bot.decisionlog.log import ChainCheck
from bot.exercises.marking import mark_text
from bot.i18n import LANGUAGES, Language, format_time
from bot.matrix.content import edit_content, text_content
from bot.matrix.outbox import Outbox
from bot.situations.phases import Phase
from bot.situations.service import CommandOrigin
from bot.situations.watch import Proposal
from bot.storage.models import (
    AlertRecord,
    FallbackTestRecord,
    PlannedDrillRecord,
    SituationRecord,
    SnoozeRecord,
)
from bot.suppliers.digest import Digest
from bot.user_ids import is_user_id

# Namespaced content field carrying the alert id, so reactions and edits can find it.
ALERT_ID_FIELD = "nl.weerbaar.alert_id"
# The ids of the alerts a storm summary covers.
ALERT_IDS_FIELD = "nl.weerbaar.alert_ids"
# Set (by ``mark_for_mail``) on notices that go out by e-mail too while Matrix is
# unreachable (degraded mode): S1/S2 alerts, escalation and lauwe-fase proposals,
# check-ins (and playbook, decision-log and sitrep reminders, marked in bot/timers/).
# Marked where they are composed, so the fallback mails the very text the room gets and
# needs no composition of its own.
MAIL_FIELD = "nl.weerbaar.mail"
# The mail text in each language the room's text is not in alone ({lang: {"body",
# "formatted_body", MAIL_TEXT_FIELD}}), set with the mark by ``mark_for_mail``: a recipient
# of the fallback's mails reads a notice in their own language only.
MAIL_TRANSLATIONS_FIELD = "nl.weerbaar.mail_translations"
# What the mail says instead of the body, where the body holds what must not leave
# Matrix (a reminder about a confidential log entry). Its presence on the content decides
# the withholding; a translation only words it in another language.
MAIL_TEXT_FIELD = "nl.weerbaar.mail_text"
# The keys of a composed content that a translation keeps.
_MAIL_TEXT_KEYS = ("body", "formatted_body", MAIL_TEXT_FIELD)
MAILED_SEVERITIES = frozenset({"S1", "S2"})
# A summary names this many alerts, then says how many more there are.
GROUP_LINES = 10
# A snooze's closing summary names this many alerts: it says what arrived, not all of it.
SNOOZE_LINES = 3


def matrix_to(room_id: str) -> str:
    """A link that opens the room in any Matrix client."""
    return f"https://matrix.to/#/{room_id}"


class MatrixNotifier:
    """Posts alert and situation notices to the coordination room."""

    def __init__(
        self, outbox: Outbox, coordination_room: str, lang: Language, timezone: str = "UTC"
    ) -> None:
        self._outbox = outbox
        self._room = coordination_room
        self._lang = lang
        self._timezone = timezone

    async def alert_received(self, alert: AlertRecord) -> int | None:
        """Post the alert with its id, severity, supplier, title, details and links."""
        content = self._alert_content(alert, self._lang)
        if alert.severity in MAILED_SEVERITIES:
            mark_for_mail(content, lambda lang: self._alert_content(alert, lang), self._lang)
        record = await self._outbox.post(self._room, content, exercise=alert.exercise)
        return record.id

    async def alert_changed(self, alert: AlertRecord) -> None:
        """Edit the alert's notice (``m.replace``) so the room shows its current state."""
        if alert.notice_outbox_id is None:
            return  # announced in a grouped summary, not on a message of its own
        await self._outbox.post(
            self._room,
            edit_content(self._alert_content(alert, self._lang)),
            replaces=alert.notice_outbox_id,
            exercise=alert.exercise,
        )

    async def alerts_grouped(
        self,
        supplier: str,
        alerts: Sequence[AlertRecord],
        window_seconds: int,
        replaces: int | None = None,
    ) -> int | None:
        """One summary line for a storm, then the alerts it covers (the first few) with
        their current state; with ``replaces``, an edit of that summary."""
        content = self._group_content(supplier, alerts, window_seconds, self._lang)
        exercise = any(alert.exercise for alert in alerts)
        if replaces is not None:
            content = edit_content(content)
        elif any(alert.severity in MAILED_SEVERITIES for alert in alerts):
            mark_for_mail(
                content,
                lambda lang: self._group_content(supplier, alerts, window_seconds, lang),
                self._lang,
            )
        record = await self._outbox.post(self._room, content, replaces=replaces, exercise=exercise)
        return record.id

    def _group_content(
        self,
        supplier: str,
        alerts: Sequence[AlertRecord],
        window_seconds: int,
        lang: Language,
    ) -> dict[str, Any]:
        summary = i18n.text(
            "alert.group.summary",
            lang,
            count=len(alerts),
            supplier=supplier,
            window=window_text(window_seconds, lang),
        )
        # A held-back alert may be acknowledged or resolved before the summary is posted.
        lines = [
            " — ".join(
                [
                    i18n.text(
                        "alert.group.line", lang, id=a.id, severity=a.severity, title=a.title
                    ),
                    *self._alert_state(a, lang),
                ]
            )
            for a in alerts[:GROUP_LINES]
        ]
        if len(alerts) > GROUP_LINES:
            lines.append(i18n.text("alert.group.more", lang, count=len(alerts) - GROUP_LINES))
        hint = i18n.text("alert.group.hint", lang)
        html = (
            f"<p>⚠️ <strong>{i18n.html_escape(summary)}</strong></p><ul>"
            + "".join(f"<li>{i18n.html_escape(line)}</li>" for line in lines)
            + f"</ul><p><em>{i18n.html_escape(hint)}</em></p>"
        )
        content = text_content("\n".join([summary, *lines, hint]), html)
        content[ALERT_IDS_FIELD] = [alert.id for alert in alerts]
        return content

    async def snooze_ended(self, snooze: SnoozeRecord, alerts: Sequence[AlertRecord]) -> None:
        """One post: the snooze is over, how many alerts per severity arrived meanwhile,
        and the first few of them."""
        lang = self._lang
        key = "snooze.ended" if snooze.ended_by is None else "snooze.ended_by"
        headline = i18n.text(
            key, lang, target=snooze.target, actor=snooze.ended_by, count=len(alerts)
        )
        lines = []
        if alerts:
            counts: dict[str, int] = {}
            for alert in sorted(alerts, key=lambda a: a.severity):
                counts[alert.severity] = counts.get(alert.severity, 0) + 1
            per_severity = ", ".join(f"{severity}: {n}" for severity, n in counts.items())
            lines.append(i18n.text("snooze.per_severity", lang, counts=per_severity))
            lines += [
                i18n.text("alert.group.line", lang, id=a.id, severity=a.severity, title=a.title)
                for a in alerts[:SNOOZE_LINES]
            ]
            if len(alerts) > SNOOZE_LINES:
                lines.append(i18n.text("alert.group.more", lang, count=len(alerts) - SNOOZE_LINES))
        html = f"<p>🔔 <strong>{i18n.html_escape(headline)}</strong></p>"
        if lines:
            html += "<ul>" + "".join(f"<li>{i18n.html_escape(line)}</li>" for line in lines)
            html += "</ul>"
        content = text_content("\n".join([headline, *lines]), html)
        content[ALERT_IDS_FIELD] = [alert.id for alert in alerts]
        await self._outbox.post(
            self._room, content, exercise=any(alert.exercise for alert in alerts)
        )

    def _alert_content(self, alert: AlertRecord, lang: Language) -> dict[str, Any]:
        fields = {
            "id": alert.id,
            "severity": alert.severity,
            "supplier": alert.supplier,
            "title": alert.title,
        }
        plain_lines = [i18n.text("alert.notice", lang, **fields)]
        html_parts = [i18n.html("alert.notice.html", lang, **fields)]
        if alert.snooze_id is not None:
            marker = i18n.text("alert.during_snooze", lang)
            plain_lines.append(marker)
            html_parts.append(f"<p><strong>{i18n.html_escape(marker)}</strong></p>")
        if alert.details:
            plain_lines.append(alert.details)
            html_parts.append(f"<blockquote>{i18n.html_escape(alert.details)}</blockquote>")
        for url in alert.links:
            plain_lines.append(url)
            escaped = i18n.html_escape(url)
            html_parts.append(f'<p><a href="{escaped}">{escaped}</a></p>')
        notes = self._alert_state(alert, lang)
        if alert.status != "resolved":
            notes += [
                i18n.text("alert.hint", lang, id=alert.id),
                i18n.text("alert.react_hint", lang, id=alert.id),
            ]
        plain_lines += notes
        html_parts += [f"<p><em>{i18n.html_escape(note)}</em></p>" for note in notes]
        content = text_content("\n".join(plain_lines), "".join(html_parts))
        content[ALERT_ID_FIELD] = alert.id
        return content

    def _alert_state(self, alert: AlertRecord, lang: Language) -> list[str]:
        """Lines telling who acknowledged or resolved the alert and where it belongs."""
        zone = self._timezone
        lines = []
        if alert.count > 1 and alert.last_seen_at is not None:
            last = format_time(alert.last_seen_at, zone, lang)
            lines.append(i18n.text("alert.state.repeated", lang, count=alert.count, time=last))
        if alert.situation_id is not None:
            lines.append(i18n.text("alert.state.situation", lang, id=alert.situation_id))
        if alert.acknowledged_at is not None:
            moment = format_time(alert.acknowledged_at, zone, lang)
            lines.append(
                i18n.text(
                    "alert.state.acknowledged", lang, actor=alert.acknowledged_by, time=moment
                )
            )
        if alert.resolved_at is not None:
            moment = format_time(alert.resolved_at, zone, lang)
            lines.append(
                i18n.text("alert.state.resolved", lang, actor=alert.resolved_by, time=moment)
            )
        return lines

    async def incident_room_opened(
        self, situation: SituationRecord, alert: AlertRecord, origin: CommandOrigin | None
    ) -> None:
        """Link the new incident room from the coordination room, once, and answer the
        command at ``origin``: one message when it was typed in the coordination room (in
        the command's language), else a reply in the room where it was typed."""
        for room, answering in self._coordination_and_origin(origin):
            await self._post_room_opened(situation, room, answering)

    def _coordination_and_origin(
        self, origin: CommandOrigin | None
    ) -> list[tuple[str, CommandOrigin | None]]:
        """Where an announcement that answers the command at ``origin`` goes: the
        coordination room (as the answer when typed there), and the origin room if other."""
        answers = origin is not None and origin.room_id == self._room
        rooms: list[tuple[str, CommandOrigin | None]] = [(self._room, origin if answers else None)]
        if origin is not None and not answers:
            rooms.append((origin.room_id, origin))
        return rooms

    async def incident_room_failed(
        self,
        situation: SituationRecord,
        alert: AlertRecord,
        origin: CommandOrigin | None,
        reason: str,
    ) -> None:
        """Say in the coordination room, and where the command was typed, that the room
        could not be opened: answering the command as ``incident_room_opened`` would."""
        for room, answering in self._coordination_and_origin(origin):
            lang = answering.lang if answering is not None else self._lang
            text = i18n.text(
                "incident.room_failed",
                lang,
                id=situation.id,
                supplier=situation.supplier,
                error=reason,
                alert_id=alert.id,
            )
            await self._outbox.post(
                room,
                text_content(
                    text,
                    reply_to=answering.event_id if answering else None,
                    thread_root=answering.thread_root if answering else None,
                ),
                exercise=situation.is_exercise,
            )

    async def _post_room_opened(
        self, situation: SituationRecord, room: str, origin: CommandOrigin | None
    ) -> None:
        assert situation.incident_room_id is not None  # set before this is called
        lang = origin.lang if origin is not None else self._lang
        fields = {
            "id": situation.id,
            "supplier": situation.supplier,
            "title": situation.title,
            "link": matrix_to(situation.incident_room_id),
        }
        room_name = incident_room_name(situation, lang)
        await self._outbox.post(
            room,
            text_content(
                i18n.text("incident.opened", lang, **fields),
                i18n.html("incident.opened.html", lang, room_name=room_name, **fields),
                reply_to=origin.event_id if origin is not None else None,
                thread_root=origin.thread_root if origin is not None else None,
            ),
            exercise=situation.is_exercise,
        )

    async def phase_changed(
        self,
        situation: SituationRecord,
        previous: Phase,
        actor: str,
        reason: str,
        answered_in: str | None = None,
    ) -> None:
        """Tell the coordination room, and the incident room if there is one, except the
        room ``answered_in`` where the command's reply already says it."""
        lang = self._lang
        message = i18n.text(
            "situation.phase_changed",
            lang,
            id=situation.id,
            supplier=situation.supplier,
            previous=i18n.text(f"phase.{previous.value}", lang),
            current=i18n.text(f"phase.{situation.phase}", lang),
            actor=actor,
            reason=reason,
        )
        for room in filter(None, (self._room, situation.incident_room_id)):
            if room != answered_in:
                await self._outbox.post(room, text_content(message), exercise=situation.is_exercise)

    async def chain_broken(
        self, situation: SituationRecord, check: ChainCheck, *, incident_room: bool
    ) -> None:
        """Warn the coordination room (and the incident room if asked) of a broken chain."""
        message = chain_broken_text(situation.id, check, self._lang)
        rooms = (self._room, situation.incident_room_id if incident_room else None)
        for room in filter(None, rooms):
            await self._outbox.post(room, text_content(message), exercise=situation.is_exercise)

    async def checkin_requested(self, situation: SituationRecord, owner: str) -> None:
        """Ask the owner, by mention, for an update in the coordination room."""
        await self._mention(
            owner,
            "watch.checkin",
            lambda lang: {
                "id": situation.id,
                "supplier": situation.supplier,
                "title": situation.title,
            },
            exercise=situation.is_exercise,
        )

    async def checkin_overdue(
        self, situation: SituationRecord, owner: str, asked_at: datetime
    ) -> None:
        """Remind the owner, by mention, of the unanswered check-in."""
        await self._mention(
            owner,
            "watch.overdue",
            lambda lang: {
                "id": situation.id,
                "supplier": situation.supplier,
                "asked": format_time(asked_at, self._timezone, lang),
            },
            exercise=situation.is_exercise,
        )

    async def escalation_proposed(self, situation: SituationRecord, proposal: Proposal) -> None:
        """Propose escalation, naming the rule and its evidence; people decide."""

        def compose(lang: Language) -> dict[str, Any]:
            reason = i18n.text(f"watch.rule.{proposal.rule}", lang, **proposal.evidence)
            lines = [
                i18n.text(
                    "watch.proposal",
                    lang,
                    id=situation.id,
                    supplier=situation.supplier,
                    title=situation.title,
                    reason=reason,
                )
            ]
            if proposal.alert_id is not None:
                lines.append(i18n.text("watch.proposal.escalate", lang, alert_id=proposal.alert_id))
            lines.append(i18n.text("watch.proposal.phase", lang, id=situation.id))
            return text_content("\n".join(lines))

        await self._post_mailed(compose, exercise=situation.is_exercise)

    async def lauwe_fase_proposed(
        self, alert: AlertRecord, situation: SituationRecord | None, proposal: Proposal
    ) -> None:
        """Propose the lauwe fase for an alert's supplier, with the commands that do it;
        mailed too in degraded mode, as an escalation proposal is."""

        def compose(lang: Language) -> dict[str, Any]:
            reason = i18n.text(f"watch.rule.{proposal.rule}", lang, **proposal.evidence)
            lines = [
                i18n.text("watch.lauwe_proposal", lang, supplier=alert.supplier, reason=reason)
            ]
            if situation is None:
                lines.append(i18n.text("watch.lauwe_proposal.track", lang, alert_id=alert.id))
            else:
                lines.append(i18n.text("watch.lauwe_proposal.phase", lang, id=situation.id))
            return text_content("\n".join(lines))

        await self._post_mailed(compose, exercise=alert.exercise)

    async def feed_failed(self, source: str, error: str) -> None:
        """Say once that a feed cannot be polled, and why."""
        message = i18n.text("poll.failed", self._lang, source=source, error=error)
        await self._outbox.post(self._room, text_content(message))

    async def feed_recovered(self, source: str, failing_since: datetime) -> None:
        """Say that a failing feed works again."""
        since = format_time(failing_since, self._timezone, self._lang)
        message = i18n.text("poll.recovered", self._lang, source=source, since=since)
        await self._outbox.post(self._room, text_content(message))

    async def source_back(self, source: str, silent_since: datetime, now: datetime) -> None:
        """Say once that a source that fell silent was heard from again."""
        since = format_time(silent_since, self._timezone, self._lang, now)
        message = i18n.text("heartbeat.back", self._lang, source=source, since=since)
        await self._outbox.post(self._room, text_content(message))

    async def drill_reminder(self, drill: PlannedDrillRecord, owner: str | None, days: int) -> None:
        """Remind the owner (mentioned when a Matrix id, else named) of a planned drill."""

        def params(lang: Language) -> dict[str, Any]:
            return {
                "fallback": drill.fallback_key,
                "days": days,
                "due": format_time(drill.due_at, self._timezone, lang),
                "scenario": drill.scenario or i18n.text("drill.tabletop_scenario", lang),
            }

        await self._to_owner(owner, "drill.reminder", params)

    async def drill_due(self, drill: PlannedDrillRecord, owner: str | None) -> None:
        """Tell the owner (mentioned when a Matrix id, else named) a planned drill is due,
        with the command that starts it: the tabletop checklist or the exercise."""

        def params(lang: Language) -> dict[str, Any]:
            how = (
                i18n.text("drill.due_scenario", lang, scenario=drill.scenario)
                if drill.scenario
                else i18n.text("drill.due_tabletop", lang, fallback=drill.fallback_key)
            )
            return {"id": drill.id, "fallback": drill.fallback_key, "how": how}

        await self._to_owner(owner, "drill.due", params)

    async def _to_owner(
        self, owner: str | None, key: str, params: Callable[[Language], dict[str, Any]]
    ) -> None:
        """Message ``key`` to a fallback option's owner: mentioned when a Matrix id, else
        named (a role, or nobody yet)."""
        if owner is not None and is_user_id(owner):
            await self._mention(owner, key, params)
            return
        who = owner or i18n.text("drills.no_owner", self._lang)
        message = i18n.text(key, self._lang, user=who, **params(self._lang))
        await self._outbox.post(self._room, text_content(message))

    async def improvement_due(self, test: FallbackTestRecord) -> None:
        """Remind the owner (mentioned) of the improvement action kept on ``test``."""
        # The owner is always a person: the fallback's owner, or who recorded the test.
        assert test.action_owner is not None  # only an open action is reminded
        await self._mention(
            test.action_owner,
            "fallback.improvement_due",
            lambda lang: {
                "fallback": test.fallback_key,
                "notes": test.notes,
                "tested": test.tested_on.isoformat(),
                "result": i18n.text(f"fallback_result.{test.result}", lang),
            },
        )

    async def drill_digest(self, digest: Digest) -> None:
        """Post the weekly drill digest: newly overdue, planned, tested (empty parts left out)."""
        lang = self._lang
        lines = [i18n.text("digest.title", lang)]
        if digest.became_overdue:
            lines.append(i18n.text("digest.overdue", lang))
            lines += [
                i18n.text(
                    "digest.overdue_line",
                    lang,
                    fallback=state.key,
                    owner=state.option.owner or i18n.text("drills.no_owner", lang),
                )
                for state in digest.became_overdue
            ]
        if digest.planned:
            lines.append(i18n.text("digest.planned", lang))
            lines += [
                i18n.text(
                    "digest.planned_line",
                    lang,
                    due=format_time(drill.due_at, self._timezone, lang),
                    fallback=drill.fallback_key,
                )
                for drill in digest.planned
            ]
        if digest.tested:
            lines.append(i18n.text("digest.tested", lang))
            lines += [
                i18n.text(
                    "digest.tested_line",
                    lang,
                    fallback=test.fallback_key,
                    result=i18n.text(f"fallback_result.{test.result}", lang),
                    day=test.tested_on.isoformat(),
                )
                for test in digest.tested
            ]
        await self._outbox.post(self._room, text_content("\n".join(lines)))

    async def _mention(
        self,
        user_id: str,
        key: str,
        params: Callable[[Language], dict[str, Any]],
        *,
        exercise: bool = False,
    ) -> None:
        """Mention ``user_id`` with the message ``key`` (``params`` in a language); mailed
        too in degraded mode: check-ins and fallback reminders are deadlines. ``exercise``:
        it is about an exercise, and marked so."""

        # The plain body names the user (clients highlight it), the HTML links a pill,
        # and m.mentions makes the notification explicit (intentional mentions).
        def compose(lang: Language) -> dict[str, Any]:
            plain = i18n.text(key, lang, user=user_id, **params(lang))
            escaped = i18n.html_escape(user_id)
            pill = f'<a href="{i18n.html_escape(matrix_to(user_id))}">{escaped}</a>'
            html = i18n.html(key, lang, user="\x00", **params(lang)).replace("\x00", pill)
            return text_content(plain, f"<p>{html}</p>", mentions=[user_id])

        await self._post_mailed(compose, exercise=exercise)

    async def _post_mailed(
        self, compose: Callable[[Language], dict[str, Any]], *, exercise: bool = False
    ) -> None:
        """Post ``compose``'s notice in the bot's language to the coordination room,
        marked for mail in every language (and OEFENING/EXERCISE when about an exercise:
        the coordination room is no exercise's room, so only this says so)."""
        content = compose(self._lang)
        mark_for_mail(content, compose, self._lang)
        await self._outbox.post(self._room, content, exercise=exercise)


def mark_for_mail(
    content: dict[str, Any],
    compose: Callable[[Language], dict[str, Any]],
    lang: Language | None,
) -> None:
    """Mark ``content`` to be mailed too while Matrix is unreachable, with its text in
    each language as ``compose`` makes it, so every recipient reads it in their own.

    ``lang`` is the one language ``content`` is in (its text is not repeated), or ``None``
    when it is in several at once (a timer's): then every language gets its own text."""
    content[MAIL_FIELD] = True
    translations = {}
    for other in LANGUAGES:
        if other != lang:
            composed = compose(other)
            translations[other] = {k: composed[k] for k in _MAIL_TEXT_KEYS if k in composed}
    content[MAIL_TRANSLATIONS_FIELD] = translations


def timer_notice(
    compose: Callable[[Language], dict[str, Any]], mentions: Sequence[str] = ()
) -> dict[str, Any]:
    """The plain-text notice of a timer, marked for mail: a timer is not tied to a command,
    so it has no language of its own. The room gets ``compose``'s text in every language,
    one after the other; each mail only its recipient's (also what a mail says instead,
    ``MAIL_TEXT_FIELD``, where the notice withholds its body)."""
    parts = [compose(lang) for lang in LANGUAGES]
    content = text_content("\n".join(part["body"] for part in parts), mentions=mentions)
    if any(MAIL_TEXT_FIELD in part for part in parts):
        content[MAIL_TEXT_FIELD] = "\n".join(part[MAIL_TEXT_FIELD] for part in parts)
    mark_for_mail(content, compose, None)
    return content


def incident_room_name(situation: SituationRecord, lang: Language) -> str:
    """The display name of a situation's incident room (marked for an exercise)."""
    name = i18n.text("incident.room_name", lang, supplier=situation.supplier, title=situation.title)
    return (mark_text(name) if situation.is_exercise else name)[:255]


def window_text(seconds: int, lang: Language) -> str:
    """A grouping window in words: "minute", "5 minutes", "30 seconds"."""
    if seconds == 60:
        return i18n.text("alert.window.minute", lang)
    if seconds % 60 == 0:
        return i18n.text("alert.window.minutes", lang, count=seconds // 60)
    return i18n.text("alert.window.seconds", lang, count=seconds)
