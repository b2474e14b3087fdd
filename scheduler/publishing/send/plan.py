"""Turn publish decisions into units (a post, or two twins back to back) on per-channel lanes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from scheduler.publishing.rows import ChannelFacts, MediaFacts, PostRow
from scheduler.publishing.rules.eligibility import Decision, Verdict
from scheduler.publishing.rules.facts import Facts

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class Job:
    """One post to send, with everything the adapter call needs."""

    post: PostRow
    channel: ChannelFacts
    first_allowed_at: datetime
    reply_to: str | None = None
    #: the thread predecessor sent earlier in this pass, whose platform id it replies to
    reply_after: int | None = None
    twin_published_at: datetime | None = None
    #: its twin, whichever of the two names the other
    twin_id: int | None = None
    media: tuple[MediaFacts, ...] = ()


@dataclass(slots=True)
class Unit:
    """What a lane sends in one go: one post, or twins one straight after the other."""

    lane: int
    jobs: tuple[Job, ...]


def _job(decision: Decision, facts: Facts, now: datetime) -> Job:
    return Job(
        post=decision.post,
        channel=facts.channels[decision.post.channel_id],
        first_allowed_at=decision.first_allowed_at or now,
        reply_to=decision.reply_to,
        reply_after=decision.reply_after,
        twin_published_at=decision.twin_published_at,
        twin_id=facts.partner_of.get(decision.post.id),
        media=facts.media.get(decision.post.id, ()),
    )


def _order(unit: Unit) -> tuple[datetime, int, int, int]:
    post = unit.jobs[0].post
    return (post.due_at or _EPOCH, post.thread_id or 0, post.thread_position or 0, post.id)


def plan(decisions: Mapping[int, Decision], facts: Facts, now: datetime) -> list[Unit]:
    """Return the units to send, in the order each lane must send them."""
    units: list[Unit] = []
    placed: set[int] = set()
    for decision in decisions.values():
        if decision.verdict is not Verdict.PUBLISH or decision.post.id in placed:
            continue
        placed.add(decision.post.id)
        if decision.partner_id is None:
            job = _job(decision, facts, now)
            units.append(Unit(lane=job.channel.lane, jobs=(job,)))
            continue
        partner = decisions[decision.partner_id]
        placed.add(partner.post.id)
        # The lower id goes first, so both workers and people can predict the order.
        pair = sorted((decision, partner), key=lambda item: item.post.id)
        jobs = tuple(_job(item, facts, now) for item in pair)
        units.append(Unit(lane=jobs[0].channel.lane, jobs=jobs))
    units.sort(key=_order)
    return units
