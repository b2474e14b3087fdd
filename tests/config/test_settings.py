"""Settings: defaults, TOML, environment, and one clear line for every bad setting."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from config import SettingsError, load_settings


def write_toml(tmp_path: Path, body: str) -> dict[str, str]:
    path = tmp_path / "gatepost.toml"
    path.write_text(body)
    return {"GATEPOST_CONFIG": str(path), "GATEPOST_INSTANCE_PATH": str(tmp_path / "instance")}


def test_defaults_are_london_office_hours_on_embedded_sqlite(tmp_path: Path) -> None:
    settings = load_settings({"GATEPOST_INSTANCE_PATH": str(tmp_path)})
    assert settings.timezone.key == "Europe/London"
    assert settings.office_hours.start == time(9, 0)
    assert settings.office_hours.end == time(17, 0)
    assert settings.office_hours.weekdays == frozenset(range(5))
    assert settings.holidays_subdivision == "ENG"
    assert settings.database_url == f"sqlite:///{tmp_path / 'gatepost.sqlite3'}"
    assert settings.worker.missed_grace == timedelta(minutes=15)


def test_missing_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = load_settings({"GATEPOST_INSTANCE_PATH": str(tmp_path)})
    second = load_settings({"GATEPOST_INSTANCE_PATH": str(tmp_path)})
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_toml_then_environment_override_defaults(tmp_path: Path) -> None:
    env = write_toml(
        tmp_path,
        """
timezone = "Europe/Dublin"
[office_hours]
start = "08:30"
end = "18:00"
days = ["mon", "tue", "wed"]
[holidays]
subdivision = "WLS"
[[quiet_periods]]
name = "Pre-election period"
starts = "2027-04-01T00:00"
ends = "2027-05-07T00:00"
""",
    )
    env["GATEPOST_TIMEZONE"] = "Europe/London"
    settings = load_settings(env)
    assert settings.timezone.key == "Europe/London"
    assert settings.office_hours.start == time(8, 30)
    assert settings.office_hours.weekdays == frozenset({0, 1, 2})
    assert settings.holidays_subdivision == "WLS"
    (period,) = settings.quiet_periods
    # Local midnight in London on 1 April 2027 is 23:00 UTC the day before (BST).
    assert period.starts_at == datetime(2027, 3, 31, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("environment", "toml", "expected"),
    [
        ({"GATEPOST_TIMEZONE": "Europe/Londn"}, None, "timezone: unknown time zone 'Europe/Londn'"),
        (
            {},
            '[office_hours]\nstart = "17:00"\nend = "09:00"\n',
            "office_hours: start 17:00 is not before end 09:00",
        ),
        ({}, '[office_hours]\nstart = "nine"\n', "office_hours.start: 'nine' is not a time of day"),
        ({}, "timezone = \n", "is not valid TOML"),
        ({}, "colour = 'blue'\n", "colour: unknown setting"),
        ({}, "[worker]\nbatch_sise = 10\n", "worker.batch_sise: unknown setting"),
        ({}, '[holidays]\nsubdivision = "XYZ"\n', "holidays.subdivision: unknown region 'XYZ'"),
        ({}, '[office_hours]\ndays = ["mon", "funday"]\n', "'funday' is not a weekday"),
        (
            {},
            "[retry]\nmax_attempts = 0\n",
            "retry.max_attempts: must be a whole number of at least 1",
        ),
        ({"GATEPOST_SECRET_KEY": "short"}, None, "secret_key: too short"),
        (
            {"GATEPOST_DATABSE_URL": "sqlite://"},
            None,
            "GATEPOST_DATABSE_URL: unknown environment variable",
        ),
        (
            {"GATEPOST_CONFIG": "/nonexistent/gatepost.toml"},
            None,
            "GATEPOST_CONFIG: no file at /nonexistent/gatepost.toml",
        ),
        (
            {},
            '[[quiet_periods]]\nstarts = "2027-01-02T00:00"\nends = "2027-01-01T00:00"\n',
            "quiet_periods[0]: ends must be after starts",
        ),
        (
            {},
            '[[quiet_periods]]\nstarts = "2027-01-02T00:00"\nends = "9999-12-31T23:00"\n',
            "quiet_periods[0].ends: The time must be between ",
        ),
        (
            {},
            "[[quiet_periods]]\nstarts = 0001-01-01T00:00:00+14:00\nends = 2027-01-01T00:00:00Z\n",
            "quiet_periods[0].starts: The time must be between ",
        ),
        (
            {},
            '[[quiet_periods]]\nstarts = "2027-03-28T01:30"\nends = "2027-04-01T00:00"\n',
            "quiet_periods[0].starts: Sun 28 Mar 2027 01:30 does not exist in Europe/London",
        ),
    ],
)
def test_bad_settings_stop_with_one_line_naming_the_setting(
    tmp_path: Path, environment: dict[str, str], toml: str | None, expected: str
) -> None:
    env = (
        write_toml(tmp_path, toml)
        if toml is not None
        else {"GATEPOST_INSTANCE_PATH": str(tmp_path)}
    )
    env.update(environment)
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message


def test_metrics_are_off_by_default_and_take_a_token_from_the_environment(tmp_path: Path) -> None:
    assert not load_settings({"GATEPOST_INSTANCE_PATH": str(tmp_path)}).metrics.enabled
    env = write_toml(tmp_path, '[metrics]\nallow = ["127.0.0.1", "10.0.0.0/8"]\n')
    env["GATEPOST_METRICS_TOKEN"] = "t" * 32
    metrics = load_settings(env).metrics
    assert metrics.token == "t" * 32
    assert [str(network) for network in metrics.allow] == ["127.0.0.1/32", "10.0.0.0/8"]


@pytest.mark.parametrize(
    ("body", "env_token", "named"),
    [
        ('[metrics]\ntoken = "short"\n', None, "metrics.token (GATEPOST_METRICS_TOKEN): too short"),
        ("", "x" * 31, "metrics.token (GATEPOST_METRICS_TOKEN): too short (31 characters)"),
        ("", "has a space " * 4, "metrics.token (GATEPOST_METRICS_TOKEN): has spaces"),
        ('[metrics]\nallow = ["10.0.0.300"]\n', None, "metrics.allow: '10.0.0.300' is not an IP"),
        ('[metrics]\nallow = "127.0.0.1"\n', None, "metrics.allow: must be a list of strings"),
        ('[metrics]\nsecret = "x"\n', None, "metrics.secret: unknown setting"),
    ],
)
def test_bad_metrics_settings_are_refused_naming_the_setting(
    tmp_path: Path, body: str, env_token: str | None, named: str
) -> None:
    env = write_toml(tmp_path, body)
    if env_token is not None:
        env["GATEPOST_METRICS_TOKEN"] = env_token
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    assert str(raised.value).startswith(named)
    assert "\n" not in str(raised.value)


KEY_A = "a" * 43 + "="
KEY_B = "b" * 43 + "="


def test_credential_keys_are_generated_once_into_the_instance_folder_and_never_shown(
    tmp_path: Path,
) -> None:
    first = load_settings({"GATEPOST_INSTANCE_PATH": str(tmp_path)})
    second = load_settings({"GATEPOST_INSTANCE_PATH": str(tmp_path)})
    assert first.credential_keys == second.credential_keys
    [key] = first.credential_keys
    assert key != first.secret_key
    assert (tmp_path / "credential_key").stat().st_mode & 0o777 == 0o600
    assert key not in repr(first)


def test_credential_keys_come_newest_first_from_the_environment_or_the_file(
    tmp_path: Path,
) -> None:
    env = {"GATEPOST_INSTANCE_PATH": str(tmp_path), "GATEPOST_CREDENTIAL_KEYS": f"{KEY_A}, {KEY_B}"}
    assert load_settings(env).credential_keys == (KEY_A, KEY_B)
    env = write_toml(tmp_path, f'[credentials]\nkeys = ["{KEY_B}", "{KEY_A}"]\n')
    assert load_settings(env).credential_keys == (KEY_B, KEY_A)
    assert not (tmp_path / "instance" / "credential_key").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{KEY_A},not-a-key-at-all", "key 2 of 2 is not a Fernet key"),
        (f"{KEY_A},{KEY_A}", "a key is listed twice"),
        ("x" * 44, "key 1 of 1 is not a Fernet key"),
    ],
)
def test_bad_credential_keys_stop_start_up_without_showing_them(
    tmp_path: Path, value: str, expected: str
) -> None:
    env = {"GATEPOST_INSTANCE_PATH": str(tmp_path), "GATEPOST_CREDENTIAL_KEYS": value}
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    assert str(raised.value).startswith("credentials.keys (GATEPOST_CREDENTIAL_KEYS): ")
    assert expected in str(raised.value)
    assert "not-a-key-at-all" not in str(raised.value)


def test_the_session_secret_cannot_double_as_a_credential_key(tmp_path: Path) -> None:
    env = {
        "GATEPOST_INSTANCE_PATH": str(tmp_path),
        "GATEPOST_SECRET_KEY": KEY_A,
        "GATEPOST_CREDENTIAL_KEYS": KEY_A,
    }
    with pytest.raises(SettingsError, match="is the session secret key; use a key of its own"):
        load_settings(env)


def test_the_x_app_comes_from_the_file_and_the_environment(tmp_path: Path) -> None:
    env = write_toml(tmp_path, '[x]\nclient_id = "from-file"\n')
    env["GATEPOST_X_CLIENT_SECRET"] = "from-environment"
    x_app = load_settings(env).x
    assert (x_app.client_id, x_app.client_secret) == ("from-file", "from-environment")
    assert x_app.authorize_url == "https://x.com/i/oauth2/authorize"
    assert "from-environment" not in repr(x_app)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ('[x]\nclient_secret = "s"\n', "x.client_secret (GATEPOST_X_CLIENT_SECRET) is set but"),
        ('[x]\nauthorize_url = "http://x.com/i/oauth2/authorize"\n', "x.authorize_url: "),
        ('[x]\nauthorize_url = "x.com"\n', "is not an https:// address"),
        ('[x]\nclient = "id"\n', "x.client: unknown setting"),
    ],
)
def test_bad_x_settings_are_refused_naming_the_setting(
    tmp_path: Path, body: str, named: str
) -> None:
    with pytest.raises(SettingsError, match=named.replace("(", r"\(").replace(")", r"\)")):
        load_settings(write_toml(tmp_path, body))
