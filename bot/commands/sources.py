"""``!sources`` (``!bronnen``): every intake source and poller, last contact and state."""

from __future__ import annotations

from bot.alerts.heartbeat import SourceView
from bot.commands.context import CommandContext
from bot.commands.registry import Command
from bot.playbooks.durations import format_duration


async def sources(context: CommandContext) -> None:
    """List the configured sources with last contact, state and expected interval."""
    views = await context.services.heartbeats.overview()
    if not views:
        await context.reply(context.text("sources.none"))
        return
    lines = [context.text("sources.title")]
    lines += [f"- {_line(context, view)}" for view in views]
    await context.reply("\n".join(lines))


def _line(context: CommandContext, view: SourceView) -> str:
    expectation = view.expectation
    if view.silent_since is not None:
        state = context.text("sources.state.silent", since=context.time(view.silent_since))
    elif expectation.every is None:
        state = context.text("sources.state.unwatched")
    else:
        state = context.text("sources.state.ok")
    last = (
        context.time(view.last_contact_at, relative=True)
        if view.last_contact_at is not None
        else context.text("sources.never")
    )
    every = (
        context.text("sources.every", every=format_duration(expectation.every))
        if expectation.every is not None
        else context.text("sources.not_expected")
    )
    return context.text(
        "sources.line",
        source=expectation.source,
        kind=expectation.kind,
        state=state,
        last=last,
        every=every,
    )


COMMANDS = [
    Command(
        name="sources",
        alias="bronnen",
        readme="every alert source and poller: last contact, silent or not, expected interval "
        "(see [Sources that fall silent](#sources-that-fall-silent))",
        summary={
            "en": "list the alert sources and pollers: last contact, silent or not",
            "nl": "de meldingsbronnen en pollers tonen: laatste contact, stil of niet",
        },
        handler=sources,
    ),
]
