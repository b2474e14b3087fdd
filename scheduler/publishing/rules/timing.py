"""When a post may go: the one answer the worker, its dry run, the compose preview and the
calendar share.

A post may go at the first instant that is at or after its send time, never before its release's
embargo, and inside the publishing window (office hours minus bank holidays minus quiet periods)
unless an admin's override for its current text lets it go outside the window.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from scheduler.core.local_time import describe
from scheduler.publishing.rules.window import PublishingWindow


class Timing(NamedTuple):
    """When a post may go, as judged at one instant, and why not at that instant."""

    # A tuple, not a dataclass: the worker makes one per post it judges, and this is cheaper.

    judged_at: datetime
    may_go_at: datetime
    #: why it may not go at `judged_at`, ending with when it may; None when it may go then
    reason: str | None

    @property
    def goes_now(self) -> bool:
        """Return whether it may go at the instant it was judged at."""
        return self.reason is None


def first_allowed(
    window: PublishingWindow,
    start: datetime,
    *,
    channel_id: int | None,
    not_before: datetime | None = None,
    override_from: datetime | None = None,
) -> datetime:
    """Return the first instant from `start`, and not before `not_before`, a post may go.

    `override_from` is when an admin's override for the post's current text was granted: from
    then on the window does not hold it (the embargo, in `not_before`, still does).
    """
    base = max(start, not_before) if not_before is not None else start
    opens = window.next_open(base, channel_id)
    if override_from is None:
        return opens
    return min(opens, max(base, override_from))


def judge_timing(
    window: PublishingWindow,
    *,
    at: datetime,
    send_at: datetime,
    channel_id: int | None,
    embargo: datetime | None = None,
    release_title: str | None = None,
    override_from: datetime | None = None,
) -> Timing:
    """Return when a post due at `send_at` may go, judged at `at`, and why not at `at`.

    Raises WindowNeverOpens when the window does not open within its horizon.
    """
    not_before = max(send_at, embargo) if embargo is not None else send_at
    if not_before <= at and (override_from is not None or window.block_at(at, channel_id) is None):
        return Timing(at, at, None)  # the common case in a pass, answered from the window's cache
    if override_from is not None:
        # An override that exists when the post is judged lets it go from then at the latest
        # (a dry run or rehearsal judges instants before the override was granted).
        override_from = min(override_from, at)
    allowed = first_allowed(
        window, at, channel_id=channel_id, not_before=not_before, override_from=override_from
    )
    if allowed <= at:
        return Timing(at, at, None)
    zone = window.zone
    if embargo is not None and embargo > at:
        title = f" (release “{release_title}”)" if release_title else ""
        cause = f"Embargoed until {describe(embargo, zone)}{title}"
    elif send_at > at:
        cause = f"Not due until {describe(send_at, zone)}"
    else:
        block = window.block_at(at, channel_id)
        cause = block.reason if block is not None else "Outside the publishing window"
    return Timing(at, allowed, f"{cause}; it may go at {describe(allowed, zone)}")
