"""``weerbaar web link``: the operator's way to a one-time login link."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.storage.db import Database
from bot.storage.models import WebCredentialRecord
from tests.support.cli_config import clear_weerbaar_environment

runner = CliRunner()


def _config(tmp_path: Path, web: str) -> str:
    config = tmp_path / "weerbaar.toml"
    config.write_text(
        f"""taskforce = ["@alice:test"]
[storage]
url = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"
[matrix]
homeserver = "http://127.0.0.1:1"
user_id = "@weerbaar:test"
coordination_room = "!room:test"
access_token = "token"
[intake]
hmac_secret = "secret"
[encryption]
enabled = false
[web]
{web}
"""
    )
    assert runner.invoke(app, ["db", "upgrade", "-c", str(config)]).exit_code == 0
    return str(config)


async def _stored(tmp_path: Path) -> list[WebCredentialRecord]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    try:
        async with db.transaction() as session:
            return list(await session.scalars(select(WebCredentialRecord)))
    finally:
        await db.dispose()


def test_web_link_prints_a_link_and_stores_only_its_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_weerbaar_environment(monkeypatch)
    config = _config(tmp_path, 'enabled = true\nbase_url = "https://bot.example.org"')
    result = runner.invoke(app, ["web", "link", "@alice:test", "-c", config])
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("https://bot.example.org/web/login?token=")
    token = link.rsplit("=", 1)[1]
    [stored] = asyncio.run(_stored(tmp_path))
    assert stored.user_id == "@alice:test"
    assert token not in stored.secret_hash
    assert (stored.expires_at - stored.created_at).total_seconds() == 300


def test_web_link_refuses_strangers_and_a_switched_off_view(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_weerbaar_environment(monkeypatch)
    config = _config(tmp_path, "enabled = false")
    stranger = runner.invoke(app, ["web", "link", "@mallory:test", "-c", config])
    assert stranger.exit_code == 1
    assert "not a configured taskforce member" in stranger.output
    off = runner.invoke(app, ["web", "link", "@alice:test", "-c", config])
    assert off.exit_code == 1
    assert "web view is off" in off.output
    assert asyncio.run(_stored(tmp_path)) == []
