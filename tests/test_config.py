"""Settings: file plus environment, one clear line per problem, secrets hidden."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.config import (
    ALERTMANAGER_MAX_ALERTS,
    AlertSourceSettings,
    ConfigError,
    LocalSettings,
    Settings,
    load_settings,
    load_settings_as,
)

GOOD = """
taskforce = ["@alice:example.org"]

[matrix]
homeserver = "https://matrix.example.org"
user_id = "@weerbaar:example.org"
access_token = "syt_very_secret"
coordination_room = "!room:example.org"

[intake]
hmac_secret = "hmac-very-secret"

[encryption]
pickle_key = "pickle-very-secret-0123456789"
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("WEERBAAR_"):
            monkeypatch.delenv(name)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "weerbaar.toml"
    path.write_text(text)
    return path


def test_a_complete_file_loads_with_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.language == "nl"
    assert settings.intake.max_body_bytes == 256 * 1024
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.storage.auto_upgrade
    assert settings.encryption.enabled and settings.encryption.encrypt_incident_rooms
    assert settings.crypto_store_dir == settings.data_dir / "crypto"


def test_a_configured_crypto_store_directory_replaces_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEERBAAR_ENCRYPTION__STORE_DIR", "/mnt/shared/weerbaar-crypto")
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.crypto_store_dir == Path("/mnt/shared/weerbaar-crypto")


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEERBAAR_LANGUAGE", "en")
    monkeypatch.setenv("WEERBAAR_INTAKE__PORT", "9999")
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.language == "en"
    assert settings.intake.port == 9999


def test_defaults_lie_under_the_file_and_the_environment_and_merge_with_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What `weerbaar sandbox` does with its generated settings and the user's --config.
    source = {"kind": "generic", "auth": "hmac", "secret": "default-secret-0123"}
    defaults = {
        "language": "en",
        "timezone": "UTC",
        "intake": {"port": 0, "sources": [{"name": "generated", **source}]},
    }
    config = write(
        tmp_path,
        GOOD.replace(
            'hmac_secret = "hmac-very-secret"',
            'hmac_secret = "hmac-very-secret"\nport = 8000\n'
            '[[intake.sources]]\nname = "from-file"\nkind = "generic"\n'
            'auth = "hmac"\nsecret = "file-secret-0123"',
        ),
    )
    monkeypatch.setenv("WEERBAAR_TIMEZONE", "Europe/Brussels")
    monkeypatch.setenv("WEERBAAR_INTAKE__SOURCES", '[{"name": "generated", "secret": "env-0123"}]')

    settings = load_settings_as(Settings, config, defaults)

    assert settings.language == "en"  # only the defaults set it
    assert settings.intake.port == 8000  # the file wins over the defaults
    assert settings.timezone == "Europe/Brussels"  # the environment wins over both
    sources = {s.name: (s.kind, s.secret.get_secret_value()) for s in settings.intake.sources}
    assert sources == {
        "generated": ("generic", "env-0123"),
        "from-file": ("generic", "file-secret-0123"),
    }
    # The defaults apply to that one load only.
    monkeypatch.delenv("WEERBAAR_INTAKE__SOURCES")
    assert load_settings(config).language == "nl"


def test_secrets_never_show_in_reprs(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD))
    shown = repr(settings) + str(settings.model_dump())
    assert "syt_very_secret" not in shown
    assert "hmac-very-secret" not in shown
    assert "pickle-very-secret" not in shown


def test_each_missing_or_invalid_setting_is_named_on_one_line(tmp_path: Path) -> None:
    broken = GOOD.replace('hmac_secret = "hmac-very-secret"', "port = 99999").replace(
        'user_id = "@weerbaar:example.org"', 'user_id = "weerbaar"'
    )
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, broken))
    lines = str(error.value).splitlines()
    assert len(lines) == 3
    assert any(line.startswith("setting intake.hmac_secret: Field required") for line in lines)
    assert any(line.startswith("setting intake.port:") for line in lines)
    assert any(
        line.startswith("setting matrix.user_id:") and "WEERBAAR_MATRIX__USER_ID" in line
        for line in lines
    )


def test_credentials_and_time_zone_are_checked(tmp_path: Path) -> None:
    text = GOOD.replace('access_token = "syt_very_secret"', "").replace(
        "taskforce =", 'timezone = "Mars/Olympus"\ntaskforce ='
    )
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text))
    assert "set either access_token or password" in str(error.value)
    assert "unknown time zone 'Mars/Olympus'" in str(error.value)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_encryption_needs_its_own_pickle_key(tmp_path: Path) -> None:
    without_key = GOOD.replace('pickle_key = "pickle-very-secret-0123456789"', "")
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, without_key))
    assert str(error.value).startswith("setting encryption.pickle_key: ")
    assert "WEERBAAR_ENCRYPTION__PICKLE_KEY" in str(error.value)

    too_short = GOOD.replace("pickle-very-secret-0123456789", "short")
    with pytest.raises(ConfigError, match=r"encryption\.pickle_key: .*at least 16 characters"):
        load_settings(write(tmp_path, too_short))


def test_without_encryption_no_pickle_key_is_needed(tmp_path: Path) -> None:
    text = GOOD.replace('pickle_key = "pickle-very-secret-0123456789"', "enabled = false")
    settings = load_settings(write(tmp_path, text))
    assert not settings.encryption.enabled
    assert settings.encryption.store_pickle_key() is None


def test_the_sitrep_cadence_defaults_to_two_hours_and_zero_turns_it_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings(write(tmp_path, GOOD)).incident.sitrep_interval() == timedelta(hours=2)
    monkeypatch.setenv("WEERBAAR_INCIDENT__SITREP_INTERVAL_MINUTES", "0")
    assert load_settings(write(tmp_path, GOOD)).incident.sitrep_interval() is None
    monkeypatch.setenv("WEERBAAR_INCIDENT__SITREP_INTERVAL_MINUTES", "-5")
    with pytest.raises(ConfigError, match=r"incident\.sitrep_interval_minutes"):
        load_settings(write(tmp_path, GOOD))


# --- Lists from the environment -------------------------------------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_source_example() -> str:
    """The README's ``[[intake.sources]]`` example, whose secret comes from the environment."""
    blocks = re.findall(r"(?ms)^```toml\n(.*?)```", README.read_text())
    (block,) = [str(block) for block in blocks if "WEERBAAR_INTAKE__SOURCES=" in block]
    return block


def readme_source_variable(secret: str) -> tuple[str, str]:
    """The README's ``WEERBAAR_INTAKE__SOURCES='[...]'`` with its placeholders filled in."""
    match = re.search(r"(WEERBAAR_INTAKE__SOURCES)='(.*?)'", readme_source_example())
    assert match
    name = re.search(r'(?m)^name = "(.*)"', readme_source_example())
    assert name
    value = (
        match.group(2)
        .replace('"name": ...', json.dumps({"name": name.group(1)})[1:-1])
        .replace('"secret": ...', json.dumps({"secret": secret})[1:-1])
    )
    return match.group(1), value


def test_a_source_secret_in_the_environment_as_json_completes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, value = readme_source_variable("bearer-from-the-environment")
    monkeypatch.setenv(name, value)
    settings = load_settings(write(tmp_path, GOOD + readme_source_example()))
    (source,) = settings.intake.sources
    assert (source.name, source.kind, source.auth) == ("prometheus", "alertmanager", "bearer")
    assert source.secret.get_secret_value() == "bearer-from-the-environment"
    assert source.body_limit(settings.intake.max_body_bytes) == 2_048_000


def test_a_source_secret_in_the_environment_by_index_completes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEERBAAR_INTAKE__SOURCES__0__SECRET", "bearer-by-index")
    settings = load_settings(write(tmp_path, GOOD + readme_source_example()))
    (source,) = settings.intake.sources
    assert (source.name, source.kind) == ("prometheus", "alertmanager")
    assert source.secret.get_secret_value() == "bearer-by-index"


def test_sources_come_whole_from_the_environment_as_json_or_by_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path, GOOD + readme_source_example())
    extra = {"name": "pd", "kind": "pagerduty", "auth": "bearer", "secret": "pd-secret"}
    monkeypatch.setenv(
        "WEERBAAR_INTAKE__SOURCES", json.dumps([{"name": "prometheus", "secret": "s"}, extra])
    )
    assert [s.name for s in load_settings(config).intake.sources] == ["prometheus", "pd"]

    monkeypatch.delenv("WEERBAAR_INTAKE__SOURCES")
    for index, kind in [(1, "generic"), (0, "pagerduty")]:
        for field, value in [
            ("name", f"s{index}"),
            ("kind", kind),
            ("auth", "hmac"),
            ("secret", "x"),
        ]:
            monkeypatch.setenv(f"WEERBAAR_INTAKE__SOURCES__{index}__{field.upper()}", value)
    monkeypatch.setenv("WEERBAAR_TASKFORCE__0", "@carol:example.org")
    settings = load_settings(write(tmp_path, GOOD))
    assert [(s.name, s.kind) for s in settings.intake.sources] == [
        ("s0", "pagerduty"),
        ("s1", "generic"),
    ]
    assert settings.taskforce == ["@carol:example.org"]


def test_a_source_secret_comes_from_a_file_named_like_the_indexed_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "weerbaar_intake__sources__0__secret").write_text("bearer-from-a-file\n")
    monkeypatch.setenv("WEERBAAR_SECRETS_DIR", str(secrets))
    settings = load_settings(write(tmp_path, GOOD + readme_source_example()))
    assert settings.intake.sources[0].secret.get_secret_value() == "bearer-from-a-file"


def test_json_that_does_not_parse_is_named_with_its_source_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list given as JSON in a variable or a secret file that does not parse: one line
    naming the setting and where it came from (not a traceback), without the secret."""
    config = write(tmp_path, GOOD)
    broken = '[{"name": "prometheus", "secret": "bearer-very-secret"'
    monkeypatch.setenv("WEERBAAR_INTAKE__SOURCES", broken)
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    (line,) = str(refused.value).splitlines()
    assert line.startswith("setting intake: not valid JSON")
    assert "environment variable WEERBAAR_INTAKE" in line and "bearer-very-secret" not in line
    monkeypatch.delenv("WEERBAAR_INTAKE__SOURCES")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "weerbaar_intake__sources").write_text(broken)
    monkeypatch.setenv("WEERBAAR_SECRETS_DIR", str(secrets))
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    (line,) = str(refused.value).splitlines()
    assert line.startswith("setting intake: not valid JSON")
    assert "secret file weerbaar_intake" in line and str(secrets) in line
    assert "bearer-very-secret" not in line
    monkeypatch.setenv("WEERBAAR_SECRETS_DIR", str(config))
    with pytest.raises(ConfigError, match=f"^WEERBAAR_SECRETS_DIR: {config} is not a directory$"):
        load_settings(config)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        # Both once crashed the commands that open the database with a traceback.
        ("postgresql://weerbaar:hunter2@db/weerbaar", "postgresql+asyncpg://"),
        ("postgresql+asyncpg://weerbaar:hunter2@db:5432x/weerbaar", "port"),
        ("weerbaar:hunter2@db/weerbaar", "no URL"),
    ],
)
def test_a_database_url_the_bot_cannot_use_is_named_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, problem: str
) -> None:
    monkeypatch.setenv("WEERBAAR_STORAGE__URL", url)
    with pytest.raises(ConfigError) as refused:
        load_settings_as(LocalSettings, write(tmp_path, GOOD))
    (line,) = str(refused.value).splitlines()
    assert line.startswith("setting storage.url:") and problem in line
    assert "WEERBAAR_STORAGE__URL" in line and "hunter2" not in line


def test_a_bad_value_names_the_variable_or_secret_file_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path, GOOD)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "weerbaar_intake__port").write_text("84x0\n")
    monkeypatch.setenv("WEERBAAR_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("WEERBAAR_DEGRADED__AFTER_SECONDS", "soon")
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    lines = str(refused.value).splitlines()
    port = next(line for line in lines if line.startswith("setting intake.port:"))
    assert port.endswith(f"(secret file {secrets / 'weerbaar_intake__port'})")
    after = next(line for line in lines if line.startswith("setting degraded.after_seconds:"))
    assert after.endswith("(environment variable WEERBAAR_DEGRADED__AFTER_SECONDS)")


def test_the_readme_alertmanager_receiver_sends_at_most_what_the_intake_takes() -> None:
    blocks = re.findall(r"(?ms)^```yaml\n(.*?)```", README.read_text())
    (receiver,) = [
        hook
        for block in blocks
        if "webhook_configs" in block
        for each in (yaml.safe_load(block).get("receivers") or [])
        for hook in each.get("webhook_configs", [])
    ]
    name = re.search(r'(?m)^name = "(.*)"', readme_source_example())
    assert name and receiver["url"].endswith(f"/alerts/alertmanager/{name.group(1)}")
    assert receiver["max_alerts"] == ALERTMANAGER_MAX_ALERTS
    sources = [
        AlertSourceSettings(name="am", kind=kind, auth="bearer", secret="s")
        for kind in ("alertmanager", "generic")
    ]
    alertmanager, generic = (source.body_limit(256 * 1024) for source in sources)
    # room for every alert of a full group at 2 KiB each; other kinds keep the intake's limit
    assert (alertmanager, generic) == (ALERTMANAGER_MAX_ALERTS * 2048, 256 * 1024)
    tight = AlertSourceSettings(
        name="am", kind="alertmanager", auth="bearer", secret="s", max_body_bytes=10
    )
    assert tight.body_limit(256 * 1024) == 10
