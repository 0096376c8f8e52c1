"""Settings: a TOML config file plus ``WEERBAAR_*`` environment variables.

Environment variables win over the file; nested fields use a double underscore,
e.g. ``WEERBAAR_MATRIX__ACCESS_TOKEN``. Secrets are ``SecretStr`` so they never
appear in reprs or logs.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NestedSecretsSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.config_sources import IndexedList, MergedSettingsSource, UnreadableSource
from bot.i18n import Language
from bot.playbooks.durations import format_duration, parse_duration

CONFIG_ENV_VAR = "WEERBAAR_CONFIG"
# The database URL schemes with an installed async driver.
DATABASE_SCHEMES = ("postgresql+asyncpg", "sqlite+aiosqlite")
S = TypeVar("S", bound="LocalSettings")
# Directories of secret files named like the environment variables, one value per file
# (e.g. ``weerbaar_matrix__access_token``): Docker/Compose secrets in /run/secrets, and
# systemd's LoadCredential= directory, which systemd names in $CREDENTIALS_DIRECTORY.
SECRETS_DIR_ENV_VARS = ("WEERBAAR_SECRETS_DIR", "CREDENTIALS_DIRECTORY")
# Values below the config file, set only while ``load_settings_as`` builds settings (the
# sandbox's generated settings); a context variable because pydantic-settings builds its
# sources in a classmethod that takes no arguments of ours.
_DEFAULTS: ContextVar[Mapping[str, Any] | None] = ContextVar("settings_defaults", default=None)


def _duration_or_none(value: object) -> object:
    if not isinstance(value, str):
        return value
    duration = parse_duration(value)
    if duration <= timedelta(0):
        raise ValueError("must be longer than 0m (leave it out to never expect contact)")
    return duration


# How often a source must be heard from, written like playbook durations (``15m``, ``1h``).
ExpectEvery = Annotated[
    timedelta | None,
    BeforeValidator(_duration_or_none),
    PlainSerializer(lambda v: None if v is None else format_duration(v)),
    Field(
        description="Post a notice when nothing (alert, resolve, heartbeat) arrived for this "
        "long, e.g. '15m' (none: never)",
    ),
]


class MatrixSettings(BaseModel):
    """How the bot reaches its homeserver."""

    model_config = {"extra": "forbid"}

    homeserver: str = Field(
        description="Base URL of the homeserver, e.g. https://matrix.example.org"
    )
    user_id: str = Field(description="The bot's full Matrix id, e.g. @weerbaar:example.org")
    access_token: SecretStr | None = Field(
        default=None, description="Access token of the bot's device (preferred in production)"
    )
    password: SecretStr | None = Field(
        default=None, description="Password; used to log in with device_id when no token is set"
    )
    device_id: str = Field(default="WEERBAAR", description="Fixed device id of the bot")
    coordination_room: str = Field(description="Room id of the taskforce's coordination room")

    @field_validator("user_id")
    @classmethod
    def _looks_like_user_id(cls, value: str) -> str:
        if not (value.startswith("@") and ":" in value):
            raise ValueError("must look like @name:server")
        return value

    @model_validator(mode="after")
    def _needs_credentials(self) -> MatrixSettings:
        if self.access_token is None and self.password is None:
            raise ValueError("set either access_token or password")
        return self


class DegradedSettings(BaseModel):
    """When the bot counts the homeserver as down, and how it mails meanwhile."""

    model_config = {"extra": "forbid"}

    after_seconds: int = Field(
        default=120,
        ge=1,
        description="Enter degraded mode after sync and deliveries failed without an answer "
        "from the homeserver for this long",
    )
    batch_seconds: int = Field(
        default=60,
        ge=0,
        description="At most one mail per recipient per this many seconds in degraded mode",
    )


class EmailRecipient(BaseModel):
    """A taskforce member's address for the e-mail fallback."""

    model_config = {"extra": "forbid"}

    user_id: str = Field(description="The member's Matrix id (one of `taskforce`)")
    address: str = Field(description="E-mail address outside the platform Matrix runs on")
    language: Language = Field(default="nl", description="Language of the member's mails")

    @field_validator("address")
    @classmethod
    def _looks_like_address(cls, value: str) -> str:
        local, _, domain = value.partition("@")
        if not local or "." not in domain or any(c.isspace() for c in value):
            raise ValueError(f"not an e-mail address: {value!r}")
        return value


class EmailSettings(BaseModel):
    """The SMTP server of the e-mail fallback (none configured: no fallback)."""

    model_config = {"extra": "forbid"}

    host: str = Field(description="SMTP server")
    port: int = Field(default=587, ge=1, le=65535, description="SMTP port")
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (port 587), tls (implicit TLS, port 465) or none (tests only)",
    )
    username: str | None = Field(default=None, description="SMTP login; none: no authentication")
    password: SecretStr | None = Field(default=None, description="SMTP password")
    from_address: str = Field(description="Sender address of the mails")
    recipients: IndexedList[EmailRecipient] = Field(
        default_factory=list, description="Taskforce members' addresses and languages"
    )

    @model_validator(mode="after")
    def _password_with_username(self) -> EmailSettings:
        if self.username is not None and self.password is None:
            raise ValueError("username needs a password (WEERBAAR_EMAIL__PASSWORD)")
        return self


# Alertmanager sends a group's alerts in one webhook call, at most ``max_alerts`` of them
# (the README has receivers set it to this, and the format model refuses more).
ALERTMANAGER_MAX_ALERTS = 1000
# A realistic Alertmanager alert is about 450 bytes of JSON; 2 KiB leaves room for long
# annotations and many labels, so a full group is never refused for its size alone.
ALERTMANAGER_BYTES_PER_ALERT = 2 * 1024


class AlertSourceSettings(BaseModel):
    """One monitoring system that posts alerts to its own intake route."""

    model_config = {"extra": "forbid"}

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$",
        description="Source name: the route is /alerts/<kind>/<name>, alerts are marked with it",
    )
    kind: Literal["generic", "alertmanager", "pagerduty"] = Field(
        description="Payload format: Weerbaar's generic JSON, Alertmanager v4, PagerDuty Events v2"
    )
    auth: Literal["hmac", "bearer"] = Field(
        description="hmac: X-Weerbaar-Timestamp/-Signature headers; bearer: Authorization header"
    )
    secret: SecretStr = Field(description="HMAC key or bearer token of this source")
    supplier: str | None = Field(
        default=None, description="Fixed supplier for every alert of this source"
    )
    supplier_label: str = Field(
        default="supplier",
        description="Label (Alertmanager) or custom detail/payload field (PagerDuty) naming "
        "the supplier, used when no fixed supplier is set",
    )
    require_known_supplier: bool = Field(
        default=False, description="Refuse (422) alerts for suppliers not in the registry"
    )
    max_body_bytes: int | None = Field(
        default=None,
        gt=0,
        description="Largest accepted body; default: intake.max_body_bytes, and for "
        "alertmanager at least 1,000 alerts x 2 KiB (2048000)",
    )
    expect_every: ExpectEvery = None

    def body_limit(self, intake_limit: int) -> int:
        """The largest body this source may send, given ``intake.max_body_bytes``."""
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        if self.kind == "alertmanager":
            return max(intake_limit, ALERTMANAGER_MAX_ALERTS * ALERTMANAGER_BYTES_PER_ALERT)
        return intake_limit


class IntakeSettings(BaseModel):
    """The HTTP intake for alerts."""

    model_config = {"extra": "forbid"}

    host: str = Field(default="127.0.0.1", description="Address the HTTP intake listens on")
    port: int = Field(default=8470, ge=0, le=65535, description="Port (0 picks a free one)")
    hmac_secret: SecretStr = Field(description="Shared secret for the HMAC-SHA256 signature")
    max_body_bytes: int = Field(default=256 * 1024, gt=0, description="Largest accepted body")
    read_timeout_seconds: float = Field(
        default=10, gt=0, description="The whole body must arrive within this time, else 408"
    )
    max_clock_skew_seconds: int = Field(
        default=300, gt=0, description="Signed requests older or newer than this are refused"
    )
    sources: IndexedList[AlertSourceSettings] = Field(
        default_factory=list, description="Monitoring systems with their own route and secret"
    )
    expect_every: ExpectEvery = None  # of the default source ``generic`` (POST /alerts)
    heartbeat_check_seconds: float = Field(
        default=60, gt=0, description="How often the bot looks for sources that fell silent"
    )

    @field_validator("sources")
    @classmethod
    def _unique_source_names(cls, value: list[AlertSourceSettings]) -> list[AlertSourceSettings]:
        _refuse_duplicate_names("source", [source.name for source in value])
        return value


class WebSettings(BaseModel):
    """The read-only web view of the situational picture, served beside the intake."""

    model_config = {"extra": "forbid"}

    enabled: bool = Field(default=False, description="Serve the web view on the intake's server")
    base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^?#]*[^/?#]$",
        description="Public address of the intake server (no trailing slash), for login links",
    )
    path_prefix: str = Field(
        default="/web",
        pattern=r"^(/[A-Za-z0-9._~-]+)+$",
        description="Path under which the web view is served",
    )
    link_minutes: int = Field(default=5, gt=0, le=60, description="A login link is valid this long")
    session_hours: int = Field(default=12, gt=0, le=24, description="A web session lasts this long")
    poll_seconds: float = Field(
        default=2, gt=0, description="How often the live picture looks for changes"
    )

    @property
    def secure_cookie(self) -> bool:
        """Whether the session cookie is ``Secure``: when the public address uses TLS."""
        return bool(self.base_url and self.base_url.startswith("https://"))


class AlertSettings(BaseModel):
    """How alerts are shown in the coordination room."""

    model_config = {"extra": "forbid"}

    group_window_seconds: int = Field(
        default=60,
        ge=0,
        description="After an alert is posted, further alerts for the same supplier within "
        "this window are posted as one summary (0 posts every alert)",
    )


class LauweFaseSettings(BaseModel):
    """Check-ins in the lauwe fase and the rules that make the bot propose escalation."""

    model_config = {"extra": "forbid"}

    checkin_interval_minutes: int = Field(
        default=240, gt=0, description="A situation in the lauwe fase is checked in on this often"
    )
    checkin_grace_minutes: int = Field(
        default=60, gt=0, description="No update this long after a check-in: one reminder"
    )
    propose_min_severity: Literal["S1", "S2", "S3", "S4"] | None = Field(
        default="S1", description="An alert this severe or worse proposes escalation (none: off)"
    )
    propose_alert_count: int = Field(
        default=5, ge=0, description="This many alerts for the supplier propose escalation (0: off)"
    )
    propose_alert_hours: float = Field(default=4, gt=0, description="... within this many hours")
    propose_on_vital: bool = Field(
        default=True, description="A supplier a vital process depends on proposes escalation"
    )


# Shortest interval each source's etiquette allows: the KEV catalogue, BODACC and GLEIF
# change a few times a day at most, so polling them more often only costs the publisher;
# an 8-K is news within the hour.
INTERVAL_FLOOR_SECONDS = {"cisa_kev": 3600.0, "bodacc": 3600.0, "gleif": 3600.0, "sec_edgar": 600.0}


class PollerSettings(BaseModel):
    """A feed the bot polls for alerts: status pages, RSS/Atom, advisories and notices."""

    model_config = {"extra": "forbid"}

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", description="Poller name; its alerts' source"
    )
    kind: Literal["statuspage", "rss", "csaf", "cisa_kev", "bodacc", "sec_edgar", "gleif"] = Field(
        description="statuspage: Atlassian /api/v2/summary.json; rss: RSS or Atom; "
        "csaf: a CSAF 2.0 provider-metadata.json; cisa_kev: the CISA Known Exploited "
        "Vulnerabilities JSON catalogue; bodacc: the BODACC annonces-commerciales records API; "
        "sec_edgar: the EDGAR submissions directory; gleif: the GLEIF API v1"
    )
    url: str = Field(pattern=r"^https?://", description="What to fetch")
    supplier: str | None = Field(
        default=None,
        max_length=200,
        description="Supplier of every alert (statuspage, rss), a registry name or alias; "
        "the other kinds match the registry",
    )
    contact: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[^\r\n()]+$",
        description="Contact (e-mail or URL) added to the User-Agent, as publishers ask",
    )
    interval_seconds: float = Field(default=300, ge=1, description="Time between polls")
    timeout_seconds: float = Field(default=10, gt=0, description="Longest wait for one fetch")
    max_bytes: int = Field(default=2 * 1024 * 1024, gt=0, description="Largest accepted body")
    severity: Literal["S1", "S2", "S3", "S4"] = Field(
        default="S3", description="Severity of alerts from RSS/Atom entries"
    )
    max_advisories: int = Field(
        default=20, gt=0, description="CSAF: advisories fetched per poll (the rest next poll)"
    )
    max_pages: int = Field(
        default=10, gt=0, le=100, description="BODACC: pages of 100 notices fetched per poll"
    )
    expect_every: ExpectEvery = None  # counts successful polls

    @model_validator(mode="after")
    def _supplier_where_needed(self) -> PollerSettings:
        if self.kind in ("statuspage", "rss") and not self.supplier:
            raise ValueError(f"a {self.kind} poller needs a supplier")
        # SEC's fair-access policy refuses requests whose User-Agent names no contact.
        if self.kind == "sec_edgar" and not self.contact:
            raise ValueError("a sec_edgar poller needs a contact (SEC asks for one)")
        return self

    @model_validator(mode="after")
    def _interval_floor(self) -> PollerSettings:
        floor = INTERVAL_FLOOR_SECONDS.get(self.kind)
        if floor is None or self.interval_seconds >= floor:
            return self
        if "interval_seconds" not in self.model_fields_set:
            self.interval_seconds = floor  # the general default is too often for this source
            return self
        raise ValueError(f"a {self.kind} poller polls at most every {floor:g} s")


class StorageSettings(BaseModel):
    """Where the bot keeps its state."""

    model_config = {"extra": "forbid"}

    url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default sqlite+aiosqlite in the data directory",
    )
    auto_upgrade: bool = Field(default=True, description="Run database migrations on start")

    @field_validator("url")
    @classmethod
    def _usable_url(cls, value: str | None) -> str | None:
        # Checked here, not when the engine is made: there a URL without an installed
        # async driver or with a bad port raised a traceback. The message never shows the
        # URL, which holds the database password.
        if value is None:
            return value
        scheme, separator, _ = value.partition("://")
        if scheme not in DATABASE_SCHEMES:
            use = " or ".join(f"{known}://…" for known in DATABASE_SCHEMES)
            # Only a scheme is shown: a value that is no URL at all may be anything.
            looks_like_one = separator and re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme)
            shown = f"{scheme}://…" if looks_like_one else "a value that is no URL"
            raise ValueError(f"use {use}, not {shown}")
        try:
            _ = urlsplit(value).port
        except ValueError:
            # Not the parser's message: it quotes the port, or a password misread as one.
            raise ValueError("the port must be a number from 0 to 65535") from None
        return value


class HaSettings(BaseModel):
    """Active/passive operation of two instances on one PostgreSQL database."""

    model_config = {"extra": "forbid"}

    retry_seconds: float = Field(
        default=2.0, gt=0, description="How often a passive instance tries to become active"
    )
    check_seconds: float = Field(
        default=2.0, gt=0, description="How often the active instance checks it still is"
    )


class PlaybookSettings(BaseModel):
    """How playbook runs remind people of overdue steps and decisions."""

    model_config = {"extra": "forbid"}

    escalate_after_minutes: int = Field(
        default=60,
        gt=0,
        description="Minutes after the reminder of an overdue step or decision before the "
        "coordinator is told",
    )


class IncidentSettings(BaseModel):
    """How an incident room asks for situation reports."""

    model_config = {"extra": "forbid"}

    sitrep_interval_minutes: int = Field(
        default=120,
        ge=0,
        description="Minutes between requests for a situation report (sitrep) in an incident "
        "room, counted from the room opening or the last sitrep (0: never ask)",
    )

    def sitrep_interval(self) -> timedelta | None:
        """The sitrep cadence, or None when it is off."""
        return timedelta(minutes=self.sitrep_interval_minutes) or None


class ExercisePlayerSettings(BaseModel):
    """A Matrix account that plays a role in exercises (a scripted participant)."""

    model_config = {"extra": "forbid"}

    user_id: str = Field(description="Full Matrix id of the player account")
    access_token: SecretStr = Field(description="Access token of the player account")


class ExerciseSettings(BaseModel):
    """Exercises (oefeningen): where scenarios live and who plays the scripted roles."""

    model_config = {"extra": "forbid"}

    scenarios_dir: Path = Field(
        default=Path("playbooks/exercises"), description="Directory of YAML exercise scenarios"
    )
    players: dict[str, ExercisePlayerSettings] = Field(
        default_factory=dict,
        description="Player accounts by role id ('*' plays every role without its own); "
        "they must be taskforce members",
    )


MIN_PICKLE_KEY_LENGTH = 16


class EncryptionSettings(BaseModel):
    """End-to-end encryption: the crypto store and encrypted incident rooms."""

    model_config = {"extra": "forbid"}

    enabled: bool = Field(default=True, description="Read and write in encrypted rooms")
    # Declared after ``enabled`` so its validator can see whether encryption is on.
    pickle_key: SecretStr | None = Field(
        default=None,
        validate_default=True,
        description="Secret that encrypts the keys in the crypto store (required when enabled)",
    )
    encrypt_incident_rooms: bool = Field(
        default=True, description="Create incident rooms with end-to-end encryption"
    )
    store_dir: Path | None = Field(
        default=None,
        description="Directory of the crypto store; default crypto/ in the data directory "
        "(two instances (HA) must use the same one, on storage both mount)",
    )

    @field_validator("pickle_key")
    @classmethod
    def _required_when_enabled(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        # No built-in fallback: nio's default pickle key is public, so a store
        # protected by it is as good as unencrypted.
        if not info.data.get("enabled", True):
            return value
        if value is None:
            raise ValueError(
                "required while encryption is enabled: a long random secret that protects "
                "the crypto store (or set encryption.enabled = false)"
            )
        if len(value.get_secret_value()) < MIN_PICKLE_KEY_LENGTH:
            raise ValueError(f"must be at least {MIN_PICKLE_KEY_LENGTH} characters")
        return value

    def store_pickle_key(self) -> str | None:
        """The pickle key if encryption is on, else None."""
        if not self.enabled or self.pickle_key is None:
            return None
        return self.pickle_key.get_secret_value()


# --- Operations (issue 8): retention ---------------------------------------------------


DEFAULT_PUBLIC_ROLES = ("chair", "coordinator")


class DisclosureSettings(BaseModel):
    """The disclosure (Woo) version of reports: who may be named in it."""

    model_config = {"extra": "forbid"}

    public_roles: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PUBLIC_ROLES),
        description="Roles whose holders keep their Matrix id in a disclosure report; "
        "everyone else is shown by role",
    )


class RetentionSettings(BaseModel):
    """When ``weerbaar purge`` may delete situations; only ever after they were exported."""

    model_config = {"extra": "forbid"}

    closed_after_days: int | None = Field(
        default=None,
        ge=0,
        description="Closed situations are purged this many days after they were closed, "
        "if exported since; unset keeps them forever (archive records)",
    )
    exercise_after_days: int | None = Field(
        default=None,
        ge=0,
        description="Exercise situations are purged this many days after they were opened, "
        "if their report was exported (or with --force REASON); unset keeps them until "
        "weerbaar exercise purge",
    )


class FallbackSettings(BaseModel):
    """How fresh the proof of a fallback option must be, and what a failed test opens."""

    model_config = {"extra": "forbid"}

    vital_days: int = Field(
        default=180,
        gt=0,
        description="Maximum age in days of the latest test of a fallback "
        "protecting a vital process",
    )
    critical_days: int = Field(
        default=365, gt=0, description="... protecting a critical process (and no vital one)"
    )
    important_days: int = Field(
        default=730, gt=0, description="... protecting only important processes, or none"
    )
    due_soon_days: int = Field(
        default=30, ge=0, description="A fallback is due soon this many days before overdue"
    )
    improvement_days: int = Field(
        default=30,
        gt=0,
        description="Deadline in days of the improvement action a failed or partly working "
        "test opens",
    )
    digest_day: int = Field(
        default=1,
        ge=0,
        le=7,
        description="Day of the weekly drill digest in the coordination room (1 = Monday ... "
        "7 = Sunday); 0 turns it off",
    )
    digest_time: time = Field(
        default=time(9, 0), description="Time of day (in `timezone`) of the weekly drill digest"
    )


class LocalSettings(BaseSettings):
    """What commands that only touch the database and files need (no homeserver, no intake).

    Other sections in the config file or environment are ignored here, so an operator can
    run ``weerbaar log verify`` or ``weerbaar backup`` with only ``[storage]`` configured.
    """

    model_config = SettingsConfigDict(
        env_prefix="WEERBAAR_", env_nested_delimiter="__", extra="ignore"
    )

    storage: StorageSettings = StorageSettings()
    exercise: ExerciseSettings = ExerciseSettings()
    retention: RetentionSettings = RetentionSettings()
    disclosure: DisclosureSettings = DisclosureSettings()
    fallbacks: FallbackSettings = FallbackSettings()
    language: Language = Field(
        default="nl", description="Language of messages not tied to a command"
    )
    timezone: str = Field(default="Europe/Amsterdam", description="Time zone for times shown")
    data_dir: Path = Field(default=Path("data"), description="Directory for the database and files")
    playbooks_dir: Path = Field(
        default=Path("playbooks"), description="Directory of YAML playbooks"
    )
    log_format: Literal["json", "text"] | None = Field(
        default=None,
        description="json: one JSON object per line (default of `weerbaar run`); "
        "text: for people (default of `weerbaar sandbox`)",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def database_url(self) -> str:
        """The configured database URL, or SQLite in the data directory."""
        if self.storage.url:
            return self.storage.url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'weerbaar.db').resolve()}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        secrets_dirs = [os.environ[name] for name in SECRETS_DIR_ENV_VARS if os.environ.get(name)]
        for name in SECRETS_DIR_ENV_VARS:
            # A missing directory is fine (no secret files); a file there is a mistake.
            folder = os.environ.get(name)
            if folder and Path(folder).exists() and not Path(folder).is_dir():
                raise UnreadableSource(f"{name}: {folder} is not a directory")
        if secrets_dirs:
            sources.append(
                NestedSecretsSettingsSource(
                    file_secret_settings, secrets_dir=secrets_dirs, secrets_dir_missing="ok"
                )
            )
        config_file = os.environ.get(CONFIG_ENV_VAR)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        if defaults := _DEFAULTS.get():
            sources.append(InitSettingsSource(settings_cls, init_kwargs=dict(defaults)))
        return (MergedSettingsSource(settings_cls, sources),)


class Settings(LocalSettings):
    """All settings of one Weerbaar instance."""

    model_config = SettingsConfigDict(extra="forbid")

    matrix: MatrixSettings
    intake: IntakeSettings
    ha: HaSettings = HaSettings()
    alerts: AlertSettings = AlertSettings()
    playbook: PlaybookSettings = PlaybookSettings()
    incident: IncidentSettings = IncidentSettings()
    # Validated even when absent, so a missing pickle key is reported by name.
    encryption: EncryptionSettings = Field(default={}, validate_default=True)
    lauwe_fase: LauweFaseSettings = LauweFaseSettings()
    degraded: DegradedSettings = DegradedSettings()
    email: EmailSettings | None = Field(
        default=None, description="E-mail fallback while Matrix is unreachable"
    )
    web: WebSettings = WebSettings()
    pollers: IndexedList[PollerSettings] = Field(
        default_factory=list, description="Feeds polled for alerts"
    )
    taskforce: IndexedList[str] = Field(
        min_length=1, description="Matrix ids of the taskforce members allowed to run commands"
    )
    taskforce_room: str | None = Field(
        default=None,
        description="Room id whose joined members also count as taskforce members "
        "(read every minute; the bot must be invited)",
    )
    coordinators: IndexedList[str] = Field(
        default_factory=list, description="Matrix ids that may also run coordinator commands"
    )
    observers: IndexedList[str] = Field(
        default_factory=list, description="Matrix ids that may only read (help, report, status)"
    )

    @field_validator("pollers")
    @classmethod
    def _unique_poller_names(cls, value: list[PollerSettings]) -> list[PollerSettings]:
        _refuse_duplicate_names("poller", [poller.name for poller in value])
        return value

    @property
    def crypto_store_dir(self) -> Path:
        """Directory of the end-to-end encryption store."""
        return self.encryption.store_dir or self.data_dir / "crypto"


def _refuse_duplicate_names(kind: str, names: list[str]) -> None:
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{kind} names must be unique: {', '.join(duplicates)}")


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line naming it."""


def load_settings(config_file: Path | None = None) -> Settings:
    """Load settings from ``config_file`` (or ``$WEERBAAR_CONFIG``) and the environment.

    Raises ConfigError with one line per problem, each naming the setting.
    """
    return load_settings_as(Settings, config_file)


def load_settings_as(
    kind: type[S], config_file: Path | None = None, defaults: Mapping[str, Any] | None = None
) -> S:
    """``load_settings`` for ``kind``: Settings, or LocalSettings for offline commands.

    ``defaults`` lie below the config file and the environment, merged with them like
    they merge with each other (lists of named entries by name).
    """
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"config file not found: {config_file}")
        os.environ[CONFIG_ENV_VAR] = str(config_file)
    elif (env_file := os.environ.get(CONFIG_ENV_VAR)) and not Path(env_file).is_file():
        raise ConfigError(f"config file not found: {env_file} (from {CONFIG_ENV_VAR})")
    token = _DEFAULTS.set(defaults)
    try:
        return kind()  # values come from the config file and environment
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {os.environ[CONFIG_ENV_VAR]}: {exc}") from None
    except UnreadableSource as exc:
        raise ConfigError(str(exc)) from None
    finally:
        _DEFAULTS.reset(token)


def describe_validation_error(exc: ValidationError) -> str:
    """One line per invalid setting: dotted name, problem and where the value came from:
    the environment variable or secret file of that name if there is one (they win over
    the config file), else the config file or a variable setting a whole table or list."""
    lines = []
    for error in exc.errors(include_input=False):
        name = ".".join(str(part) for part in error["loc"]) or "(settings)"
        env = "WEERBAAR_" + "__".join(str(part).upper() for part in error["loc"])
        lines.append(f"setting {name}: {error['msg']} ({_origin(env)})")
    return "\n".join(lines)


def _origin(env: str) -> str:
    """Where the setting of variable ``env`` came from, in the sources' order."""
    # Both match names in any case, as the sources do.
    if any(name.upper() == env for name in os.environ):
        return f"environment variable {env}"
    for variable in SECRETS_DIR_ENV_VARS:
        folder = os.environ.get(variable)
        if folder and Path(folder).is_dir():
            for path in sorted(Path(folder).iterdir()):
                if path.name.upper() == env:
                    return f"secret file {path}"
    return f"config file or {env}"
