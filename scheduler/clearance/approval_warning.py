"""What an approver is told before clearing a post the publishing window will hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.send_times import usable
from scheduler.clearance.units import active_unit
from scheduler.core.local_time import describe
from scheduler.models import Post
from scheduler.publishing.rules.facts import load_overrides, load_window
from scheduler.publishing.rules.timing import judge_timing
from scheduler.publishing.rules.window import PublishingWindow, WindowNeverOpens


@dataclass(frozen=True)
class PlannedHold:
    """Why a post cleared now would be held at its send time, and until when."""

    #: "its" for the post asked about, else "post 12's" (a twin or thread post cleared with it)
    whose: str
    send_at: datetime
    #: None when the window never opens at all
    until: datetime | None
    cause: str

    def before_approval(self, zone: ZoneInfo) -> str:
        """Return the approver's warning beside Approve."""
        if self.until is None:
            return f"Its send time, {describe(self.send_at, zone)}, is never open: {self.cause}"
        return (
            f"If you approve it, it will be held until {describe(self.until, zone)}, "
            f"not sent at {self.whose} send time, {describe(self.send_at, zone)}: {self.cause}"
        )

    def after_approval(self, zone: ZoneInfo) -> str:
        """Return what approval did, for the message after it."""
        if self.until is None:
            return f"it is held: its send time is never open ({self.cause})"
        return (
            f"it will be held until {describe(self.until, zone)}, not sent at {self.whose} "
            f"send time, {describe(self.send_at, zone)}: {self.cause}"
        )


def held_after_approval(
    session: Session,
    post: Post,
    *,
    settings: Settings,
    now: datetime,
    window: PublishingWindow | None = None,
) -> str | None:
    """Return the warning that the post (or one cleared with it) will be held, or None."""
    hold = planned_hold(session, post, settings=settings, now=now, window=window)
    return hold.before_approval(settings.timezone) if hold is not None else None


def planned_hold(
    session: Session,
    post: Post,
    *,
    settings: Settings,
    now: datetime,
    window: PublishingWindow | None = None,
) -> PlannedHold | None:
    """Return why the post (or a post cleared with it) will be held at its send time, or None.

    The worker's own judgement (`judge_timing`, as a pass at the send time would make it), so
    the warning names the same reason and the same next possible instant as the hold will.
    A page asking about many posts passes one `window` (`load_window`) for them all.
    """
    unit = active_unit(post)
    # Approval schedules the unit only when its send time could be used as it stands (ahead,
    # not before an embargo); otherwise it stays approved, and the approval says so itself.
    if not usable(post.send_at, (member.release for member in unit), now=now):
        return None
    unit = [member for member in unit if member.send_at is not None]
    window = window or load_window(session, settings, now=now)
    overrides = load_overrides(session, [member.id for member in unit])
    for member in unit:
        assert member.send_at is not None
        at = max(member.send_at, now)
        release = member.release
        try:
            timing = judge_timing(
                window,
                at=at,
                send_at=member.send_at,
                channel_id=member.channel_id,
                embargo=release.embargo_at if release is not None else None,
                release_title=release.title if release is not None else None,
                override_from=overrides.get(member.id),
            )
        except WindowNeverOpens as never:
            return PlannedHold(_whose(member, post), member.send_at, None, str(never))
        if timing.reason is not None:
            cause = timing.reason.partition("; it may go at ")[0]
            return PlannedHold(_whose(member, post), member.send_at, timing.may_go_at, cause)
    return None


def _whose(member: Post, post: Post) -> str:
    return "its" if member.id == post.id else f"post {member.id}'s"
