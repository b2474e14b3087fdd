"""Load, in a handful of set-based queries, everything the rules need about a batch of posts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.counting import approvals, approver_counts
from scheduler.models import PublishOverride, QuietPeriod
from scheduler.publishing.rows import (
    POST_COLUMNS,
    ChannelFacts,
    MediaFacts,
    PostRow,
    ReleaseFacts,
    channels,
    ids_in,
    media_attachments,
    posts,
    releases,
)
from scheduler.publishing.rules.window import PublishingWindow, QuietSpan, configured_quiet_periods

overrides = cast(Table, PublishOverride.__table__)
quiet_periods = cast(Table, QuietPeriod.__table__)


@dataclass
class Facts:
    """What the rules look at besides the posts themselves."""

    channels: dict[int, ChannelFacts]
    releases: dict[int, ReleaseFacts]
    #: post id -> distinct approvers that count for its current content version (none of its
    #: authors; see scheduler/clearance/counting.py)
    approvals: dict[int, int]
    #: post id -> when the newest valid override for its current content version was granted
    overrides: dict[int, datetime]
    #: twin partner of each post that has one (in either direction)
    partner_of: dict[int, int]
    #: posts the rules look at that are not in the batch (twins, thread neighbours)
    others: dict[int, PostRow]
    #: thread id -> every live post of the thread, batch or not, by position
    threads: dict[int, list[PostRow]]
    media: dict[int, tuple[MediaFacts, ...]] = field(default_factory=dict)
    quiet: tuple[QuietSpan, ...] = ()


def load_channels(
    session: Session, ids: Iterable[int], cache: dict[int, ChannelFacts]
) -> dict[int, ChannelFacts]:
    """Return facts for the channels, reading only those not already in the cache."""
    wanted = set(ids)
    missing = wanted - cache.keys()
    if missing:
        query = select(
            channels.c.id,
            channels.c.handle,
            channels.c.platform,
            channels.c.language,
            channels.c.twin_id,
            channels.c.requires_twin,
            channels.c.approvals_required,
            channels.c.active,
            channels.c.platform_options,
            channels.c.instance_url,
            channels.c.credentials_encrypted,
        ).where(channels.c.id.in_(missing))
        for row in session.execute(query):
            cache[row.id] = ChannelFacts(
                id=row.id,
                handle=row.handle,
                platform=row.platform,
                language=row.language,
                twin_id=row.twin_id,
                requires_twin=row.requires_twin,
                approvals_required=row.approvals_required,
                active=row.active,
                options=dict(row.platform_options or {}),
                instance_url=row.instance_url,
                credentials=row.credentials_encrypted,
            )
    return {key: cache[key] for key in wanted if key in cache}


def load_window(session: Session, settings: Settings, *, now: datetime) -> PublishingWindow:
    """Return the publishing window as it stands: with the configured and admins' quiet periods."""
    admins = load_quiet_periods(session, now)
    return PublishingWindow(settings).with_quiet_periods(
        configured_quiet_periods(settings) + admins
    )


def load_quiet_periods(session: Session, now: datetime) -> tuple[QuietSpan, ...]:
    """Return the quiet periods admins added that have not ended or been cancelled."""
    query = select(
        quiet_periods.c.name,
        quiet_periods.c.starts_at,
        quiet_periods.c.ends_at,
        quiet_periods.c.channel_id,
    ).where(quiet_periods.c.cancelled_at.is_(None), quiet_periods.c.ends_at > now)
    return tuple(
        QuietSpan(row.name, row.starts_at, row.ends_at, row.channel_id)
        for row in session.execute(query)
    )


def _approvals(session: Session, ids: list[int]) -> dict[int, int]:
    # Which approvals count is clearance's definition, in its SQL form, for the whole batch.
    query = approver_counts(ids_in(session, approvals.c.post_id, ids))
    return {post_id: count for post_id, count in session.execute(query)}


def load_overrides(session: Session, ids: list[int]) -> dict[int, datetime]:
    """Return when the newest valid override of each post's current text was granted."""
    query = (
        select(overrides.c.post_id, func.max(overrides.c.granted_at))
        .join(posts, posts.c.id == overrides.c.post_id)
        .where(
            ids_in(session, overrides.c.post_id, ids),
            overrides.c.content_version == posts.c.content_version,
            overrides.c.revoked_at.is_(None),
        )
        .group_by(overrides.c.post_id)
    )
    return {post_id: granted for post_id, granted in session.execute(query)}


def _releases(session: Session, ids: set[int]) -> dict[int, ReleaseFacts]:
    if not ids:
        return {}
    query = select(releases.c.id, releases.c.title, releases.c.embargo_at).where(
        releases.c.id.in_(ids)
    )
    return {
        row.id: ReleaseFacts(row.id, row.title, row.embargo_at) for row in session.execute(query)
    }


def _media(session: Session, ids: list[int]) -> dict[int, tuple[MediaFacts, ...]]:
    query = (
        select(
            media_attachments.c.post_id,
            media_attachments.c.stored_name,
            media_attachments.c.content_type,
            media_attachments.c.alt_text,
        )
        .where(ids_in(session, media_attachments.c.post_id, ids))
        .order_by(media_attachments.c.post_id, media_attachments.c.position)
    )
    found: dict[int, list[MediaFacts]] = defaultdict(list)
    for row in session.execute(query):
        found[row.post_id].append(MediaFacts(row.stored_name, row.content_type, row.alt_text))
    return {post_id: tuple(items) for post_id, items in found.items()}


def _threads(session: Session, thread_ids: set[int]) -> list[PostRow]:
    if not thread_ids:
        return []
    query = select(*POST_COLUMNS).where(posts.c.thread_id.in_(thread_ids))
    return [PostRow.from_row(row) for row in session.execute(query)]


def load_facts(
    session: Session,
    batch: Sequence[PostRow],
    neighbours: Sequence[PostRow],
    *,
    now: datetime,
    channel_cache: dict[int, ChannelFacts],
) -> Facts:
    """Load the facts for a claimed batch and the twins of it that were not claimed."""
    batch_ids = [row.id for row in batch]
    in_batch = set(batch_ids)
    others = {row.id: row for row in neighbours}
    partner_of: dict[int, int] = {}
    for row in [*batch, *neighbours]:
        if row.twin_id is not None:
            partner_of.setdefault(row.id, row.twin_id)
            partner_of.setdefault(row.twin_id, row.id)
    thread_rows = _threads(session, {row.thread_id for row in batch if row.thread_id is not None})
    threads: dict[int, list[PostRow]] = defaultdict(list)
    batch_by_id = {row.id: row for row in batch}
    for row in thread_rows:
        # The batch's own snapshot is the fresher one (it carries the claim).
        current = batch_by_id.get(row.id, row)
        threads[current.thread_id or 0].append(current)
        if row.id not in in_batch:
            others.setdefault(row.id, row)
    for members in threads.values():
        members.sort(key=lambda item: item.thread_position or 0)
    approval_ids = batch_ids + [row.id for row in neighbours]
    return Facts(
        channels=load_channels(
            session, {row.channel_id for row in [*batch, *neighbours]}, channel_cache
        ),
        releases=_releases(session, {row.release_id for row in batch if row.release_id}),
        approvals=_approvals(session, approval_ids) if approval_ids else {},
        overrides=load_overrides(session, batch_ids) if batch_ids else {},
        partner_of=partner_of,
        others=others,
        threads=dict(threads),
        media=_media(session, batch_ids) if batch_ids else {},
        quiet=load_quiet_periods(session, now),
    )
