"""What a command handler gets: who asked, where, and the services to act with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import i18n
from bot.commands.registry import Registry
from bot.errors import FormInThread, InvalidMoment, MomentInThePast
from bot.i18n import Language
from bot.matrix.content import file_content, in_thread, text_content
from bot.moments import PastMoment, parse_moment
from bot.services import Services
from bot.storage.models import SituationRecord


@dataclass(frozen=True)
class CommandContext:
    """One command invocation inside its transaction."""

    services: Services
    registry: Registry
    sender: str
    room_id: str
    event_id: str
    lang: Language
    timezone: str
    # Set by the dispatcher for a command scoped to an incident room: that room's situation.
    situation: SituationRecord | None = None
    # The thread the command was typed in, if any: every reply to it goes into that thread.
    thread_root: str | None = None

    @property
    def incident(self) -> SituationRecord:
        """This incident room's situation; only for commands scoped to an incident room."""
        assert self.situation is not None, "command not scoped to an incident room"
        return self.situation

    def text(self, key: str, **params: Any) -> str:
        """Catalogue text in the command's language."""
        return i18n.text(key, self.lang, **params)

    def time(self, moment: datetime, *, relative: bool = False) -> str:
        """``moment`` as people read it, in the command's language and the taskforce's zone."""
        return i18n.format_time(
            moment, self.timezone, self.lang, self.services.clock.now(), relative=relative
        )

    def moment(self, text: str) -> datetime:
        """The future moment typed as ``text`` (in the taskforce's zone), in UTC.

        Raises MomentInThePast for a readable moment that has passed (saying it as people
        read times), InvalidMoment for text that names no moment.
        """
        try:
            return parse_moment(text, self.services.clock.now(), self.timezone)
        except PastMoment as past:
            raise MomentInThePast(moment=self.time(past.moment)) from None
        except ValueError:
            raise InvalidMoment(text=text) from None

    def html(self, key: str, **params: Any) -> str:
        """Catalogue HTML in the command's language, parameters escaped."""
        return i18n.html(key, self.lang, **params)

    async def reply(self, plain: str, html: str | None = None, *, exercise: bool = False) -> None:
        """Answer in the command's room, as a reply to the command (in its thread, if any).

        ``exercise`` marks an answer about an exercise outside its incident room (there
        every message is marked anyway).
        """
        await self.services.outbox.post(
            self.room_id,
            text_content(plain, html, reply_to=self.event_id, thread_root=self.thread_root),
            exercise=exercise,
        )

    async def form_thread(self) -> str:
        """The root of the thread a form this command starts asks in (guided decision,
        tabletop drill): the thread the command was typed in, else a new one at the command.

        A thread cannot start at a message that is itself in one (the homeserver refuses
        the question, so it would never be seen). One form per thread, since the answers
        in it are read as the form's: FormInThread if one is being answered there.
        """
        root = self.thread_root or self.event_id
        services = self.services
        if await services.decision_drafts.find(self.room_id, root) is not None:
            raise FormInThread()
        if await services.tabletops.find(self.room_id, root) is not None:
            raise FormInThread()
        return root

    async def reply_in_thread(self, root: str, plain: str) -> None:
        """Answer in the command's room, in the thread of ``root``, replying to this
        message (the forms the bot asks in a thread: guided decisions, tabletop drills)."""
        await self.services.outbox.post(
            self.room_id, in_thread(text_content(plain), root, self.event_id)
        )

    async def reply_file(self, filename: str, mimetype: str, data: bytes) -> None:
        """Upload ``data`` as a file into the command's room, as a reply to the command (in
        its thread, if any)."""
        await self.services.outbox.post(
            self.room_id,
            file_content(
                filename, mimetype, len(data), reply_to=self.event_id, thread_root=self.thread_root
            ),
            attachment=data,
        )
