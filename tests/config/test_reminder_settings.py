"""The release reminders' lead times: defaults, the TOML file, the environment, bad values."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from config import Settings, SettingsError, load_settings


def settings_with(tmp_path: Path, body: str = "", **environ: str) -> Settings:
    path = tmp_path / "gatepost.toml"
    path.write_text(body)
    return load_settings(
        {"GATEPOST_CONFIG": str(path), "GATEPOST_INSTANCE_PATH": str(tmp_path), **environ}
    )


def test_reminders_go_a_day_two_hours_and_half_an_hour_before_by_default(tmp_path: Path) -> None:
    settings = load_settings({"GATEPOST_INSTANCE_PATH": str(tmp_path)})
    assert settings.reminders.lead_times == (
        timedelta(hours=24),
        timedelta(hours=2),
        timedelta(minutes=30),
    )


def test_lead_times_come_from_the_file_then_the_environment_longest_first(
    tmp_path: Path,
) -> None:
    from_file = settings_with(tmp_path, '[reminders]\nlead_times = ["15m", "1d", "3h", "180min"]\n')
    assert from_file.reminders.lead_times == (
        timedelta(days=1),
        timedelta(hours=3),
        timedelta(minutes=15),
    )
    from_environment = settings_with(
        tmp_path,
        '[reminders]\nlead_times = ["15m"]\n',
        GATEPOST_REMINDER_LEAD_TIMES="48h, 90m",
    )
    assert from_environment.reminders.lead_times == (
        timedelta(hours=48),
        timedelta(minutes=90),
    )
    none = settings_with(tmp_path, "[reminders]\nlead_times = []\n")
    assert none.reminders.lead_times == ()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[reminders]\nlead_times = ["2 weeks"]\n',
            "reminders.lead_times: '2 weeks' is not a lead time",
        ),
        ('[reminders]\nlead_times = ["0m"]\n', "reminders.lead_times: '0m' is not a lead time"),
        (
            '[reminders]\nlead_times = ["15d"]\n',
            "reminders.lead_times: a lead time can be at most 14 days",
        ),
        ("[reminders]\nlead_times = 30\n", "reminders.lead_times: must be a list of lead times"),
        ('[reminders]\nlead_time = ["2h"]\n', "reminders.lead_time: unknown setting"),
    ],
)
def test_bad_lead_times_stop_start_up_naming_the_setting(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(SettingsError, match="^" + message.replace("(", r"\(")):
        settings_with(tmp_path, body)
