"""Gatepost settings: defaults, then a TOML file, then GATEPOST_* environment variables."""

from __future__ import annotations

import base64
import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import to_utc
from scheduler.core.time_horizon import require_local_within

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UK_NATIONS = {
    "ENG": "England",
    "NIR": "Northern Ireland",
    "SCT": "Scotland",
    "WLS": "Wales",
}
#: Each variable and the setting it gives, as its dotted place in the TOML file.
ENVIRONMENT_VARIABLES = {
    "GATEPOST_DATABASE_URL": "database_url",
    "GATEPOST_SECRET_KEY": "secret_key",
    "GATEPOST_TIMEZONE": "timezone",
    "GATEPOST_MOCK_LEDGER": "mock_ledger",
    "GATEPOST_INSTANCE_PATH": "instance_path",
    "GATEPOST_METRICS_TOKEN": "metrics.token",
    "GATEPOST_CREDENTIAL_KEYS": "credentials.keys",
    "GATEPOST_X_CLIENT_ID": "x.client_id",
    "GATEPOST_X_CLIENT_SECRET": "x.client_secret",
    "GATEPOST_REMINDER_LEAD_TIMES": "reminders.lead_times",
}
_FERNET_KEY = re.compile(r"[A-Za-z0-9_-]{43}=")
#: Where X sends people to sign in and allow an app (docs.x.com, OAuth 2.0 authorization code).
X_AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
#: A metrics token shorter than this could be guessed; 32 random characters cannot.
MIN_METRICS_TOKEN_LENGTH = 32


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and says how to fix it."""


@dataclass(frozen=True)
class OfficeHours:
    """When posts may be published: local start and end time on the listed weekdays."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})


@dataclass(frozen=True)
class RetryPolicy:
    """How transient platform errors are retried before a post is marked failed."""

    max_attempts: int = 5
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class WorkerSettings:
    """How the publishing worker polls, leases, batches and runs in parallel."""

    poll_interval: timedelta = timedelta(seconds=5)
    lease: timedelta = timedelta(minutes=2)
    batch_size: int = 1000
    max_concurrency: int = 64
    missed_grace: timedelta = timedelta(minutes=15)
    heartbeat_interval: timedelta = timedelta(seconds=10)


@dataclass(frozen=True)
class ConfiguredQuietPeriod:
    """A quiet period from the settings file (admins add more in the app)."""

    name: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class MailSettings:
    """Where notification e-mails go: an SMTP server, or a local mailbox file by default."""

    sender: str = "gatepost@localhost"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mailbox: Path | None = None


#: How long before an embargo the release reminders go, by default: a day, 2 hours, 30 minutes.
DEFAULT_REMINDER_LEAD_TIMES = ("24h", "2h", "30m")
_LEAD_TIME = re.compile(r"\s*(\d+)\s*(d|h|m|min)\s*")
_LEAD_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


@dataclass(frozen=True)
class ReminderSettings:
    """When the release readiness reminders go: lead times before each embargo, longest first."""

    lead_times: tuple[timedelta, ...] = (
        timedelta(hours=24),
        timedelta(hours=2),
        timedelta(minutes=30),
    )


@dataclass(frozen=True)
class MetricsAccess:
    """Who may read /metrics: a scraper with the bearer token, from a listed address, or both.

    With neither configured nobody may: metrics are off until an operator turns them on.
    """

    token: str = ""
    allow: tuple[IPv4Network | IPv6Network, ...] = ()

    @property
    def enabled(self) -> bool:
        """Return whether anyone at all may read the metrics."""
        return bool(self.token or self.allow)


@dataclass(frozen=True)
class XAppSettings:
    """Gatepost's app on X (its developer console): who Gatepost is when people connect channels.

    A confidential client has a secret and authenticates to the token endpoint with HTTP Basic;
    a public client has none and sends its id in the form.
    """

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    authorize_url: str = X_AUTHORIZE_URL

    @property
    def configured(self) -> bool:
        """Return whether X channels can be connected at all."""
        return bool(self.client_id)


@dataclass(frozen=True)
class Settings:
    """Everything Gatepost reads from its environment, checked once at start-up."""

    instance_path: Path
    database_url: str
    secret_key: str
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    holidays_country: str = "GB"
    holidays_subdivision: str = "ENG"
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    quiet_periods: tuple[ConfiguredQuietPeriod, ...] = ()
    mock_ledger: Path | None = None
    mock_faults: Mapping[str, Any] = field(default_factory=dict)
    mail: MailSettings = field(default_factory=MailSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    metrics: MetricsAccess = field(default_factory=MetricsAccess)
    x: XAppSettings = field(default_factory=XAppSettings)
    session_cookie_secure: bool = False
    base_url: str = ""
    server_timing: bool = False
    #: Fernet keys that encrypt channels' platform credentials, newest (the one that encrypts)
    #: first; the others still decrypt, so keys can rotate. Never shown.
    credential_keys: tuple[str, ...] = field(default=(), repr=False)

    @property
    def mock_ledger_path(self) -> Path:
        """Return where the mock platform appends what it publishes."""
        return self.mock_ledger or self.instance_path / "mock-ledger.jsonl"

    @property
    def media_path(self) -> Path:
        """Return where uploaded images are kept."""
        return self.instance_path / "media"

    @property
    def mailbox_path(self) -> Path:
        """Return the local mailbox file used when no SMTP server is configured."""
        return self.mail.mailbox or self.instance_path / "mailbox.mbox"

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with some fields replaced (used by tests and rehearsals)."""
        return replace(self, **changes)


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build settings from defaults, the GATEPOST_CONFIG TOML file and GATEPOST_* variables."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    config_file = env.get("GATEPOST_CONFIG")
    if config_file:
        raw.update(_read_toml(Path(config_file)))
    for variable, key in ENVIRONMENT_VARIABLES.items():
        if env.get(variable):
            *tables, name = key.split(".")
            place = raw
            for table in tables:
                # Copied, so the file's own table (if any) keeps its other keys.
                place[table] = dict(place.get(table) or {})
                place = place[table]
            place[name] = env[variable]
    for variable in env:
        # GATEPOST_TEST_* variables belong to the test suite, not to the app.
        if (
            variable.startswith("GATEPOST_")
            and variable not in ENVIRONMENT_VARIABLES
            and variable != "GATEPOST_CONFIG"
            and not variable.startswith("GATEPOST_TEST_")
        ):
            raise SettingsError(
                f"{variable}: unknown environment variable; known ones are "
                f"{', '.join(sorted([*ENVIRONMENT_VARIABLES, 'GATEPOST_CONFIG']))}"
            )
    if overrides:
        raw.update(overrides)
    return settings_from_mapping(raw)


def settings_from_mapping(raw: Mapping[str, Any]) -> Settings:
    """Check and convert a mapping shaped like the TOML file into Settings."""
    reader = _Reader(dict(raw), prefix="")
    instance_path = Path(reader.string("instance_path", "instance")).resolve()
    timezone = _zone(reader.string("timezone", "Europe/London"))
    database_url = reader.string("database_url", "") or _default_database_url(instance_path)
    secret_key = reader.string("secret_key", "") or _instance_secret_key(instance_path)
    if len(secret_key) < 16:
        raise SettingsError(
            "secret_key: too short; set GATEPOST_SECRET_KEY to at least 16 random characters "
            '(for example the output of python -c "import secrets; print(secrets.token_hex(32))")'
        )
    mock_ledger = reader.string("mock_ledger", "")

    office = reader.table("office_hours")
    office_hours = OfficeHours(
        start=office.clock_time("start", "09:00"),
        end=office.clock_time("end", "17:00"),
        weekdays=office.weekdays("days", ["mon", "tue", "wed", "thu", "fri"]),
    )
    if office_hours.start >= office_hours.end:
        raise SettingsError(
            f"office_hours: start {office_hours.start:%H:%M} is not before end "
            f"{office_hours.end:%H:%M}; give a window within one day, such as 09:00 to 17:00"
        )
    office.done()

    holiday_table = reader.table("holidays")
    country = holiday_table.string("country", "GB").upper()
    subdivision = holiday_table.string("subdivision", "ENG").upper()
    _check_holidays(country, subdivision)
    holiday_table.done()

    retry_table = reader.table("retry")
    retry = RetryPolicy(
        max_attempts=retry_table.integer("max_attempts", 5, minimum=1),
        base_delay=timedelta(seconds=retry_table.number("base_delay_seconds", 30, minimum=0)),
        max_delay=timedelta(seconds=retry_table.number("max_delay_seconds", 900, minimum=0)),
    )
    retry_table.done()

    worker_table = reader.table("worker")
    worker = WorkerSettings(
        poll_interval=timedelta(
            seconds=worker_table.number("poll_interval_seconds", 5, minimum=0.05)
        ),
        lease=timedelta(seconds=worker_table.number("lease_seconds", 120, minimum=1)),
        batch_size=worker_table.integer("batch_size", 1000, minimum=1),
        max_concurrency=worker_table.integer("max_concurrency", 64, minimum=1),
        missed_grace=timedelta(minutes=worker_table.number("missed_grace_minutes", 15, minimum=0)),
        heartbeat_interval=timedelta(
            seconds=worker_table.number("heartbeat_seconds", 10, minimum=1)
        ),
    )
    worker_table.done()

    quiet_periods = tuple(
        _quiet_period(item, timezone, index)
        for index, item in enumerate(reader.array("quiet_periods"))
    )

    mock_table = reader.table("mock")
    mock_faults = dict(mock_table.remaining())
    if mock_table.has("ledger"):
        mock_ledger = mock_ledger or str(mock_faults.pop("ledger"))

    mail_table = reader.table("mail")
    mailbox = mail_table.string("mailbox", "")
    mail = MailSettings(
        sender=mail_table.string("sender", "gatepost@localhost"),
        smtp_host=mail_table.string("smtp_host", ""),
        smtp_port=mail_table.integer("smtp_port", 25, minimum=1),
        smtp_username=mail_table.string("smtp_username", ""),
        smtp_password=mail_table.string("smtp_password", ""),
        smtp_starttls=mail_table.boolean("smtp_starttls", False),
        mailbox=Path(mailbox) if mailbox else None,
    )
    mail_table.done()

    reminders = _reminders(reader.table("reminders"))
    metrics = _metrics_access(reader.table("metrics"))
    credential_keys = _credential_keys(reader.table("credentials"), instance_path, secret_key)
    x_app = _x_app(reader.table("x"))

    session_cookie_secure = reader.boolean("session_cookie_secure", False)
    base_url = reader.string("base_url", "")
    server_timing = reader.boolean("server_timing", False)
    reader.done()

    return Settings(
        instance_path=instance_path,
        database_url=database_url,
        secret_key=secret_key,
        timezone=timezone,
        holidays_country=country,
        holidays_subdivision=subdivision,
        office_hours=office_hours,
        retry=retry,
        worker=worker,
        quiet_periods=quiet_periods,
        mock_ledger=Path(mock_ledger) if mock_ledger else None,
        mock_faults=mock_faults,
        mail=mail,
        reminders=reminders,
        metrics=metrics,
        x=x_app,
        session_cookie_secure=session_cookie_secure,
        base_url=base_url,
        server_timing=server_timing,
        credential_keys=credential_keys,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(
            f"GATEPOST_CONFIG: no file at {path}; point it at an existing TOML file or unset it"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(
            f"GATEPOST_CONFIG: {path} is not valid TOML ({error}); fix the file"
        ) from None


def _default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'gatepost.sqlite3'}"


def _instance_secret_key(instance_path: Path) -> str:
    """Return the instance's own secret key, creating it (readable by its owner only) once."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    try:
        instance_path.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key + "\n")
    except FileExistsError:
        return key_file.read_text().strip()
    except OSError as error:
        raise SettingsError(
            f"secret_key: not set and {key_file} cannot be written ({error.strerror}); "
            "set GATEPOST_SECRET_KEY or make the instance folder writable"
        ) from None
    return key


def _credential_keys(table: _Reader, instance_path: Path, secret_key: str) -> tuple[str, ...]:
    """Return the credential keys, newest first, checked; or the instance's own one."""
    where = "credentials.keys (GATEPOST_CREDENTIAL_KEYS)"
    value = table._take("keys")
    table.done()
    if value is None or value == "" or value == []:
        return (_instance_credential_key(instance_path),)
    if isinstance(value, str):
        keys = [key.strip() for key in value.split(",")]
    elif isinstance(value, list) and all(isinstance(key, str) for key in value):
        keys = [key.strip() for key in value]
    else:
        raise SettingsError(
            f"{where}: must be a list of keys, or one string of keys separated by commas"
        )
    for number, key in enumerate(keys, start=1):
        if not _is_fernet_key(key):
            # Which key, never the key itself: settings errors are printed and logged.
            raise SettingsError(
                f"{where}: key {number} of {len(keys)} is not a Fernet key (32 random bytes in "
                "URL-safe base64, 44 characters); make one with gatepost channels "
                "new-credential-key"
            )
        if key == secret_key:
            raise SettingsError(
                f"{where}: key {number} is the session secret key; use a key of its own, so "
                "one leaked secret does not open the other"
            )
    if len(set(keys)) != len(keys):
        raise SettingsError(f"{where}: a key is listed twice; list each key once, newest first")
    return tuple(keys)


def _is_fernet_key(key: str) -> bool:
    # 32 bytes in URL-safe base64 are 43 characters and one "=" of padding.
    return _FERNET_KEY.fullmatch(key) is not None and len(base64.urlsafe_b64decode(key)) == 32


def _instance_credential_key(instance_path: Path) -> str:
    """Return the instance's own credential key, creating it (owner-readable only) once."""
    key_file = instance_path / "credential_key"
    if key_file.exists():
        key = key_file.read_text().strip()
        if not _is_fernet_key(key):
            raise SettingsError(
                f"credentials.keys: {key_file} does not hold a Fernet key; restore it from a "
                "backup (without it stored credentials cannot be read), or delete it and "
                "connect every channel again"
            )
        return key
    try:
        instance_path.mkdir(parents=True, exist_ok=True)
        key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key + "\n")
    except FileExistsError:
        return key_file.read_text().strip()
    except OSError as error:
        raise SettingsError(
            f"credentials.keys: not set and {key_file} cannot be written ({error.strerror}); "
            "set GATEPOST_CREDENTIAL_KEYS or make the instance folder writable"
        ) from None
    return key


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"timezone: unknown time zone {name!r}; use an IANA name such as Europe/London"
        ) from None


def _check_holidays(country: str, subdivision: str) -> None:
    if country not in holidays.list_supported_countries():
        raise SettingsError(
            f"holidays.country: unknown country {country!r}; use an ISO code such as GB"
        )
    known = holidays.list_supported_countries()[country]
    if subdivision and subdivision not in known:
        hint = (
            ", ".join(f"{code} ({name})" for code, name in UK_NATIONS.items())
            if country == "GB"
            else ", ".join(known)
        )
        raise SettingsError(
            f"holidays.subdivision: unknown region {subdivision!r} for {country}; use one of {hint}"
        )


def _metrics_access(table: _Reader) -> MetricsAccess:
    token = table.string("token", "")
    if token and (
        len(token) < MIN_METRICS_TOKEN_LENGTH
        or not all(33 <= ord(character) <= 126 for character in token)
    ):
        problem = (
            f"too short ({len(token)} characters)"
            if len(token) < MIN_METRICS_TOKEN_LENGTH
            else "has spaces or characters other than printable ASCII"
        )
        raise SettingsError(
            f"metrics.token (GATEPOST_METRICS_TOKEN): {problem}; use at least "
            f"{MIN_METRICS_TOKEN_LENGTH} random printable characters without spaces, for example "
            'the output of python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    allow = []
    for entry in table.string_list("allow", example='["127.0.0.1", "10.0.0.0/8"]'):
        try:
            allow.append(ip_network(entry, strict=False))
        except (TypeError, ValueError):
            raise SettingsError(
                f"metrics.allow: {entry!r} is not an IP address or network; list addresses "
                'such as "127.0.0.1" or networks such as "10.0.0.0/8"'
            ) from None
    table.done()
    return MetricsAccess(token=token, allow=tuple(allow))


def _reminders(table: _Reader) -> ReminderSettings:
    """Read the reminders' lead times: ["24h", "2h", "30m"] ("24h,2h,30m" in the environment)."""
    key = "lead_times"
    raw = table.remaining()
    value = raw.pop(key, list(DEFAULT_REMINDER_LEAD_TIMES))
    if raw:
        unknown = ", ".join(f"reminders.{name}" for name in sorted(raw))
        raise SettingsError(f"{unknown}: unknown setting; remove it or check its spelling")
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    example = '["24h", "2h", "30m"] (d, h or m after each number; [] for no reminders)'
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingsError(f"reminders.{key}: must be a list of lead times such as {example}")
    leads: set[timedelta] = set()
    for item in value:
        found = _LEAD_TIME.fullmatch(item)
        if found is None or int(found.group(1)) == 0:
            raise SettingsError(
                f"reminders.{key}: {item!r} is not a lead time; write them as {example}"
            )
        unit = found.group(2)[0]
        leads.add(int(found.group(1)) * _LEAD_UNITS[unit])
    if any(lead > timedelta(days=14) for lead in leads):
        raise SettingsError(f"reminders.{key}: a lead time can be at most 14 days ({example})")
    return ReminderSettings(lead_times=tuple(sorted(leads, reverse=True)))


def _x_app(table: _Reader) -> XAppSettings:
    client_id = table.string("client_id", "").strip()
    client_secret = table.string("client_secret", "").strip()
    authorize_url = table.string("authorize_url", X_AUTHORIZE_URL).strip()
    table.done()
    if client_secret and not client_id:
        raise SettingsError(
            "x.client_secret (GATEPOST_X_CLIENT_SECRET) is set but x.client_id is not; copy the "
            "OAuth 2.0 Client ID from the X developer console into x.client_id "
            "(GATEPOST_X_CLIENT_ID)"
        )
    parsed = urlsplit(authorize_url)
    local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if not parsed.netloc or (parsed.scheme != "https" and not (parsed.scheme == "http" and local)):
        raise SettingsError(
            f"x.authorize_url: {authorize_url!r} is not an https:// address; use "
            f"{X_AUTHORIZE_URL} (the default) or leave it out"
        )
    return XAppSettings(
        client_id=client_id, client_secret=client_secret, authorize_url=authorize_url
    )


def _quiet_period(item: Any, zone: ZoneInfo, index: int) -> ConfiguredQuietPeriod:
    where = f"quiet_periods[{index}]"
    if not isinstance(item, dict):
        raise SettingsError(f"{where}: must be a table with name, starts and ends")
    table = _Reader(item, prefix=f"{where}.")
    name = table.string("name", "") or f"Quiet period {index + 1}"
    starts_at = table.local_datetime("starts", zone)
    ends_at = table.local_datetime("ends", zone)
    table.done()
    if ends_at <= starts_at:
        raise SettingsError(f"{where}: ends must be after starts")
    return ConfiguredQuietPeriod(name=name, starts_at=starts_at, ends_at=ends_at)


class _Reader:
    """Take typed values out of one TOML table, then complain about whatever is left."""

    def __init__(self, values: dict[str, Any], prefix: str) -> None:
        self._values = values
        self._prefix = prefix

    def has(self, key: str) -> bool:
        return key in self._values

    def _take(self, key: str) -> Any:
        return self._values.pop(key, None)

    def string(self, key: str, default: str) -> str:
        value = self._take(key)
        if value is None:
            return default
        if isinstance(value, os.PathLike):
            return str(os.fspath(value))
        if not isinstance(value, str):
            raise SettingsError(f"{self._prefix}{key}: must be a string, got {value!r}")
        return value

    def integer(self, key: str, default: int, *, minimum: int) -> int:
        value = self._take(key)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise SettingsError(
                f"{self._prefix}{key}: must be a whole number of at least {minimum}, got {value!r}"
            )
        return value

    def number(self, key: str, default: float, *, minimum: float) -> float:
        value = self._take(key)
        if value is None:
            return default
        if not isinstance(value, int | float) or isinstance(value, bool) or value < minimum:
            raise SettingsError(
                f"{self._prefix}{key}: must be a number of at least {minimum}, got {value!r}"
            )
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._take(key)
        if value is None:
            return default
        if isinstance(value, str) and value.lower() in {"true", "false", "1", "0"}:
            return value.lower() in {"true", "1"}
        if not isinstance(value, bool):
            raise SettingsError(f"{self._prefix}{key}: must be true or false, got {value!r}")
        return value

    def clock_time(self, key: str, default: str) -> time:
        text = self.string(key, default)
        try:
            parsed = time.fromisoformat(text)
        except ValueError:
            raise SettingsError(
                f"{self._prefix}{key}: {text!r} is not a time of day; write it as HH:MM, e.g. 09:00"
            ) from None
        return parsed

    def weekdays(self, key: str, default: list[str]) -> frozenset[int]:
        value = self._take(key)
        names = default if value is None else value
        if not isinstance(names, list) or not names:
            raise SettingsError(f'{self._prefix}{key}: must be a list such as ["mon", "fri"]')
        days = set()
        for name in names:
            if not isinstance(name, str) or name.lower()[:3] not in WEEKDAYS:
                raise SettingsError(
                    f"{self._prefix}{key}: {name!r} is not a weekday; use {', '.join(WEEKDAYS)}"
                )
            days.add(WEEKDAYS.index(name.lower()[:3]))
        return frozenset(days)

    def local_datetime(self, key: str, zone: ZoneInfo) -> datetime:
        value = self._take(key)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, datetime):
            raise SettingsError(
                f"{self._prefix}{key}: must be a date and time such as 2027-04-01T00:00"
            )
        # The rules every other way in follows: within the horizon (checked before converting,
        # which could overflow), and a local time the clocks skip or repeat is not guessed.
        try:
            require_local_within(value, now=datetime.now(UTC), what="The time")
            return to_utc(value, zone)
        except ValidationFailed as refused:
            raise SettingsError(f"{self._prefix}{key}: {refused.message}") from None

    def table(self, key: str) -> _Reader:
        value = self._take(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise SettingsError(f"{self._prefix}{key}: must be a table ([{key}])")
        return _Reader(dict(value), prefix=f"{self._prefix}{key}.")

    def array(self, key: str) -> list[Any]:
        value = self._take(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise SettingsError(f"{self._prefix}{key}: must be an array of tables ([[{key}]])")
        return value

    def string_list(self, key: str, *, example: str) -> list[str]:
        value = self._take(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SettingsError(f"{self._prefix}{key}: must be a list of strings such as {example}")
        return value

    def remaining(self) -> dict[str, Any]:
        values, self._values = self._values, {}
        return values

    def done(self) -> None:
        if self._values:
            unknown = ", ".join(f"{self._prefix}{key}" for key in sorted(self._values))
            raise SettingsError(f"{unknown}: unknown setting; remove it or check its spelling")
