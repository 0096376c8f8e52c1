"""Degraded mode end to end: real Synapse behind a proxy that goes down, real SMTP (issue 21).

Thresholds are one or two seconds of real time, so no clock is faked and nothing sleeps:
every wait polls for the outcome.
"""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import StartupError, Weerbaar
from bot.config import DegradedSettings, EmailRecipient, Settings
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld
from tests.support.clock import ManualClock
from tests.support.fault_proxy import FaultProxy
from tests.support.homeserver import bot_settings, running_bot
from tests.support.intake import ALERT_PAYLOAD, post_alert
from tests.support.mail import SmtpServer, smtp_server
from tests.support.matrix_user import MatrixUser, body_of, notice_of, wait_until

WAIT = 60.0
SHORT = DegradedSettings(after_seconds=1, batch_seconds=2)
# aiosmtpd warns on every connection that its login is not over TLS: loopback, on purpose.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
    pytest.mark.runs_long,  # homeserver outages and their recovery, with backoff in real time
]


def degraded_settings(
    world: SandboxWorld,
    data_dir: Path,
    homeserver: str,
    smtp: SmtpServer,
    degraded: DegradedSettings = SHORT,
) -> Settings:
    settings = bot_settings(world, data_dir)
    alice, bob = world.members
    return settings.model_copy(
        update={
            "matrix": settings.matrix.model_copy(update={"homeserver": homeserver}),
            "degraded": degraded,
            "email": smtp.settings(
                [
                    EmailRecipient(user_id=alice.user_id, address="alice@example.org"),
                    EmailRecipient(user_id=bob.user_id, address="bob@example.org", language="en"),
                ]
            ),
        }
    )


def mails_to(smtp: SmtpServer, address: str) -> list[str]:
    """Subject and plain text of each mail to ``address``, in order."""
    texts = []
    for message in smtp.messages:
        if message["To"] == address:
            plain = message.get_body(("plain",))
            assert plain is not None
            texts.append(f"{message['Subject']}\n{plain.get_content()}")
    return texts


async def test_alerts_are_mailed_while_matrix_is_down_and_summarised_after(
    world: SandboxWorld, alice: MatrixUser, synapse: ThrowawaySynapse, tmp_path: Path
) -> None:
    proxy = FaultProxy(synapse.url)
    await proxy.start()
    try:
        with smtp_server() as smtp:
            async with running_bot(
                degraded_settings(world, tmp_path / "bot", proxy.url, smtp)
            ) as bot:
                await proxy.go_down()
                first = await post_alert(bot, world, {**ALERT_PAYLOAD, "supplier": "Mailco"})
                await wait_until(lambda: len(mails_to(smtp, "bob@example.org")) >= 1, WAIT)
                entering = mails_to(smtp, "alice@example.org")[0]
                assert "Matrix onbereikbaar sinds" in entering
                assert "meldingen komen nu per e-mail" in entering
                assert "Matrix unreachable since" in mails_to(smtp, "bob@example.org")[0]
                async with aiohttp.ClientSession() as http:
                    health = await (
                        await http.get(f"http://127.0.0.1:{bot.intake_port}/healthz")
                    ).json()
                assert health["matrix"].startswith("unreachable since")
                second = await post_alert(bot, world, {**ALERT_PAYLOAD, "supplier": "Postco"})

                def mailed(address: str) -> str:
                    return "\n".join(mails_to(smtp, address))

                await wait_until(
                    lambda: all(
                        f"#{second}" in mailed(a) for a in ("alice@example.org", "bob@example.org")
                    ),
                    WAIT,
                )
                for address in ("alice@example.org", "bob@example.org"):
                    # Both alerts, each once.
                    assert mailed(address).count("Mailco") == mailed(address).count("Postco") == 1
                assert "Reageer in Matrix zodra het terug is" in mailed("alice@example.org")

                proxy.come_back()
                summary = await alice.wait_for(
                    world.coordination_room,
                    lambda e: "Matrix was onbereikbaar van" in body_of(e),
                    WAIT,
                )
                # One mail per recipient, sent one after the other: wait for each.
                await wait_until(
                    lambda: (
                        "Matrix weer bereikbaar" in mails_to(smtp, "alice@example.org")[-1]
                        and "Matrix reachable again" in mails_to(smtp, "bob@example.org")[-1]
                    ),
                    WAIT,
                )
                events = alice.seen[world.coordination_room]
                notices = [
                    events.index(
                        await alice.wait_for(world.coordination_room, notice_of(i, supplier))
                    )
                    for i, supplier in ((first, "Mailco"), (second, "Postco"))
                ]
                # The backlog in order, once, then the summary.
                assert notices[0] < notices[1] < events.index(summary)
                assert sum(notice_of(first, "Mailco")(e) for e in events) == 1
                # Mailed while the homeserver was down: the notices say so in the room.
                assert all("Ook per e-mail verstuurd" in body_of(events[i]) for i in notices)
                assert f"Per e-mail aan {world.members[0].user_id}" in body_of(summary)
    finally:
        await proxy.close()


async def test_an_smtp_server_refusing_the_login_stops_the_start(
    world: SandboxWorld, synapse: ThrowawaySynapse, tmp_path: Path
) -> None:
    with smtp_server() as smtp:
        settings = degraded_settings(world, tmp_path / "bot", synapse.url, smtp)
        assert settings.email is not None
        wrong = settings.email.model_copy(update={"password": SecretStr("wrong")})
        bot = Weerbaar(settings.model_copy(update={"email": wrong}))
        with pytest.raises(StartupError, match=r"\[email\].*refuses the login of 'weerbaar'"):
            await bot.start()
        assert smtp.messages == []


async def test_a_restart_during_the_outage_announces_it_once_and_summarises_all_of_it(
    world: SandboxWorld, alice: MatrixUser, synapse: ThrowawaySynapse, tmp_path: Path
) -> None:
    proxy = FaultProxy(synapse.url)
    await proxy.start()
    addresses = ("alice@example.org", "bob@example.org")

    def mailed(address: str) -> str:
        return "\n".join(mails_to(smtp, address))

    try:
        with smtp_server() as smtp:
            settings = degraded_settings(world, tmp_path / "bot", proxy.url, smtp)
            async with running_bot(settings) as bot:
                await proxy.go_down()
                before = await post_alert(bot, world, {**ALERT_PAYLOAD, "supplier": "Mailco"})
                await wait_until(lambda: all(f"#{before}" in mailed(a) for a in addresses), WAIT)
            # Restarted while the homeserver is still down: it cannot log in, but it
            # takes alerts and mails them as the same outage.
            restarted = Weerbaar(settings)
            await restarted.start()
            try:
                after = await post_alert(restarted, world, {**ALERT_PAYLOAD, "supplier": "Postco"})
                await wait_until(lambda: all(f"#{after}" in mailed(a) for a in addresses), WAIT)
                proxy.come_back()
                summary = await alice.wait_for(
                    world.coordination_room,
                    lambda e: "Matrix was onbereikbaar van" in body_of(e),
                    WAIT,
                )
                await wait_until(lambda: "Matrix weer bereikbaar" in mailed(addresses[0]), WAIT)
                await wait_until(lambda: "Matrix reachable again" in mailed(addresses[1]), WAIT)
            finally:
                await restarted.stop()
            for address, opening, closing in (
                (addresses[0], "Matrix onbereikbaar sinds", "Matrix weer bereikbaar"),
                (addresses[1], "Matrix unreachable since", "Matrix reachable again"),
            ):
                subjects = [m["Subject"] for m in smtp.messages if m["To"] == address]
                assert sum(opening in s for s in subjects) == 1, subjects
                assert sum(closing in s for s in subjects) == 1, subjects
            # The summary covers the whole outage: the alerts from before and after.
            alice_id = world.members[0].user_id
            assert f"Per e-mail aan {alice_id}: 2 berichten" in body_of(summary)
            assert f"(meldingen #{before}, #{after})" in body_of(summary)
            assert "2 meldingen binnen" in body_of(summary)
    finally:
        await proxy.close()


def subjects_to(smtp: SmtpServer, address: str) -> list[str]:
    return [str(message["Subject"]) for message in smtp.messages if message["To"] == address]


async def test_a_homeserver_flapping_around_the_threshold_enters_and_leaves_once(
    world: SandboxWorld, alice: MatrixUser, synapse: ThrowawaySynapse, tmp_path: Path
) -> None:
    proxy = FaultProxy(synapse.url)
    await proxy.start()
    clock = ManualClock()  # the reachability threshold runs on it; Synapse on real time
    after = DegradedSettings(after_seconds=120, batch_seconds=60)
    try:
        with smtp_server() as smtp:
            settings = degraded_settings(world, tmp_path / "bot", proxy.url, smtp, after)
            async with running_bot(settings, clock=clock) as bot:

                def failing() -> bool:
                    return bot.reachability.failing_since is not None

                async def come_back() -> None:
                    proxy.come_back()
                    # Something to sync, so the bot's long-poll answers at once.
                    await alice.send(world.coordination_room, "still here")

                async def flap(seconds_down: float) -> None:
                    await proxy.go_down()
                    await wait_until(failing, WAIT)
                    clock.advance(seconds=seconds_down)
                    await come_back()
                    await wait_until(lambda: not failing(), WAIT)

                # Down five times for less than the threshold: 500 s down in all.
                for _ in range(5):
                    await flap(100)
                assert smtp.messages == []
                # Down past the threshold: one outage, entered and left once.
                await proxy.go_down()
                await wait_until(failing, WAIT)
                clock.advance(seconds=120)
                await wait_until(lambda: len(smtp.messages) == 2, WAIT)
                await come_back()
                await wait_until(lambda: not bot.reachability.degraded, WAIT)
                # Failing again right after: a new outage needs the threshold again.
                await flap(100)
                await alice.wait_for(
                    world.coordination_room,
                    lambda e: "Matrix was onbereikbaar van" in body_of(e),
                    WAIT,
                )
                await wait_until(lambda: len(smtp.messages) == 4, WAIT)
            for address, opening, closing in (
                ("alice@example.org", "Matrix onbereikbaar sinds", "Matrix weer bereikbaar"),
                ("bob@example.org", "Matrix unreachable since", "Matrix reachable again"),
            ):
                subjects = subjects_to(smtp, address)
                assert len(subjects) == 2, subjects
                assert opening in subjects[0] and closing in subjects[1]
            summaries = [
                e
                for e in alice.seen[world.coordination_room]
                if "Matrix was onbereikbaar van" in body_of(e)
            ]
            assert len(summaries) == 1
    finally:
        await proxy.close()


def failed_mails(bot: Weerbaar) -> float:
    sample = bot.metrics.registry.get_sample_value(
        "weerbaar_fallback_mails_total", {"outcome": "failed"}
    )
    return sample or 0.0


async def test_a_failing_smtp_server_is_retried_reported_once_and_mailed_when_back(
    world: SandboxWorld,
    alice: MatrixUser,
    synapse: ThrowawaySynapse,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    proxy = FaultProxy(synapse.url)
    await proxy.start()
    addresses = ("alice@example.org", "bob@example.org")
    caplog.set_level(logging.ERROR, logger="bot.degraded.fallback")
    try:
        with smtp_server() as smtp:
            settings = degraded_settings(world, tmp_path / "bot", proxy.url, smtp)
            async with running_bot(settings) as bot:
                smtp.go_down()
                await proxy.go_down()
                alert_id = await post_alert(bot, world, {**ALERT_PAYLOAD, "supplier": "Mailco"})
                # Tried at entering, then again after the backoff.
                await wait_until(lambda: failed_mails(bot) >= 2, WAIT)
                assert smtp.messages == []
                smtp.come_back()
                await wait_until(
                    lambda: all(f"#{alert_id}" in "\n".join(mails_to(smtp, a)) for a in addresses),
                    WAIT,
                )
                proxy.come_back()
                summary = await alice.wait_for(
                    world.coordination_room,
                    lambda e: "Matrix was onbereikbaar van" in body_of(e),
                    WAIT,
                )
                await wait_until(lambda: len(smtp.messages) == 4, WAIT)
            assert body_of(summary).count("E-mail kon niet worden verstuurd") == 1
            failures = [r for r in caplog.records if "e-mail fallback failing" in r.message]
            assert len(failures) == 1
            for address in addresses:
                # The opening mail carried the alert; then only the closing mail.
                first, closing = mails_to(smtp, address)
                assert f"#{alert_id}" in first and "Mailco" in first
                assert "bereikbaar" in closing or "reachable" in closing
    finally:
        await proxy.close()
