"""The publishing window: office hours, minus the nation's bank holidays, minus quiet periods.

Office hours are local wall-clock times, so every check converts the instant to local time first;
09:00 stays 09:00 on the days the clocks change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import holidays

from config import Settings
from config.settings import UK_NATIONS
from scheduler.core.local_time import at_local, describe

BlockKind = Literal["office_hours", "closed_day", "bank_holiday", "quiet_period"]
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Enough steps to cross a year of closed days and quiet periods; more means the window never opens.
MAX_STEPS = 2000


class WindowNeverOpens(Exception):
    """No publishing window was found within a reasonable horizon."""


@dataclass(frozen=True)
class QuietSpan:
    """A quiet period as the window sees it: [starts_at, ends_at) on one channel or all."""

    name: str
    starts_at: datetime
    ends_at: datetime
    channel_id: int | None = None

    def covers(self, instant: datetime, channel_id: int | None) -> bool:
        """Return whether the span holds posts of that channel at that instant."""
        return self.starts_at <= instant < self.ends_at and (
            self.channel_id is None or self.channel_id == channel_id
        )


def configured_quiet_periods(settings: Settings) -> tuple[QuietSpan, ...]:
    """Return the quiet periods of the settings file, which every window adds to the admins'."""
    return tuple(
        QuietSpan(period.name, period.starts_at, period.ends_at)
        for period in settings.quiet_periods
    )


def quiet_reason(name: str) -> str:
    """Return how a hold reason names a quiet period (cancelling one looks for it)."""
    return f"Quiet period “{name}”"


@dataclass(frozen=True)
class Block:
    """Why publishing is closed at an instant, and when this particular block ends."""

    kind: BlockKind
    reason: str
    until: datetime


def _day_list(weekdays: Iterable[int]) -> str:
    days = sorted(weekdays)
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{WEEKDAY_NAMES[days[0]][:3]}-{WEEKDAY_NAMES[days[-1]][:3]}"
    return ", ".join(WEEKDAY_NAMES[day][:3] for day in days)


class PublishingWindow:
    """Answer whether publishing is open at an instant, and when it next opens."""

    def __init__(
        self,
        settings: Settings,
        quiet_periods: Sequence[QuietSpan] = (),
        *,
        calendar: Any = None,
    ) -> None:
        self.settings = settings
        self.zone = settings.timezone
        self.hours = settings.office_hours
        self.quiet_periods = tuple(quiet_periods)
        self._calendar = calendar or holidays.country_holidays(
            settings.holidays_country, subdiv=settings.holidays_subdivision or None
        )
        nation = UK_NATIONS.get(settings.holidays_subdivision, settings.holidays_subdivision)
        self._region = nation if settings.holidays_country == "GB" else settings.holidays_country
        # A batch asks about the same few instants over and over: remember the answers.
        self._per_channel = any(span.channel_id is not None for span in self.quiet_periods)
        self._blocks: dict[tuple[datetime, int | None], Block | None] = {}
        self._opens: dict[tuple[datetime, int | None], datetime] = {}

    def with_quiet_periods(self, quiet_periods: Sequence[QuietSpan]) -> PublishingWindow:
        """Return the same window with these quiet periods (sharing the holiday calendar)."""
        return PublishingWindow(self.settings, quiet_periods, calendar=self._calendar)

    def describe_hours(self) -> str:
        """Return office hours as people read them, e.g. "Mon-Fri 09:00-17:00"."""
        return f"{_day_list(self.hours.weekdays)} {self.hours.start:%H:%M}-{self.hours.end:%H:%M}"

    def holiday_name(self, day: date) -> str | None:
        """Return the bank holiday's name on that local day, or None."""
        name = self._calendar.get(day)
        return str(name) if name else None

    def hours_on(self, day: date) -> tuple[time, time] | None:
        """Return the office hours of the local day, or None when it is closed all day."""
        if self.holiday_name(day) or day.weekday() not in self.hours.weekdays:
            return None
        return self.hours.start, self.hours.end

    def block_at(self, instant: datetime, channel_id: int | None = None) -> Block | None:
        """Return what closes publishing at the instant, or None when it is open."""
        key = (instant, channel_id if self._per_channel else None)
        if key not in self._blocks:
            if len(self._blocks) > 4096:
                self._blocks.clear()
            self._blocks[key] = self._block_at(instant, channel_id)
        return self._blocks[key]

    def _block_at(self, instant: datetime, channel_id: int | None) -> Block | None:
        covering = [span for span in self.quiet_periods if span.covers(instant, channel_id)]
        if covering:
            span = max(covering, key=lambda item: item.ends_at)
            return Block(
                "quiet_period",
                f"{quiet_reason(span.name)} until {describe(span.ends_at, self.zone)}",
                span.ends_at,
            )
        local = instant.astimezone(self.zone)
        day = local.date()
        next_morning = at_local(day + timedelta(days=1), self.hours.start, self.zone)
        holiday = self.holiday_name(day)
        if holiday:
            return Block(
                "bank_holiday", f"Bank holiday in {self._region} ({holiday})", next_morning
            )
        if local.weekday() not in self.hours.weekdays:
            return Block(
                "closed_day",
                f"{WEEKDAY_NAMES[local.weekday()]} is not a publishing day "
                f"(office hours are {self.describe_hours()})",
                next_morning,
            )
        wall = local.time().replace(tzinfo=None)
        if wall < self.hours.start:
            return Block(
                "office_hours",
                f"Before office hours ({self.describe_hours()})",
                at_local(day, self.hours.start, self.zone),
            )
        if wall >= self.hours.end:
            return Block(
                "office_hours", f"After office hours ({self.describe_hours()})", next_morning
            )
        return None

    def is_open(self, instant: datetime, channel_id: int | None = None) -> bool:
        """Return whether a post on the channel may be published at the instant."""
        return self.block_at(instant, channel_id) is None

    def next_open(self, instant: datetime, channel_id: int | None = None) -> datetime:
        """Return the first instant at or after `instant` when publishing is open."""
        key = (instant, channel_id if self._per_channel else None)
        opens = self._opens.get(key)
        if opens is None:
            if len(self._opens) > 4096:
                self._opens.clear()
            opens = self._opens[key] = self._next_open(instant, channel_id)
        return opens

    def _next_open(self, instant: datetime, channel_id: int | None) -> datetime:
        candidate = instant
        try:
            for _ in range(MAX_STEPS):
                block = self.block_at(candidate, channel_id)
                if block is None:
                    return candidate
                candidate = max(block.until, candidate + timedelta(microseconds=1))
        except OverflowError:
            # Only a time stored before the horizon rule (scheduler.core.time_horizon) gets here.
            raise WindowNeverOpens(
                f"The publishing window cannot be worked out after {instant.isoformat()}: "
                "it is beyond the dates Gatepost can handle; choose an earlier time"
            ) from None
        raise WindowNeverOpens(
            f"The publishing window does not open within {MAX_STEPS} closed spans after "
            f"{describe(instant, self.zone)}; check office hours and quiet periods"
        )
