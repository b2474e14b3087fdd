"""A dry run: what a pass at a given instant would publish and what it would hold, changing nothing.

It reads through a read-only session, runs the same rules on the same candidates a pass would
claim, and writes nothing at all: no claims, no audit, no heartbeat, no ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.models import PostState
from scheduler.publishing.claim.leases import select_due, twin_neighbours
from scheduler.publishing.rows import ChannelFacts, posts
from scheduler.publishing.rules.eligibility import Decision, RuleContext, Verdict, judge
from scheduler.publishing.rules.facts import load_channels, load_facts
from scheduler.publishing.rules.window import PublishingWindow, configured_quiet_periods
from scheduler.publishing.send.platform_set import PlatformSet

#: The most already-held posts a dry run lists.
WAITING_LIMIT = 200


@dataclass(frozen=True)
class PreviewItem:
    """One post in a dry run's answer."""

    post_id: int
    channel: str
    verdict: str
    reason: str | None = None
    until: datetime | None = None
    twin_id: int | None = None
    thread_id: int | None = None
    thread_position: int | None = None


@dataclass
class Preview:
    """Everything a pass at `now` would do."""

    now: datetime
    publish: list[PreviewItem] = field(default_factory=list)
    held: list[PreviewItem] = field(default_factory=list)
    missed: list[PreviewItem] = field(default_factory=list)
    #: posts already held, waiting for a later instant or for someone to act
    waiting: list[PreviewItem] = field(default_factory=list)
    #: posts whose worker died mid-publish: the platform would be asked about them
    interrupted: list[PreviewItem] = field(default_factory=list)


def _item(decision: Decision, channels: dict[int, ChannelFacts]) -> PreviewItem:
    post = decision.post
    channel = channels.get(post.channel_id)
    return PreviewItem(
        post_id=post.id,
        channel=channel.handle if channel else str(post.channel_id),
        verdict=decision.verdict.value,
        reason=decision.reason,
        until=decision.until,
        twin_id=decision.partner_id,
        thread_id=post.thread_id,
        thread_position=post.thread_position,
    )


def preview(database: Database, settings: Settings, *, now: datetime) -> Preview:
    """Return what a pass at `now` would publish, hold and mark missed, changing nothing."""
    result = Preview(now=now)
    platforms = PlatformSet(settings, FixedClock(now))
    base_window = PublishingWindow(settings)
    configured = configured_quiet_periods(settings)
    channel_cache: dict[int, ChannelFacts] = {}
    decided: dict[int, Decision] = {}
    with database.read_session_factory() as session:
        after: tuple[datetime, int] | None = None
        while True:
            leaders = select_due(session, now=now, limit=settings.worker.batch_size, after=after)
            if not leaders:
                break
            last = leaders[-1]
            after = (last.due_at or now, last.id)
            leaders = [row for row in leaders if row.id not in decided]
            neighbours = twin_neighbours(session, leaders)
            partners = [
                row
                for row in neighbours
                if row.state is PostState.SCHEDULED and row.id not in decided
            ]
            partner_ids = {row.id for row in partners}
            batch = leaders + partners
            others = [row for row in neighbours if row.id not in partner_ids]
            facts = load_facts(session, batch, others, now=now, channel_cache=channel_cache)
            context = RuleContext(
                now=now,
                window=base_window.with_quiet_periods(configured + facts.quiet),
                grace=settings.worker.missed_grace,
                owner="dry-run",
                prior=decided,
                platform_known=platforms.known,
                needs_connection=platforms.needs_connection,
            )
            decisions = judge(batch, facts, context)
            decided.update(decisions)
            for decision in sorted(
                decisions.values(), key=lambda d: (d.post.due_at or now, d.post.id)
            ):
                item = _item(decision, facts.channels)
                {
                    Verdict.PUBLISH: result.publish,
                    Verdict.HOLD: result.held,
                    Verdict.MISSED: result.missed,
                }[decision.verdict].append(item)
        result.waiting = _waiting(session, now, channel_cache)
        result.interrupted = _interrupted(session, now)
        session.rollback()
    return result


def _waiting(
    session: Session, now: datetime, channels: dict[int, ChannelFacts]
) -> list[PreviewItem]:
    query = (
        select(posts.c.id, posts.c.channel_id, posts.c.hold_reason, posts.c.due_at, posts.c.twin_id)
        .where(
            posts.c.state == PostState.SCHEDULED,
            posts.c.hold_reason.is_not(None),
            or_(posts.c.due_at.is_(None), posts.c.due_at > now),
        )
        .order_by(posts.c.due_at, posts.c.id)
        .limit(WAITING_LIMIT)
    )
    rows = session.execute(query).all()
    known = load_channels(session, {row.channel_id for row in rows}, channels)
    return [
        PreviewItem(
            post_id=row.id,
            channel=known[row.channel_id].handle if row.channel_id in known else "",
            verdict="waiting",
            reason=row.hold_reason,
            until=row.due_at,
            twin_id=row.twin_id,
        )
        for row in rows
    ]


def _interrupted(session: Session, now: datetime) -> list[PreviewItem]:
    query = select(posts.c.id, posts.c.lease_owner, posts.c.lease_expires_at).where(
        posts.c.state == PostState.PUBLISHING, posts.c.lease_expires_at < now
    )
    return [
        PreviewItem(
            post_id=row.id,
            channel="",
            verdict="interrupted",
            reason=f"Worker {row.lease_owner} stopped while publishing it; the platform would "
            "be asked whether it has it",
        )
        for row in session.execute(query)
    ]
