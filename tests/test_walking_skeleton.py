"""End to end against real Synapse: alert in, escalation, playbook, decision, report, help."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.app import Weerbaar
from bot.intake.client import signed_headers
from bot.matrix.notices import ALERT_ID_FIELD
from bot.sandbox.world import SandboxWorld
from bot.storage.models import AlertRecord, LogEntryRecord, OutboxRecord, SituationRecord
from tests.support.homeserver import bot_settings, running_bot
from tests.support.intake import ALERT_PAYLOAD, intake_url, post_alert
from tests.support.matrix_user import MatrixUser, body_of


async def test_signed_alert_is_stored_and_posted_to_the_coordination_room(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    alert_id = await post_alert(bot, world, ALERT_PAYLOAD)

    async with bot.db.transaction() as session:
        stored = await session.get(AlertRecord, alert_id)
    assert stored is not None
    assert (stored.supplier, stored.severity, stored.title) == (
        "Acme Cloud",
        "S2",
        ALERT_PAYLOAD["title"],
    )

    notice = await alice.wait_for(
        world.coordination_room, lambda e: e["content"].get(ALERT_ID_FIELD) == alert_id
    )
    content = notice["content"]
    assert notice["sender"] == world.bot.user_id
    assert f"#{alert_id}" in content["body"] and "Acme Cloud" in content["body"]
    assert content["format"] == "org.matrix.custom.html"
    # user text is escaped, never interpreted as markup
    assert "&lt;b&gt;for all regions&lt;/b&gt;" in content["formatted_body"]
    assert "<b>for" not in content["formatted_body"]
    assert 'href="https://status.example.org/incidents/42"' in content["formatted_body"]


async def test_escalation_playbook_decision_and_report(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, bob: MatrixUser
) -> None:
    alert_id = await post_alert(bot, world, ALERT_PAYLOAD)
    coordination = world.coordination_room

    reply = await alice.command(coordination, f"!escalate {alert_id}")
    assert "Incident room opened" in body_of(reply)
    async with bot.db.transaction() as session:
        situation = await session.scalar(
            select(SituationRecord).order_by(SituationRecord.id.desc())
        )
    assert situation is not None and situation.incident_room_id is not None
    room = situation.incident_room_id
    assert room in body_of(reply)

    # both taskforce members are invited into a named room with a topic
    for member in (alice, bob):
        await member.join(room)
    room_name = (await alice.room_state(room, "m.room.name"))["name"]
    assert room_name == f"Crisis Acme Cloud: {ALERT_PAYLOAD['title']}"
    assert f"#{alert_id}" in (await alice.room_state(room, "m.room.topic"))["topic"]
    # typed in the coordination room, the reply is the one announcement: it links the room
    assert f'href="https://matrix.to/#/{room}"' in reply["content"]["formatted_body"]

    started = await alice.command(room, "!draaiboek start example-supplier-outage")
    text = body_of(started)
    assert "Draaiboek" in text and "1. [actief] Beeld vormen" in text and "deadline" in text

    decided = await bob.command(
        room, "!decide Switch payroll to the manual fallback --why SaaS down 6h"
    )
    assert "Decision recorded" in body_of(decided)
    assert "Switch payroll to the manual fallback" in body_of(decided)

    report_command = await alice.send(room, "!rapport")
    document, caption = sorted(
        await alice.replies(room, report_command, 2), key=lambda e: e["content"]["msgtype"]
    )
    assert (document["content"]["msgtype"], caption["content"]["msgtype"]) == ("m.file", "m.notice")
    assert "Besluitenlog" in body_of(caption)
    markdown = (await alice.download(document["content"]["url"])).decode()
    assert markdown.startswith(f"# Besluitenlog situatie #{situation.id}")
    assert "Switch payroll to the manual fallback" in markdown
    assert "SaaS down 6h" in markdown
    assert world.members[1].user_id in markdown  # who decided
    assert "example-supplier-outage" in markdown
    async with bot.db.transaction() as session:
        entries = list(
            await session.scalars(
                select(LogEntryRecord).where(LogEntryRecord.situation_id == situation.id)
            )
        )
    head = max(entries, key=lambda e: e.seq).hash
    assert head in markdown  # a printed report can be checked against the database
    assert [e.kind for e in sorted(entries, key=lambda e: e.seq)] == [
        "situation_opened",
        "phase_changed",
        "incident_room_opened",
        "playbook_started",
        "decision",
    ]


async def test_intake_refuses_bad_requests_and_stores_nothing(
    bot: Weerbaar, world: SandboxWorld
) -> None:
    secret = world.hmac_secret.encode()
    good = json.dumps(ALERT_PAYLOAD).encode()
    cases: list[tuple[bytes, dict[str, str], int, str]] = [
        (b"{not json", signed_headers(secret, b"{not json"), 400, "malformed_json"),
        (
            json.dumps({"supplier": "x"}).encode(),
            signed_headers(secret, json.dumps({"supplier": "x"}).encode()),
            422,
            "invalid_alert",
        ),
        (good, {"Content-Type": "application/json"}, 401, "unauthorised"),
        (good, signed_headers(b"wrong secret", good), 401, "unauthorised"),
        (good, signed_headers(secret, good, timestamp=1_000_000_000), 401, "unauthorised"),
        (b"x" * (300 * 1024), signed_headers(secret, b"x" * (300 * 1024)), 413, "too_large"),
    ]
    async with aiohttp.ClientSession() as session:
        for body, headers, status, error in cases:
            async with session.post(intake_url(bot), data=body, headers=headers) as response:
                assert response.status == status, (error, await response.text())
                assert (await response.json())["error"] == error
        # a replayed request is refused even though its signature is valid
        headers = signed_headers(secret, good)
        async with session.post(intake_url(bot), data=good, headers=headers) as response:
            assert response.status == 202
        async with session.post(intake_url(bot), data=good, headers=headers) as response:
            assert response.status == 409
            assert (await response.json())["error"] == "replayed"
    async with bot.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(AlertRecord)) == 1
        notices = list(await session.scalars(select(OutboxRecord)))
        assert len(notices) == 1, [n.content for n in notices]


async def test_invitations_are_accepted_only_from_the_taskforce(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, mallory: MatrixUser
) -> None:
    from bot.sandbox.world import create_room_as

    from_member = await create_room_as(
        world.homeserver_url, world.members[0], "member room", [world.bot.user_id]
    )
    from_stranger = await create_room_as(
        world.homeserver_url, mallory.account, "stranger room", [world.bot.user_id]
    )

    def bot_membership(state: str) -> Callable[[dict[str, Any]], bool]:
        return lambda e: (
            e["type"] == "m.room.member"
            and e["state_key"] == world.bot.user_id
            and e["content"]["membership"] == state
        )

    # both succeed only if the bot joined the one and declined the other
    await alice.wait_for(from_member, bot_membership("join"))
    await mallory.wait_for(from_stranger, bot_membership("leave"))
    assert not any(bot_membership("join")(e) for e in mallory.seen.get(from_stranger, []))


async def test_members_of_the_designated_taskforce_room_count_as_members(
    world: SandboxWorld, mallory: MatrixUser, tmp_path: Path
) -> None:
    from bot.sandbox.world import create_room_as

    taskforce_room = await create_room_as(
        world.homeserver_url, world.members[0], "taskforce", [mallory.user_id, world.bot.user_id]
    )
    await mallory.join(taskforce_room)
    settings = bot_settings(
        world,
        tmp_path / "bot",
        taskforce=[world.members[1].user_id],
        taskforce_room=taskforce_room,
    )
    async with running_bot(settings) as room_bot:
        alert_id = await post_alert(room_bot, world, ALERT_PAYLOAD)
        reply = body_of(await mallory.command(world.coordination_room, f"!escalate {alert_id}"))
        assert reply.startswith("Incident room opened"), reply
        assert room_bot.access.role_of(world.members[0].user_id) is not None  # alice joined it
