"""Every shell command of README.md and deploy/README.md runs here as written.

The commands are read from the Markdown (tests/support/markdown_commands.py), so the documents
cannot drift: each one is either run by a test below, with only the documented
placeholders filled in (each test's ``Placeholders`` table, every entry of which must
be used), or listed in ``ELSEWHERE`` with why it cannot run here and what covers it
instead. A command in neither table fails ``test_every_documented_command_is_covered``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import uuid
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.app import Weerbaar
from bot.config import load_settings
from bot.sandbox.ports import free_port
from bot.sandbox.synapse import ThrowawaySynapse
from tests.support.deploy_files import DEPLOY
from tests.support.first_run import bot_environment, fill_in_config
from tests.support.markdown_commands import Command, inline_commands, shell_commands
from tests.support.matrix_user import MatrixUser, body_of
from tests.support.paths import REPO
from tests.support.postgres import fresh_postgres_database

# Started first on the parallel workers: the commands as written, about 30 s.
pytestmark = pytest.mark.runs_long

DOCUMENTS = (REPO / "README.md", DEPLOY / "README.md")
VENV_BIN = Path(sys.executable).absolute().parent

# The tests that run commands, by the name the tables below use.
FIRST_RUN = "test_the_deploy_first_run_step_by_step"
ACCOUNT = "test_the_production_account_commands_work_on_synapse"
BACKUP = "test_backup_and_restore_as_written"
OFFLINE = "test_the_commands_named_in_the_prose_run_on_a_database"
TABLE = "test_the_command_table_command_prints_the_readme_table"

# deploy/README.md's container steps that the first-run walk-through does in-process.
START_DATABASE = "docker compose up -d postgres synapse"
START_BOT = "docker compose up -d --build bot"

RUN: dict[str, str] = {
    # README.md, "The bot's account and access token" and the rate limits.
    'curl -X POST -H "Authorization: Bearer $ADMIN_TOKEN" "$HOMESERVER/_synapse/admin/v1/users/'
    '@weerbaar:example.org/override_ratelimit" -d \'{"messages_per_second": 0, '
    '"burst_count": 0}\'': ACCOUNT,
    "register_new_matrix_user -c /etc/matrix-synapse/homeserver.yaml --user weerbaar "
    "--no-admin http://localhost:8008": ACCOUNT,
    "curl -s -X POST https://matrix.example.org/_matrix/client/v3/login -H 'Content-Type: "
    'application/json\' -d \'{"type": "m.login.password", "identifier": {"type": '
    '"m.id.user", "user": "weerbaar"}, "password": "...", "device_id": "WEERBAAR", '
    '"initial_device_display_name": "Weerbaar"}\'': ACCOUNT,
    "curl -X POST -H \"Authorization: Bearer $ADMIN_TOKEN\" -H 'Content-Type: application/json' "
    '-d \'{"messages_per_second": 0, "burst_count": 0}\' \'https://matrix.example.org/'
    "_synapse/admin/v1/users/@weerbaar:example.org/override_ratelimit'": ACCOUNT,
    # README.md, "Backup and restore".
    'python -c \'import pyrage; k = pyrage.x25519.Identity.generate(); print("# public key:", '
    "k.to_public()); print(k)' > weerbaar-backup.key": BACKUP,
    "grep 'public key' weerbaar-backup.key": BACKUP,
    "weerbaar backup /var/backups/weerbaar-$(date +%F).jsonl.gz.age --recipient age1publickey "
    "# while the bot runs": BACKUP,
    "weerbaar restore /var/backups/weerbaar-2026-11-23.jsonl.gz.age --identity "
    "weerbaar-backup.key # into an empty database": BACKUP,
    # deploy/README.md, "First run with Compose", in the order of its steps.
    "mkdir -p secrets && chmod 700 secrets": FIRST_RUN,
    "openssl rand -hex 24 > secrets/postgres_password": FIRST_RUN,
    "openssl rand -hex 24 > secrets/synapse_db_password": FIRST_RUN,
    "openssl rand -hex 32 > secrets/weerbaar_intake__hmac_secret": FIRST_RUN,
    "openssl rand -hex 32 > secrets/weerbaar_encryption__pickle_key # back it up with the data": (
        FIRST_RUN
    ),
    'echo "postgresql+asyncpg://weerbaar:$(cat secrets/postgres_password)@postgres/weerbaar" '
    "> secrets/weerbaar_storage__url": FIRST_RUN,
    "touch secrets/weerbaar_matrix__access_token # filled in step 5": FIRST_RUN,
    "docker compose exec synapse register_new_matrix_user -c /data/homeserver.yaml --user "
    "weerbaar --no-admin http://localhost:8008": FIRST_RUN,
    "docker compose exec synapse register_new_matrix_user -c /data/homeserver.yaml --user "
    "alice --admin http://localhost:8008": FIRST_RUN,
    "curl -s -X POST http://127.0.0.1:8008/_matrix/client/v3/login -H 'Content-Type: "
    'application/json\' -d \'{"type": "m.login.password", "identifier": {"type": '
    '"m.id.user", "user": "weerbaar"}, "password": "<the bot password>", "device_id": '
    '"WEERBAAR", "initial_device_display_name": "Weerbaar"}\' | python3 -c \'import json, '
    'sys; print(json.load(sys.stdin)["access_token"])\' > secrets/weerbaar_matrix__access_token': (
        FIRST_RUN
    ),
    'curl -s -X POST http://127.0.0.1:8008/_matrix/client/v3/createRoom -H "Authorization: '
    'Bearer $ALICE_TOKEN" -H \'Content-Type: application/json\' -d \'{"name": "Taskforce", '
    '"preset": "private_chat", "invite": ["@weerbaar:example.org"]}\'': FIRST_RUN,
    "cp weerbaar.example.toml weerbaar.toml": FIRST_RUN,
    'docker compose exec bot weerbaar alert send --supplier Acme --title "Test alert"': FIRST_RUN,
    "docker compose exec bot weerbaar backup /var/lib/weerbaar/backup.jsonl.gz": FIRST_RUN,
    # Commands named in README.md's prose.
    "weerbaar --version": OFFLINE,
    "python -m bot.commands.table": TABLE,
    "weerbaar db upgrade": OFFLINE,
    "weerbaar supplier import examples/suppliers.yaml -c DIR/weerbaar.toml": OFFLINE,
    "weerbaar playbook validate playbooks/": OFFLINE,
    "weerbaar outbox list": OFFLINE,
    "weerbaar log verify": OFFLINE,
    "weerbaar purge": OFFLINE,
    "weerbaar exercise purge": OFFLINE,
    "weerbaar exercise validate playbooks/exercises --registry examples/suppliers.yaml": OFFLINE,
    "weerbaar report fallbacks": OFFLINE,
}

NO_ENGINE = "needs a container engine (the docker client here has none)"
IMAGE_TEST = (
    "tests/test_first_run.py::test_the_image_builds_and_reports_its_version_and_health "
    "where an engine runs; tests/test_deploy.py checks the compose file"
)
NO_AGE = "the age tool is not installed here"
BENCHMARK = "a benchmark: speed is measured in bench/, not asserted in tests"
ROOT = "needs root and writes to the system (/opt, /etc, user accounts)"

# Commands that cannot run here: why, and what covers them instead.
ELSEWHERE: dict[str, tuple[str, str]] = {
    "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/weerbaar sandbox": (
        "installs from PyPI, and the sandbox runs until Ctrl-C",
        "tests/test_sandbox_cli.py starts `weerbaar sandbox` of this venv and stops it with "
        "SIGINT; .ci/run does the install",
    ),
    "bash .ci/run": ("it is the CI run, which runs this test", "CI itself"),
    "weerbaar web link @alice:example.org": (
        "needs a full config with the web view on (matrix, intake, taskforce, web)",
        "tests/test_web_cli.py runs `weerbaar web link` on such a config",
    ),
    "python3 -m venv /opt/weerbaar && /opt/weerbaar/bin/pip install .": (
        ROOT + "; installs from PyPI",
        "tests/test_sandbox_cli.py::test_wheel_ships_the_playbooks builds the package",
    ),
    "useradd --system --home-dir /var/lib/weerbaar --shell /usr/sbin/nologin weerbaar": (
        ROOT,
        "tests/test_deploy.py::test_the_unit_is_hardened_and_restarts_on_failure (its User=)",
    ),
    "install -m 0644 deploy/weerbaar.service /etc/systemd/system/": (
        ROOT,
        "tests/test_deploy.py::test_systemd_accepts_every_line_of_the_unit",
    ),
    "install -d -m 0750 -g weerbaar /etc/weerbaar && install -d -m 0700 "
    "/etc/weerbaar/credentials": (
        ROOT,
        "tests/test_deploy.py::test_settings_come_from_secret_files_named_like_the_environment_"
        "variables (the credentials directory)",
    ),
    "install -m 0640 -g weerbaar deploy/weerbaar.example.toml /etc/weerbaar/weerbaar.toml": (
        ROOT,
        "tests/test_deploy.py::test_the_example_as_shipped_loads_with_secrets_from_the_environment",
    ),
    "systemctl daemon-reload && systemctl enable --now weerbaar": (
        "needs root and a running systemd",
        "tests/test_deploy.py::test_systemd_accepts_every_line_of_the_unit",
    ),
    "docker compose run --rm -e SYNAPSE_SERVER_NAME=example.org -e SYNAPSE_REPORT_STATS=no "
    "synapse generate": (NO_ENGINE, "the test Synapse (bot/sandbox/synapse.py) stands in"),
    START_DATABASE: (
        NO_ENGINE,
        f"{FIRST_RUN} uses the test Synapse and a new database on the test PostgreSQL",
    ),
    'docker compose ps # wait until both are "healthy"': (NO_ENGINE, IMAGE_TEST),
    START_BOT: (
        NO_ENGINE,
        f"{FIRST_RUN} starts the bot in-process with the image's and compose file's "
        "environment and secrets; the image itself: " + IMAGE_TEST,
    ),
    'docker compose ps # bot becomes "healthy"': (NO_ENGINE, IMAGE_TEST),
    "docker compose logs -f bot # one JSON object per line": (
        NO_ENGINE,
        "tests/test_logs.py (the JSON log lines)",
    ),
    "docker compose up -d": (NO_ENGINE, IMAGE_TEST),
    "age-keygen -o weerbaar-backup.key": (
        NO_AGE,
        f"{BACKUP} makes the same key file with the pyrage line documented next to it",
    ),
    "rsync /var/backups/weerbaar-$(date +%F).jsonl.gz.age backup@offsite.example.org:weerbaar/": (
        "needs a second machine to copy to",
        f"{BACKUP} restores the file as written; a copy of it is the same bytes",
    ),
    "age -d -i weerbaar-backup.key /var/backups/weerbaar-2026-11-23.jsonl.gz.age | gunzip "
    "| head -1": (
        NO_AGE,
        "tests/test_backup.py::test_an_encrypted_backup_restores_with_the_same_chain_heads "
        "decrypts the file with pyrage (the same age format) and reads its header",
    ),
    "docker compose cp bot:/var/lib/weerbaar/backup.jsonl.gz .": (
        NO_ENGINE,
        f"{FIRST_RUN} finds the backup in the volume's directory",
    ),
    "docker build -f deploy/Dockerfile -t weerbaar .": (NO_ENGINE, IMAGE_TEST),
    # Named in README.md's prose.
    "/full/path/to/.venv/bin/weerbaar alert send -c <sandbox>/weerbaar.toml --supplier Acme "
    "--title Outage": (
        "the sandbox prints it with its own path and directory",
        "tests/test_sandbox_cli.py::test_second_start_in_the_same_directory_reuses_the_accounts",
    ),
    "weerbaar run": (
        "runs until stopped",
        "tests/support/bot_process.py starts the same command as `python -m bot run -c FILE` for "
        "tests/test_faults.py and tests/test_ha_encryption.py",
    ),
    "weerbaar sandbox": (
        "runs until Ctrl-C",
        "tests/test_sandbox_cli.py::test_temporary_directory_is_removed_and_shipped_playbooks_"
        "are_used",
    ),
    "weerbaar sandbox --smtp-debug": (
        "runs until Ctrl-C; its mails appear only in an outage",
        "tests/test_degraded_fallback.py::test_smtp_debug_prints_the_mails_to_made_up_addresses "
        "(the settings and printer it uses) and tests/test_degraded_mode.py (the outage)",
    ),
    "weerbaar outbox retry ID": (
        "needs a message Synapse refused for good",
        "tests/test_outbox_dead_letters.py",
    ),
    "weerbaar outbox drop ID": (
        "needs a message Synapse refused for good",
        "tests/test_outbox_dead_letters.py",
    ),
    "weerbaar report": (
        "names the verb; a situation id is needed (see the command table)",
        "tests/test_retention.py and tests/test_cli_offline.py run it",
    ),
    "weerbaar exercise run": (
        "names the verb; needs a running bot and players",
        "tests/test_exercise_runs.py",
    ),
    "python -m bot.intake.openapi": (
        "rewrites bot/intake/openapi.json in the source tree",
        "tests/test_intake_formats.py::test_the_served_openapi_document_is_the_file_and_lists_"
        "every_route (the file is what it writes)",
    ),
    "journalctl -u weerbaar -o cat | jq 'select(.request_id == \"$abc...\")'": (
        "needs the systemd journal",
        "tests/test_logs.py (request_id in every JSON line)",
    ),
    "pip install .": (
        "installs from PyPI",
        "tests/test_sandbox_cli.py::test_wheel_ships_the_playbooks builds the package",
    ),
    **{
        benchmark: (BENCHMARK, "run by hand; .ci/run lints bench/")
        for benchmark in [
            ".venv/bin/python bench/transport.py [N]",
            "python -m bench.p1_webhook_latency [--requests N] [--concurrency 200]",
            "python -m bench.p4_storm [--alerts 10000] [--seconds 15]",
            "python bench/transport.py [N]",
            "python bench/bench_playbooks.py",
            "python bench/report_export.py",
            "python -m bench.web_render",
            "python -m bench.web_render [--situations 200] [--entries 10000]",
        ]
    },
}


def documented() -> list[Command]:
    """Every command of the two READMEs, code blocks and prose, in document order."""
    return [
        command
        for path in DOCUMENTS
        for command in sorted(
            shell_commands(path, REPO) + inline_commands(path, REPO),
            key=lambda command: command.line,
        )
    ]


def commands_of(test: str) -> list[Command]:
    """The documented commands ``test`` runs, in document order."""
    return [command for command in documented() if RUN.get(command.key) == test]


def test_every_documented_command_is_covered() -> None:
    keys = [command.key for command in documented()]
    uncovered = [
        f"{command.document}:{command.line}: {command.key}"
        for command in documented()
        if command.key not in RUN and command.key not in ELSEWHERE
    ]
    assert not uncovered, "commands no test runs nor ELSEWHERE lists:\n" + "\n".join(uncovered)
    stale = [key for key in [*RUN, *ELSEWHERE] if key not in keys]
    assert not stale, f"table entries for commands no README has: {stale}"
    assert not set(RUN) & set(ELSEWHERE)


def test_what_covers_a_command_elsewhere_exists() -> None:
    for key, (_, covered_by) in ELSEWHERE.items():
        for module, name in re.findall(r"(tests/\w+\.py)(?:::(\w+))?", covered_by):
            source = (REPO / module).read_text()
            assert not name or f"def {name}(" in source, f"{key}: no {module}::{name}"
    functions = {name for name in globals() if name.startswith("test_")}
    assert set(RUN.values()) <= functions


class Placeholders:
    """The documented placeholders and what they are here; each one must be used."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.used: set[str] = set()

    def fill_in(self, text: str) -> str:
        """``text`` with every placeholder replaced by its value here."""
        for placeholder, value in self.table.items():
            if placeholder in text:
                self.used.add(placeholder)
                text = text.replace(placeholder, value)
        return text

    def assert_all_used(self) -> None:
        """Fails for table entries no command had: the documents changed under them."""
        assert self.used == set(self.table), f"unused: {set(self.table) - self.used}"


def shell_environment(**extra: str) -> dict[str, str]:
    """An operator's shell: this venv's commands first, no WEERBAAR_* of the test run.

    The commands import ``bot`` from this checkout, also where the venv's editable
    install points at another one.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("WEERBAAR_") and name != "CREDENTIALS_DIRECTORY"
    }
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


async def run_as_written(
    command: Command,
    placeholders: Placeholders,
    cwd: Path,
    env: dict[str, str],
    answers: str = "",
) -> str:
    """Run ``command`` with ``sh -e`` after filling in its placeholders; returns stdout.

    ``answers`` go to its standard input. It runs in a session of its own, without a
    controlling terminal, so a password prompt reads them from there.
    """
    text = placeholders.fill_in(command.text)
    process = await asyncio.create_subprocess_exec(
        "sh",
        "-e",
        "-c",
        text,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    out, err = await process.communicate(answers.encode())
    assert process.returncode == 0, (
        f"{command.document}:{command.line} exits {process.returncode}:\n{text}\n"
        f"{out.decode()}{err.decode()}"
    )
    return out.decode()


def password_answers(password: str) -> str:
    """What register_new_matrix_user asks: the password, then again to confirm it."""
    return f"{password}\n{password}\n"


async def test_the_deploy_first_run_step_by_step(
    synapse: ThrowawaySynapse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fresh account names: the test homeserver is shared by the whole session.
    suffix = uuid.uuid4().hex[:8]
    bot_name, alice_name = f"weerbaar-{suffix}", f"alice-{suffix}"
    bot_id, alice_id = synapse.user_id(bot_name), synapse.user_id(alice_name)
    bot_password, alice_password = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    deploy_dir = tmp_path / "deploy"
    shutil.copytree(DEPLOY, deploy_dir, ignore=shutil.ignore_patterns("secrets"))
    (deploy_dir / "weerbaar-data").mkdir()  # the named volume
    port = free_port()
    placeholders = Placeholders(
        {
            # The container's commands run here, in its environment mapped onto deploy_dir.
            "docker compose exec synapse ": "",
            "docker compose exec bot ": "",
            "/data/homeserver.yaml": str(synapse.config_path),
            "http://localhost:8008": synapse.url,
            "http://127.0.0.1:8008": synapse.url,
            "--user weerbaar ": f"--user {bot_name} ",
            "--user alice ": f"--user {alice_name} ",
            '"user": "weerbaar"': f'"user": "{bot_name}"',
            "<the bot password>": bot_password,
            "@weerbaar:example.org": bot_id,
            "/var/lib/weerbaar": str(deploy_dir / "weerbaar-data"),
        }
    )
    bot_env = bot_environment(deploy_dir, synapse.url, port)
    env = shell_environment(**bot_env)
    room_id = ""
    alice: MatrixUser | None = None
    async with AsyncExitStack() as stack:
        for command in [c for c in documented() if c.document == "deploy/README.md"]:
            if command.key == START_DATABASE:
                written = (deploy_dir / "secrets/weerbaar_storage__url").read_text()
                assert written.startswith("postgresql+asyncpg://weerbaar:")
                url = await stack.enter_async_context(fresh_postgres_database("weerbaar_deploy"))
                (deploy_dir / "secrets/weerbaar_storage__url").write_text(url + "\n")
            elif command.key == START_BOT:
                for name in list(os.environ):
                    if name.startswith("WEERBAAR_") or name == "CREDENTIALS_DIRECTORY":
                        monkeypatch.delenv(name)
                for name, value in bot_env.items():
                    monkeypatch.setenv(name, value)
                bot = Weerbaar(load_settings())
                await bot.start()
                stack.push_async_callback(bot.stop)
                await bot.sync.synced.wait()
                assert bot.client.nio.device_id == "WEERBAAR"
                account = await synapse.login(alice_name, alice_password)
                alice = MatrixUser(synapse.url, account)
                await alice.start()
                stack.push_async_callback(alice.close)
            elif command.key in ELSEWHERE:
                continue
            else:
                assert RUN[command.key] == FIRST_RUN
                if "createRoom" in command.key:
                    login = await synapse.login(alice_name, alice_password)
                    env["ALICE_TOKEN"] = login.access_token
                answers = ""
                if "register_new_matrix_user" in command.key:
                    is_bot = "--user weerbaar " in command.key
                    answers = password_answers(bot_password if is_bot else alice_password)
                out = await run_as_written(command, placeholders, deploy_dir, env, answers)
                if "createRoom" in command.key:
                    room_id = json.loads(out)["room_id"]
                if command.key == "cp weerbaar.example.toml weerbaar.toml":
                    # The step's manual edit, with this homeserver's names.
                    fill_in_config(deploy_dir, [alice_id], bot_id, room_id)
                if "alert send" in command.key:
                    assert alice is not None, "the bot runs before an alert is sent"
                    assert "accepted" in out
                    await alice.wait_for(room_id, lambda event: "Test alert" in body_of(event))
                if "weerbaar backup" in command.key:
                    assert (deploy_dir / "weerbaar-data/backup.jsonl.gz").is_file()
    placeholders.assert_all_used()
    assert (deploy_dir / "weerbaar-data/crypto").is_dir()


async def test_the_production_account_commands_work_on_synapse(
    synapse: ThrowawaySynapse, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    bot_name, password = f"weerbaar-{suffix}", secrets.token_urlsafe(16)
    admin = await synapse.register(f"admin-{suffix}", admin=True)
    placeholders = Placeholders(
        {
            "/etc/matrix-synapse/homeserver.yaml": str(synapse.config_path),
            "http://localhost:8008": synapse.url,
            "https://matrix.example.org": synapse.url,
            "--user weerbaar ": f"--user {bot_name} ",
            '"user": "weerbaar"': f'"user": "{bot_name}"',
            '"password": "..."': f'"password": "{password}"',
            "@weerbaar:example.org": synapse.user_id(bot_name),
        }
    )
    env = shell_environment(ADMIN_TOKEN=admin.access_token, HOMESERVER=synapse.url)
    commands = commands_of(ACCOUNT)
    # Their sections' order, not the document's: the rate-limit sections (two, in
    # Reliability and in Homeserver settings) need the account the next section creates.
    (register,) = [c for c in commands if c.key.startswith("register_new_matrix_user")]
    (login,) = [c for c in commands if "/login" in c.key]
    overrides = [c for c in commands if "override_ratelimit" in c.key]
    assert len(overrides) == 2
    out = await run_as_written(register, placeholders, tmp_path, env, password_answers(password))
    assert "Success!" in out
    session = json.loads(await run_as_written(login, placeholders, tmp_path, env))
    assert session["device_id"] == "WEERBAAR"
    assert session["user_id"] == synapse.user_id(bot_name)
    for override in overrides:
        reply = json.loads(await run_as_written(override, placeholders, tmp_path, env))
        assert reply == {"messages_per_second": 0, "burst_count": 0}
    placeholders.assert_all_used()


async def test_backup_and_restore_as_written(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    today = await run_stdout(["date", "+%F"], shell_environment())
    placeholders = Placeholders({"/var/backups": str(backups), "2026-11-23": today.strip()})
    live = shell_environment(WEERBAAR_STORAGE__URL=f"sqlite+aiosqlite:///{tmp_path}/live.db")
    await run_stdout(["weerbaar", "db", "upgrade"], live)
    empty = shell_environment(WEERBAAR_STORAGE__URL=f"sqlite+aiosqlite:///{tmp_path}/new.db")
    keygen, show_key, backup, restore = commands_of(BACKUP)
    await run_as_written(keygen, placeholders, tmp_path, live)
    public_key = (await run_as_written(show_key, placeholders, tmp_path, live)).split()[-1]
    assert public_key.startswith("age1"), public_key
    placeholders.table["age1publickey"] = public_key
    await run_as_written(backup, placeholders, tmp_path, live)
    [written] = backups.iterdir()
    assert written.read_bytes().startswith(b"age-encryption.org/v1\n")
    out = await run_as_written(restore, placeholders, tmp_path, empty)
    placeholders.assert_all_used()
    assert (tmp_path / "new.db").is_file(), out


async def run_stdout(argv: list[str], env: dict[str, str]) -> str:
    """Set-up outside the documents: run ``argv`` and return its output; it must succeed."""
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_the_commands_named_in_the_prose_run_on_a_database(tmp_path: Path) -> None:
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    (sandbox / "weerbaar.toml").write_text(
        f'[storage]\nurl = "sqlite+aiosqlite:///{sandbox}/weerbaar.db"\n'
    )
    placeholders = Placeholders({"DIR/": f"{sandbox}/"})
    # Only storage is configured: these commands need no homeserver, intake or pickle key.
    env = shell_environment(
        WEERBAAR_STORAGE__URL=f"sqlite+aiosqlite:///{tmp_path}/weerbaar.db",
        WEERBAAR_DATA_DIR=str(tmp_path / "data"),
    )
    commands = {command.key: command for command in commands_of(OFFLINE)}
    # The database is created first, as an operator does before the commands that read it.
    order = ["weerbaar db upgrade", *[key for key in commands if key != "weerbaar db upgrade"]]
    outputs = {}
    for key in order:
        # From the repository root, where examples/ and playbooks/ are.
        outputs[key] = await run_as_written(commands[key], placeholders, REPO, env)
    placeholders.assert_all_used()
    assert outputs["weerbaar --version"].startswith("weerbaar ")
    assert (
        "imported 2 supplier(s)"
        in outputs["weerbaar supplier import examples/suppliers.yaml -c DIR/weerbaar.toml"]
    )
    assert "all playbooks are valid" in outputs["weerbaar playbook validate playbooks/"]
    assert "nothing is purged" in outputs["weerbaar purge"]
    assert "purged 0 exercise situation(s)" in outputs["weerbaar exercise purge"]
    validated = "weerbaar exercise validate playbooks/exercises --registry examples/suppliers.yaml"
    assert "all scenarios are valid" in outputs[validated]
    # After the import above: the example registry's overdue manual bank run is listed.
    overview = outputs["weerbaar report fallbacks"]
    assert overview.startswith("# Terugvalopties van vitale en kritieke processen")
    assert "| VERLOPEN | 2025-03-01 geslaagd |" in overview


def test_the_command_table_command_prints_the_readme_table() -> None:
    """The README names the command that writes its chat-command table: run as written
    (with this venv's python), it prints exactly the table the README holds."""
    command = "python -m bot.commands.table".replace("python", str(VENV_BIN / "python"), 1)
    printed = subprocess.run(
        command.split(), capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    assert printed.strip() and printed.strip() in (REPO / "README.md").read_text()
