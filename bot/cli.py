"""The ``weerbaar`` command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from bot.cli_errors import OneLineErrors
from bot.logs import LogFormat, configure_logging, secret_values
from bot.messages.types import Language  # not bot.i18n: that loads every catalogue
from bot.private_files import make_private_dir, write_private_bytes, write_private_text
from bot.row_ids import row_id

# Every command imports what it needs inside its function: settings (pydantic), the database
# (SQLAlchemy), HTTP (aiohttp) and the rest cost a second of CPU per start, which --help,
# --version and the other commands need not pay (tests/test_cli_start.py keeps it so).
if TYPE_CHECKING:
    from collections import Counter

    from bot.config import LocalSettings, Settings
    from bot.retention.purge import PurgeOutcome
    from bot.storage.db import Database

T = TypeVar("T")
S = TypeVar("S", bound="LocalSettings")

app = typer.Typer(
    cls=OneLineErrors,
    help="Weerbaar: a Matrix bot for an ICT-continuity taskforce.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
playbook_app = typer.Typer(help="Playbook tools.", no_args_is_help=True)
alert_app = typer.Typer(help="Alert tools.", no_args_is_help=True)
supplier_app = typer.Typer(help="Supplier registry.", no_args_is_help=True)
log_app = typer.Typer(help="The append-only decision log.", no_args_is_help=True)
exercise_app = typer.Typer(help="Exercises (oefeningen): scripted scenarios.", no_args_is_help=True)
outbox_app = typer.Typer(help="Messages not (yet) delivered.", no_args_is_help=True)
web_app = typer.Typer(help="The read-only web view.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(log_app, name="log")
app.add_typer(playbook_app, name="playbook")
app.add_typer(alert_app, name="alert")
app.add_typer(supplier_app, name="supplier")
app.add_typer(exercise_app, name="exercise")
app.add_typer(outbox_app, name="outbox")
app.add_typer(web_app, name="web")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML config file (default: $WEERBAAR_CONFIG)"),
]


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"weerbaar {version('weerbaar')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit"
        ),
    ] = False,
) -> None:
    """Weerbaar: a Matrix bot for an ICT-continuity taskforce."""


def _settings(config: Path | None) -> Settings:
    """All settings, for commands that talk to the homeserver or the intake."""
    from bot.config import Settings

    return _load(Settings, config)


def _local_settings(config: Path | None) -> LocalSettings:
    """Only storage, files and presentation: for commands that need no homeserver."""
    from bot.config import LocalSettings

    return _load(LocalSettings, config)


def _load(kind: type[S], config: Path | None) -> S:
    from bot.config import ConfigError, load_settings_as

    try:
        return load_settings_as(kind, config)
    except ConfigError as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(2) from None


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` in a new event loop; asyncio is imported here, not for --help or --version."""
    import asyncio

    return asyncio.run(work)


LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option("--log-format", help="json: one object per line; text: for people"),
]


@app.command()
def run(
    config: ConfigOption = None, verbose: bool = False, log_format: LogFormatOption = None
) -> None:
    """Run the bot against the configured homeserver until stopped (Ctrl-C or SIGTERM)."""
    settings = _settings(config)
    # Loading the whole bot takes over a second: a mistake in the settings is told first.
    from bot.app import StartupError, Weerbaar

    configure_logging(
        log_format or settings.log_format or "json",
        verbose=verbose,
        secrets=secret_values(settings),
    )
    try:
        _run(Weerbaar(settings).run_until_signalled())
    except StartupError as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def sandbox(
    directory: Annotated[
        Path | None,
        typer.Option(help="Keep the sandbox here; a second start reuses its accounts"),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="TOML settings merged over the generated ones (and WEERBAAR_*)"
        ),
    ] = None,
    keep: Annotated[
        bool, typer.Option(help="Keep the temporary folder (with its secrets) after Ctrl-C")
    ] = False,
    playbooks: Annotated[
        Path | None, typer.Option(help="Playbook directory (default: the shipped playbooks)")
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(help="Play this exercise (e.g. forced-exit) with scripted participants"),
    ] = None,
    speed: Annotated[float, typer.Option(help="Exercise acceleration (with --scenario)")] = 60.0,
    smtp_debug: Annotated[
        bool,
        typer.Option(help="Print the mails of the e-mail fallback (degraded mode), never send"),
    ] = False,
    verbose: bool = False,
    log_format: LogFormatOption = None,
) -> None:
    """Start a throwaway local Synapse with the bot and one taskforce user; Ctrl-C stops all."""
    if speed <= 0:
        typer.echo("weerbaar: --speed must be positive", err=True)
        raise typer.Exit(2)
    # After the option checks: loading the sandbox (and with it the bot) takes over a second.
    from bot.config import ConfigError
    from bot.playbooks.shipped import SHIPPED_PLAYBOOKS_DIR
    from bot.sandbox.run import run_sandbox
    from bot.sandbox.synapse import RegistrationError
    from bot.yamlfiles.loader import FileError

    configure_logging(log_format or "text", verbose=verbose)
    playbooks_dir = (playbooks or SHIPPED_PLAYBOOKS_DIR).resolve()
    try:
        _run(run_sandbox(directory, playbooks_dir, scenario, speed, config, keep, smtp_debug))
    except ConfigError as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(2) from None
    except RegistrationError as exc:
        # A homeserver whose accounts were made by an older sandbox without sandbox.json.
        typer.echo(
            f"weerbaar: the homeserver in {directory} refused account {exc}; "
            "start with an empty --directory",
            err=True,
        )
        raise typer.Exit(1) from None
    except (LookupError, FileError) as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Bring the database schema up to date."""
    from bot.storage.migrate import upgrade

    settings = _local_settings(config)
    make_private_dir(settings.data_dir)
    _run(_with_database(settings.database_url, upgrade))
    typer.echo("database is up to date")


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Backup file to write (gzip JSON lines)")],
    recipient: Annotated[
        list[str] | None,
        typer.Option(
            "--recipient",
            "-r",
            help="Encrypt for this age public key (age1…); repeatable",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Write a logical backup of the bot's database; restores on SQLite or PostgreSQL."""
    from bot.storage.backup import BackupError, write_backup
    from bot.storage.backup_encryption import AgeError, recipients

    try:
        keys = recipients(recipient or [])
    except AgeError as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(2) from None
    settings = _local_settings(config)
    try:
        summary = _run(
            _with_database(settings.database_url, lambda db: write_backup(db, file, keys))
        )
    except BackupError as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(1) from None
    sealed = f", encrypted for {len(keys)} recipient(s)" if keys else ""
    typer.echo(
        f"wrote {file}: {summary.total_rows} rows from {len(summary.rows)} tables "
        f"at schema revision {summary.revision}{sealed}"
    )
    if not keys:
        typer.echo(
            f"weerbaar: warning: {file} is not encrypted; encrypt it with --recipient "
            "before it leaves this machine",
            err=True,
        )


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="Backup file written by `weerbaar backup`")],
    identity: Annotated[
        Path | None,
        typer.Option(
            "--identity", "-i", help="age private key file (age-keygen) of an encrypted backup"
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Restore a backup into an empty database (stop the bot first)."""
    from bot.storage.backup import BackupError, restore_backup
    from bot.storage.backup_encryption import AgeError, identities

    try:
        keys = identities(identity) if identity is not None else []
    except AgeError as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(2) from None
    settings = _local_settings(config)
    make_private_dir(settings.data_dir)
    try:
        summary = _run(
            _with_database(settings.database_url, lambda db: restore_backup(db, file, keys))
        )
    except BackupError as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"restored {summary.total_rows} rows at schema revision {summary.revision}; "
        f"the log of all {summary.situations_verified} situation(s) verifies; "
        f"{summary.pending_timers} timer(s) pending"
    )


@app.command()
def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would be purged")
    ] = False,
    force: Annotated[
        str | None,
        typer.Option(
            "--force",
            metavar="REASON",
            help="Purge exercises whose report was never exported anyway; REASON is logged",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Delete closed situations past retention.closed_after_days and exercises past
    retention.exercise_after_days, only if exported since (exercises: or --force REASON)."""
    settings = _local_settings(config)
    closed_days = settings.retention.closed_after_days
    exercise_days = settings.retention.exercise_after_days
    if force is not None and not force.strip():
        typer.echo("weerbaar: --force needs a reason, e.g. --force 'kept on paper'", err=True)
        raise typer.Exit(2)
    if closed_days is None and exercise_days is None:
        typer.echo(
            "retention.closed_after_days and retention.exercise_after_days are not set: "
            "nothing is purged"
        )
        return
    from datetime import UTC, datetime, timedelta

    from bot.retention.exercises import purge_old_exercises
    from bot.retention.purge import purge_closed

    async def _purge(db: Database) -> list[tuple[str, PurgeOutcome]]:
        # Each policy is its own all-or-none transaction: a refusal of one keeps the other.
        now = datetime.now(UTC)
        outcomes = []
        if closed_days is not None:
            async with db.transaction() as session:
                period = timedelta(days=closed_days)
                closed = await purge_closed(session, now, period, dry_run=dry_run)
            outcomes.append(("situation", closed))
        if exercise_days is not None:
            async with db.transaction() as session:
                exercises = await purge_old_exercises(
                    session, now, timedelta(days=exercise_days), dry_run=dry_run, force_reason=force
                )
            outcomes.append(("exercise situation", exercises))
        return outcomes

    refused = False
    for noun, outcome in _run(_with_database(settings.database_url, _purge)):
        refused |= _print_purge(noun, outcome, dry_run)
    if refused:
        raise typer.Exit(1)


def _print_purge(noun: str, outcome: PurgeOutcome, dry_run: bool) -> bool:
    """Print what a purge did, would do or why it refused; True when it refused."""
    if outcome.refused:
        forcible = " or pass --force REASON" if noun.startswith("exercise") else ""
        typer.echo(
            f"weerbaar: no {noun} purged: export these first "
            f"(`weerbaar report ID -o FILE`){forcible}:",
            err=True,
        )
        for candidate in outcome.unexported:
            typer.echo(f"  {candidate.describe()}", err=True)
        return True
    verb = "would purge" if dry_run else "purged"
    for candidate in outcome.candidates:
        typer.echo(f"{verb} {candidate.describe()}")
    if outcome.unexported:
        typer.echo(f"{verb} unexported {noun}(s) anyway, forced: {outcome.forced_reason}")
    rows = ", ".join(f"{table} {count}" for table, count in sorted(outcome.deleted_rows.items()))
    typer.echo(f"{verb} {len(outcome.candidates)} {noun}(s)" + (f"; rows: {rows}" if rows else ""))
    return False


async def _with_database(url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    from bot.storage.db import Database

    db = Database(url)
    try:
        return await work(db)
    finally:
        await db.dispose()


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Argument(help="What the migration changes")],
    revision_id: Annotated[str, typer.Option("--id", help="Revision id, e.g. 0003")],
) -> None:
    """(Developers) Generate a migration from the models against a throwaway SQLite database."""
    import tempfile

    from bot.storage.migrate import new_revision

    with tempfile.TemporaryDirectory() as scratch:
        _run(
            _with_database(
                f"sqlite+aiosqlite:///{scratch}/scratch.db",
                lambda db: new_revision(db, message, revision_id),
            )
        )


@playbook_app.command("validate")
def playbook_validate(
    paths: Annotated[list[Path], typer.Argument(help="Playbook files or directories")],
) -> None:
    """Validate playbooks; prints file:line: field: problem and exits 1 on any error."""
    from bot.playbooks.loader import validate_paths

    issues = validate_paths(paths)
    for issue in issues:
        typer.echo(str(issue), err=True)
    if issues:
        typer.echo(f"{len(issues)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo("all playbooks are valid")


@app.command()
def report(
    situation: Annotated[
        str, typer.Argument(help="Situation (incident) id, or 'fallbacks' for the board's overview")
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help="md, html, json, csv, pdf or odt")
    ] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")
    ] = None,
    lang: Annotated[Language | None, typer.Option(help="nl or en (default: configured)")] = None,
    disclosure: Annotated[
        bool,
        typer.Option(
            "--disclosure",
            help="The version for a Woo request: confidential entries withheld, people "
            "named by role; with -o also OUTPUT.inventory.csv",
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Write the after-action report of a situation, or (``fallbacks``) the overview of the
    fallback options of every vital and critical process (md, html, csv, pdf or odt)."""
    overview = situation.strip().lower() == "fallbacks"
    # Checked before the report code is imported, which takes about a second.
    number = row_id(situation)
    if not overview and number is None:
        typer.echo(f"weerbaar: {situation!r} is neither a situation id nor 'fallbacks'", err=True)
        raise typer.Exit(2)
    if overview and disclosure:
        typer.echo("weerbaar: --disclosure is for a situation's report, not 'fallbacks'", err=True)
        raise typer.Exit(2)
    from bot.reports.cli import write_fallback_report, write_report
    from bot.reports.disclosure import Rendered
    from bot.reports.fallbacks import FALLBACK_FORMATS
    from bot.reports.formats import FORMATS, find_format

    formats = FALLBACK_FORMATS if overview else FORMATS
    fmt = find_format(format)
    if fmt is None or fmt.name not in formats:
        supported = ", ".join(formats)
        typer.echo(f"weerbaar: unknown format {format!r}; supported: {supported}", err=True)
        raise typer.Exit(2)
    settings = _local_settings(config)
    language = lang or settings.language
    try:
        if number is None:  # the overview: a situation's number was checked above
            document = _run(write_fallback_report(settings, FALLBACK_FORMATS[fmt.name], language))
            written = Rendered(document, None)
        else:
            written = _run(write_report(settings, number, fmt, language, disclosure=disclosure))
    except LookupError as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(1) from None
    if output is None:
        sys.stdout.buffer.write(written.document)
        sys.stdout.flush()
        if written.inventory is not None:
            typer.echo("the inventory is in the document; with -o FILE also as CSV", err=True)
        return
    write_private_bytes(output, written.document)
    typer.echo(f"wrote {output}", err=True)
    if written.inventory is not None:
        inventory = output.with_name(output.name + ".inventory.csv")
        write_private_bytes(inventory, written.inventory)
        typer.echo(f"wrote {inventory}", err=True)


@log_app.command("verify")
def log_verify(
    situation: Annotated[
        int | None, typer.Argument(help="Situation id (default: every situation)")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Recompute the hash chains; exit 1 and name the first broken entry on any tampering."""
    from bot.decisionlog.audit import describe_check, verify_situations
    from bot.errors import SituationNotFound

    settings = _local_settings(config)
    try:
        checks = _run(
            _with_database(settings.database_url, lambda db: verify_situations(db, situation))
        )
    except SituationNotFound:
        typer.echo(f"weerbaar: situation {situation} does not exist", err=True)
        raise typer.Exit(1) from None
    for situation_id, check in checks:
        typer.echo(describe_check(situation_id, check))
    if not all(check.intact for _, check in checks):
        raise typer.Exit(1)


@alert_app.command("send")
def alert_send(
    supplier: Annotated[str, typer.Option(help="Supplier concerned")],
    title: Annotated[str, typer.Option(help="One-line summary")],
    severity: Annotated[str, typer.Option(help="S1 (most severe) to S4")] = "S3",
    details: Annotated[str, typer.Option(help="Free-text details")] = "",
    url: Annotated[str | None, typer.Option(help="Intake URL (default: from config)")] = None,
    config: ConfigOption = None,
) -> None:
    """Send a signed alert to the intake, as a monitoring system would."""
    from bot.intake.client import send_alert

    settings = _settings(config)
    intake = settings.intake
    target = url or f"http://{intake.host}:{intake.port}/alerts"
    alert = {"supplier": supplier, "title": title, "severity": severity, "details": details}
    secret = intake.hmac_secret.get_secret_value().encode()
    status, reply = _run(send_alert(target, secret, alert))
    typer.echo(f"{status} {json.dumps(reply, ensure_ascii=False)}")
    if status >= 300:
        raise typer.Exit(1)


@supplier_app.command("import")
def supplier_import(
    file: Annotated[Path, typer.Argument(help="Supplier registry YAML file")],
    config: ConfigOption = None,
) -> None:
    """Validate FILE and make it the supplier registry; prints file:line: field: problem."""
    from bot.suppliers.cli import import_suppliers

    settings = _local_settings(config)
    count, issues = _run(import_suppliers(settings, file))
    for issue in issues:
        typer.echo(str(issue), err=True)
    if issues:
        typer.echo(f"{len(issues)} problem(s) found; the registry is unchanged", err=True)
        raise typer.Exit(1)
    typer.echo(f"imported {count} supplier(s)")


@exercise_app.command("validate")
def exercise_validate(
    paths: Annotated[list[Path], typer.Argument(help="Scenario files or directories")],
    playbooks: Annotated[Path, typer.Option(help="Playbook directory")] = Path("playbooks"),
    registry: Annotated[
        Path | None,
        typer.Option(help="Supplier registry file: what scenarios cover must be in it"),
    ] = None,
) -> None:
    """Validate scenarios against their playbooks; prints file:line: field: problem."""
    from bot.exercises.loader import validate_scenarios
    from bot.playbooks.loader import load_playbook_dir
    from bot.suppliers.file import read_supplier_file
    from bot.yamlfiles.loader import FileError

    try:
        known = load_playbook_dir(playbooks)
    except FileError as exc:
        # One line per problem: the first on the same line as what failed.
        typer.echo(f"weerbaar: the playbooks in {playbooks} are invalid: {exc}", err=True)
        raise typer.Exit(1) from None
    fallback_ids: set[str] | None = None
    if registry is not None:
        registry_file, registry_issues = read_supplier_file(registry)
        if registry_file is None:
            for issue in registry_issues:
                typer.echo(str(issue), err=True)
            typer.echo(f"weerbaar: the supplier registry {registry} is invalid", err=True)
            raise typer.Exit(1)
        fallback_ids = {key for _, _, key, _ in registry_file.fallbacks()}
    issues = validate_scenarios(paths, known, fallback_ids)
    for issue in issues:
        typer.echo(str(issue), err=True)
    if issues:
        typer.echo(f"{len(issues)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo("all scenarios are valid")


@exercise_app.command("run")
def exercise_run(
    scenario: Annotated[str, typer.Argument(help="Scenario name (file stem), id or path")],
    speed: Annotated[float, typer.Option(help="Acceleration: 60 plays a minute per second")] = 1.0,
    player: Annotated[
        list[str] | None,
        typer.Option(help="ROLE=@user:server=TOKEN, a player account (overrides config)"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here (Markdown)")
    ] = None,
    lang: Annotated[Language | None, typer.Option(help="nl or en (default: configured)")] = None,
    config: ConfigOption = None,
) -> None:
    """Play a scenario through the running bot, then write the exercise report."""
    from bot.exercises.cli import configured_players, run_exercise
    from bot.exercises.loader import find_scenario
    from bot.exercises.runner import ExerciseError, PlayerAccount
    from bot.playbooks.loader import load_playbook_dir
    from bot.yamlfiles.loader import FileError

    settings = _settings(config)
    configure_logging(settings.log_format or "text", secrets=secret_values(settings))
    players = configured_players(settings)
    for text in player or []:
        role, _, rest = text.partition("=")
        user_id, _, token = rest.partition("=")
        if not role or not user_id or not token:
            typer.echo(f"weerbaar: --player {text!r}: expected ROLE=@user:server=TOKEN", err=True)
            raise typer.Exit(2)
        players[role] = PlayerAccount(user_id, token)
    if speed <= 0:
        typer.echo("weerbaar: --speed must be positive", err=True)
        raise typer.Exit(2)
    try:
        found = find_scenario(
            scenario, settings.exercise.scenarios_dir, load_playbook_dir(settings.playbooks_dir)
        )
        report_text = _run(run_exercise(settings, found, players, speed, lang or settings.language))
    except (LookupError, FileError, ExerciseError) as exc:
        typer.echo(f"weerbaar: {exc}", err=True)
        raise typer.Exit(1) from None
    if output is None:
        typer.echo(report_text)
    else:
        write_private_text(output, report_text)
        typer.echo(f"wrote {output}", err=True)


@exercise_app.command("purge")
def exercise_purge(config: ConfigOption = None) -> None:
    """Delete every exercise situation with its log, runs, timers and alerts."""
    settings = _local_settings(config)
    # Not bot.exercises.cli: that loads the exercise runner's Matrix client too.
    from bot.clock import SystemClock
    from bot.exercises.purge import purge_exercises

    async def _purge(db: Database) -> Counter[str]:
        async with db.transaction() as session:  # all exercise data or none
            return await purge_exercises(session, clock=SystemClock())

    purged = _run(_with_database(settings.database_url, _purge))
    typer.echo(
        f"purged {purged['situations']} exercise situation(s), {purged['log_entries']} log "
        f"entries, {purged['alerts']} alert(s)"
    )


OutboxIdArgument = Annotated[int, typer.Argument(help="Outbox id, as `weerbaar outbox list` shows")]


@outbox_app.command("list")
def outbox_list(config: ConfigOption = None) -> None:
    """List undelivered messages: dead ones (refused for good) and those still retried."""
    from bot.storage.outbox_admin import undelivered

    rows = _run(_with_database(_local_settings(config).database_url, undelivered))
    if not rows:
        typer.echo("every message is delivered")
    for row in rows:
        state = "dead" if row.dead_at is not None else "retrying"
        typer.echo(
            f"{row.id}\t{state}\t{row.room_id}\tqueued {row.created_at:%Y-%m-%d %H:%M:%S}Z"
            f"\t{row.attempts} attempt(s)\t{row.last_error or ''}"
        )


@outbox_app.command("retry")
def outbox_retry(outbox_id: OutboxIdArgument, config: ConfigOption = None) -> None:
    """Queue a dead message again; the bot tries it at its next poll."""
    from bot.storage.outbox_admin import retry

    if not _run(
        _with_database(_local_settings(config).database_url, lambda db: retry(db, outbox_id))
    ):
        typer.echo(f"weerbaar: no dead message {outbox_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"message {outbox_id} queued again")


@outbox_app.command("drop")
def outbox_drop(outbox_id: OutboxIdArgument, config: ConfigOption = None) -> None:
    """Delete a dead message for good."""
    from bot.storage.outbox_admin import drop

    counts = _run(
        _with_database(_local_settings(config).database_url, lambda db: drop(db, outbox_id))
    )
    if counts is None:
        typer.echo(f"weerbaar: no dead message {outbox_id}", err=True)
        raise typer.Exit(1)
    rows = ", ".join(f"{table}: {count}" for table, count in sorted(counts.items()) if count)
    typer.echo(f"message {outbox_id} dropped ({rows})")


@web_app.command("link")
def web_link(
    user: Annotated[str, typer.Argument(help="Matrix id of a configured taskforce member")],
    config: ConfigOption = None,
) -> None:
    """Print a one-time login link to the web view for ``user`` (for the operator to pass on).

    In chat, ``!web`` sends it to the person directly, which is the usual way.
    """
    from bot.clock import SystemClock
    from bot.commands.access import AccessPolicy
    from bot.web.links import WebViewOff, login_link

    settings = _settings(config)
    access = AccessPolicy(settings.taskforce, settings.coordinators, settings.observers)
    if not access.in_taskforce(user):
        typer.echo(
            f"weerbaar: {user} is not a configured taskforce member or observer "
            "(members only of the taskforce room ask with !web)",
            err=True,
        )
        raise typer.Exit(1)

    async def _link(db: Database) -> str:
        async with db.transaction() as session:
            return await login_link(session, settings.web, user, SystemClock().now())

    try:
        link = _run(_with_database(settings.database_url, _link))
    except WebViewOff:
        typer.echo("weerbaar: the web view is off or has no web.base_url", err=True)
        raise typer.Exit(1) from None
    typer.echo(link)
