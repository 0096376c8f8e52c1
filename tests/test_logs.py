"""Structured logs: JSON lines, a request id per command or request, no secrets, no bodies."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import Weerbaar
from bot.config import load_settings
from bot.intake.client import signed_headers
from bot.logs import (
    REDACTED,
    JsonFormatter,
    configure_logging,
    request_context,
    secret_values,
)
from bot.sandbox.world import SandboxWorld
from tests.support.backup import CONFIG
from tests.support.cli_config import clear_weerbaar_environment
from tests.support.homeserver import bot_settings
from tests.support.matrix_user import MatrixUser, body_of, wait_until

log = logging.getLogger("tests.logs")


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """Everything logged at INFO and above during the test, as the JSON formatter writes it."""
    caplog.set_level(logging.INFO)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(["syt_redact_me_please"]))
    logging.getLogger().addHandler(handler)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines_of(stream: io.StringIO) -> list[dict[str, object]]:
    # Every line must be one JSON object: json.loads raises on anything else.
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_has_time_level_logger_message_and_request_id(captured: io.StringIO) -> None:
    with request_context("$event:test"):
        log.info("did %s", "something")
    log.warning("outside")
    first, second = lines_of(captured)[-2:]
    assert first["level"] == "INFO" and first["logger"] == "tests.logs"
    assert first["message"] == "did something" and first["request_id"] == "$event:test"
    assert str(first["ts"]).endswith("+00:00")
    assert "request_id" not in second


def test_secrets_are_redacted_also_in_tracebacks(captured: io.StringIO) -> None:
    try:
        raise RuntimeError("token syt_redact_me_please leaked")
    except RuntimeError:
        log.exception("failed with syt_redact_me_please")
    (line,) = [line for line in lines_of(captured) if line["logger"] == "tests.logs"]
    assert line["message"] == f"failed with {REDACTED}"
    assert "syt_redact_me_please" not in json.dumps(line)
    assert REDACTED in str(line["exception"])


def test_configure_logging_writes_json_or_text_and_quietens_nio() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        stream = io.StringIO()
        configure_logging("text", secrets=["hunter22secret"], stream=stream)
        log.info("password is hunter22secret")
        assert stream.getvalue().rstrip().endswith(f"tests.logs: password is {REDACTED}")
        assert logging.getLogger("nio").level == logging.WARNING
        stream = io.StringIO()
        configure_logging("json", stream=stream)
        log.info("hello")
        assert json.loads(stream.getvalue())["message"] == "hello"
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_secret_values_finds_every_secret_of_the_settings(
    world: SandboxWorld, tmp_path: Path
) -> None:
    # The settings a running bot has; starting one adds nothing to what is looked at here.
    running = bot_settings(world, tmp_path / "bot")
    settings = running.model_copy(
        update={
            "storage": running.storage.model_copy(
                update={"url": "postgresql+asyncpg://weerbaar:db-pass-123@db/weerbaar"}
            )
        }
    )
    found = secret_values(settings)
    assert settings.intake.hmac_secret.get_secret_value() in found
    assert "db-pass-123" in found
    password, pickle_key = settings.matrix.password, settings.encryption.pickle_key
    assert password is not None and password.get_secret_value() in found
    assert pickle_key is not None and pickle_key.get_secret_value() in found


def test_a_player_token_held_by_role_is_redacted_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``[exercise.players.<role>]`` holds its secrets in a table keyed by role."""
    clear_weerbaar_environment(monkeypatch)
    config = tmp_path / "weerbaar.toml"
    player = '[exercise.players.coordinator]\nuser_id = "@alice:test"\n'
    config.write_text(
        CONFIG.format(data_dir=tmp_path) + player + 'access_token = "syt_player_token_42"\n'
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(secret_values(load_settings(config))))
    logging.getLogger().addHandler(handler)
    try:
        log.warning("player login refused: ?access_token=syt_player_token_42")
    finally:
        logging.getLogger().removeHandler(handler)
    (line,) = lines_of(stream)
    assert line["message"] == f"player login refused: ?access_token={REDACTED}"


async def test_a_command_and_a_webhook_can_be_followed_and_leak_nothing(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(secret_values(bot.settings)))
    logging.getLogger().addHandler(handler)
    marker = "vertrouwelijke-inhoud-" + world.coordination_room[-6:]
    try:
        command_id = await alice.send(world.coordination_room, f"!alert Acme {marker}")
        await alice.wait_for(world.coordination_room, lambda e: marker in body_of(e))
        await wait_until(lambda: command_id in stream.getvalue())

        body = json.dumps({"supplier": "Acme", "title": marker + "-webhook"}).encode()
        secret = bot.settings.intake.hmac_secret.get_secret_value().encode()
        url = f"http://127.0.0.1:{bot.intake_port}/alerts"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=signed_headers(secret, body)) as response,
        ):
            assert response.status == 202
            webhook_id = response.headers["X-Request-Id"]
        async with (
            aiohttp.ClientSession() as session,
            session.get(url.replace("/alerts", "/nowhere")) as missing,
        ):
            assert missing.status == 404 and missing.headers["X-Request-Id"]
    finally:
        logging.getLogger().removeHandler(handler)

    lines = lines_of(stream)
    dispatcher = [line for line in lines if line["logger"] == "bot.commands.dispatcher"]
    assert any(
        line["request_id"] == command_id and "command alert from" in str(line["message"])
        for line in dispatcher
    )
    intake = [line for line in lines if line["logger"] == "bot.intake.server"]
    assert any(line.get("request_id") == webhook_id for line in intake)
    everything = stream.getvalue()
    assert marker not in everything  # no message bodies
    for value in secret_values(bot.settings):
        assert value not in everything
