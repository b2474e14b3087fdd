"""What an approver is told before clearing a post the publishing window will hold."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.send_times import usable
from scheduler.clearance.units import active_unit
from scheduler.core.local_time import describe
from scheduler.models import Post
from scheduler.publishing.rules.facts import load_overrides, load_window
from scheduler.publishing.rules.timing import judge_timing
from scheduler.publishing.rules.window import PublishingWindow, WindowNeverOpens


def held_after_approval(
    session: Session,
    post: Post,
    *,
    settings: Settings,
    now: datetime,
    window: PublishingWindow | None = None,
) -> str | None:
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
    zone = settings.timezone
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
            return f"Its send time, {describe(member.send_at, zone)}, is never open: {never}"
        if timing.reason is not None:
            which = "its" if member.id == post.id else f"post {member.id}'s"
            cause = timing.reason.partition("; it may go at ")[0]
            return (
                f"If you approve it, it will be held until {describe(timing.may_go_at, zone)}, "
                f"not sent at {which} send time, {describe(member.send_at, zone)}: {cause}"
            )
    return None
