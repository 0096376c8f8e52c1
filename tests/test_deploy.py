"""deploy/: the image definition, compose file, systemd unit and example config are valid.

Docker is not needed: the files are parsed and checked for what operators rely on.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import tomllib
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from bot.config import IntakeSettings, Settings, load_settings
from tests.support.deploy_files import DEPLOY, compose, dockerfile_instructions
from tests.support.paths import REPO

EXAMPLE = DEPLOY / "weerbaar.example.toml"


# --- The example configuration ------------------------------------------------------------


def setting_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every leaf setting of ``model`` as a path; ``[]`` marks the items of a list of models."""
    paths: list[tuple[str, ...]] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths += setting_paths(annotation, (*prefix, name))
        elif len(args) == 1 and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            # An optional section (``Section | None``) or a list of them.
            nested = (*prefix, name, "[]") if typing.get_origin(annotation) is list else None
            paths += setting_paths(args[0], nested or (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


def uncommented(text: str) -> str:
    """The example with every optional setting ("# name = value", "# [section]") switched on."""
    return re.sub(r"(?m)^# ?(\[.*\]|[a-z_]+ = .*)$", r"\1", text)


def lookup(data: Any, path: tuple[str, ...]) -> bool:
    for part in path:
        if part == "[]":
            if not (isinstance(data, list) and data):
                return False
            data = data[0]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return False
    return True


def test_the_example_config_names_every_setting() -> None:
    everything = tomllib.loads(uncommented(EXAMPLE.read_text()))
    missing = [".".join(path) for path in setting_paths(Settings) if not lookup(everything, path)]
    assert missing == [], f"document these settings in {EXAMPLE.name}: {missing}"


def test_the_example_with_every_setting_switched_on_is_valid() -> None:
    everything = tomllib.loads(uncommented(EXAMPLE.read_text()))
    Settings.model_validate(everything)


def test_the_example_as_shipped_loads_with_secrets_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith("WEERBAAR_") or name == "CREDENTIALS_DIRECTORY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("WEERBAAR_MATRIX__ACCESS_TOKEN", "syt_token")
    monkeypatch.setenv("WEERBAAR_INTAKE__HMAC_SECRET", "hmac")
    monkeypatch.setenv("WEERBAAR_ENCRYPTION__PICKLE_KEY", "pickle-key-from-the-environment")
    settings = load_settings(EXAMPLE)
    assert settings.data_dir == Path("/var/lib/weerbaar")


def test_settings_come_from_secret_files_named_like_the_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("WEERBAAR_"):
            monkeypatch.delenv(name)
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "weerbaar_matrix__access_token").write_text("syt_from_file\n")
    (credentials / "weerbaar_intake__hmac_secret").write_text("hmac_from_file")
    (credentials / "weerbaar_encryption__pickle_key").write_text("pickle-key-from-a-file")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    monkeypatch.setenv("WEERBAAR_SECRETS_DIR", str(tmp_path / "absent"))  # may be missing
    settings = load_settings(EXAMPLE)
    assert settings.matrix.access_token is not None
    assert settings.matrix.access_token.get_secret_value() == "syt_from_file"
    assert settings.intake.hmac_secret.get_secret_value() == "hmac_from_file"
    assert "syt_from_file" not in repr(settings)


# --- The container image ------------------------------------------------------------------


def test_the_image_installs_the_package_like_the_readme_and_runs_unprivileged() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    assert any(re.search(r"\bpip install \.(\s|$)", run) for run in runs)
    readme = (REPO / "README.md").read_text()
    assert re.search(r"\bpip install \.(\s|$)", readme), "README installs the package with pip"
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    last_user = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "USER")
    entrypoint = [i for i, (keyword, _) in enumerate(instructions) if keyword == "ENTRYPOINT"]
    assert entrypoint and entrypoint[-1] > last_user
    assert instructions[entrypoint[-1]][1] == '["weerbaar", "run"]'
    volumes = " ".join(args for keyword, args in instructions if keyword == "VOLUME")
    assert "/var/lib/weerbaar" in volumes


def test_the_image_health_check_asks_healthz_on_the_intake_port() -> None:
    instructions = dockerfile_instructions()
    (check,) = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    assert "/healthz" in check and "curl" not in check  # the slim image has no curl
    assert str(IntakeSettings.model_fields["port"].default) in check
    env = " ".join(args for keyword, args in instructions if keyword == "ENV")
    assert "WEERBAAR_DATA_DIR=/var/lib/weerbaar" in env


def test_everything_the_image_copies_exists_in_the_repository() -> None:
    for keyword, args in dockerfile_instructions():
        if keyword == "COPY":
            *sources, _target = args.split()
            for source in sources:
                assert (REPO / source).exists(), source


def test_the_package_ships_every_data_file_of_bot() -> None:
    """``pip install .`` (not editable) must carry templates, migrations, openapi.json."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["bot"]
    data_files = [
        path.relative_to(REPO / "bot").as_posix()
        for path in (REPO / "bot").rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    ]
    unshipped = [
        name
        for name in data_files
        if not any(fnmatch.fnmatch(name, pattern) for pattern in patterns)
    ]
    assert unshipped == []


# --- Compose ------------------------------------------------------------------------------


def test_compose_starts_synapse_postgres_and_the_bot_in_order() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "synapse", "bot"}
    assert services["synapse"]["image"].startswith("matrixdotorg/synapse")
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["bot"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / services["bot"]["build"]["context"] / "deploy" / "Dockerfile").is_file()
    depends = services["bot"]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["synapse"]["condition"] == "service_healthy"
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["bot"]["healthcheck"]["test"])


def test_compose_keeps_the_data_in_declared_volumes() -> None:
    data = compose()
    declared = set(data["volumes"])
    for service in data["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith("."):
                assert source in declared, source
    bot_volumes = data["services"]["bot"]["volumes"]
    assert any(v.endswith(":/var/lib/weerbaar") for v in bot_volumes)
    assert (DEPLOY / "postgres-init" / "10-synapse.sh").is_file()


def test_compose_secrets_of_the_bot_are_real_settings() -> None:
    data = compose()
    known = {"__".join(path) for path in setting_paths(Settings) if "[]" not in path}
    for secret in data["services"]["bot"]["secrets"]:
        assert secret in data["secrets"]
        assert secret.removeprefix("weerbaar_") in known, secret
    for service in data["services"].values():
        for secret in service.get("secrets", []):
            assert secret in data["secrets"]


# --- systemd ------------------------------------------------------------------------------

UNIT = DEPLOY / "weerbaar.service"


def unit_settings() -> dict[str, dict[str, list[str]]]:
    """Section -> key -> values (keys such as LoadCredential= may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_unit_is_hardened_and_restarts_on_failure() -> None:
    service = {key: values[-1] for key, values in unit_settings()["Service"].items()}
    assert service["User"] not in ("root", "0", "")
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/weerbaar"
    assert service["ProtectHome"] == "yes"
    assert service["PrivateTmp"] == "yes"
    assert service["CapabilityBoundingSet"] == ""
    assert set(service["RestrictAddressFamilies"].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert service["Restart"] == "on-failure"
    assert " run " in service["ExecStart"] + " "
    assert "LoadCredential" in service or "EnvironmentFile" in service
    assert unit_settings()["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_accepts_every_line_of_the_unit(tmp_path: Path) -> None:
    # verify also insists the program exists; the bot is not installed at /opt here.
    unit = tmp_path / "weerbaar.service"
    unit.write_text(re.sub(r"(?m)^ExecStart=.*$", "ExecStart=/bin/true", UNIT.read_text()))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
