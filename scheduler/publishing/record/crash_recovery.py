"""Resolve posts whose worker died mid-publish: ask the platform, never send blindly.

A lease that expired means its worker stopped, stalled past renewal, or lost track of the post
(its claim's commit landed and the connection died before the answer came back: see in_flight).
This worker takes the lease over (its own too, unless it is sending that post now), asks the
adapter whether the post's idempotency key was published, and records: found -> published; not
found -> scheduled again (its due time and grace unchanged, so a post that is now too late is
held as missed rather than sent late); the platform cannot be asked -> unknown, for a person to
check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.publishing.record.complete import record_committed
from scheduler.publishing.rows import ChannelFacts, PostRow
from scheduler.publishing.rules.facts import load_channels
from scheduler.publishing.send.outcomes import Outcome, OutcomeKind
from scheduler.publishing.send.plan import Job
from scheduler.publishing.send.publisher import request_for
from scheduler.publishing.statements import expired_leases, take_over_leases
from scheduler.publishing.worker.runtime import WorkerRuntime


def _take_over(
    session: Session,
    *,
    now: datetime,
    owner: str,
    lease_until: datetime,
    limit: int,
    sending: Sequence[int],
) -> list[tuple[PostRow, str | None]]:
    """Take over up to `limit` expired leases; return the posts and who held them."""
    query = expired_leases(session, now=now, owner=owner, limit=limit, sending=sending)
    previous: dict[int, str | None] = dict(session.execute(query).all())
    if not previous:
        return []
    statement = take_over_leases(list(previous), now=now, owner=owner, lease_until=lease_until)
    return [
        (row, previous.get(row.id))
        for row in (PostRow.from_row(item) for item in session.execute(statement))
    ]


def _resolve(runtime: WorkerRuntime, job: Job, previous_owner: str | None) -> Outcome:
    now = runtime.clock.now()
    who = (previous_owner or "").split("/")[0] or "another worker"
    try:
        adapter = runtime.platforms.get(job.channel.platform)
        if not adapter.supports_lookup:
            raise LookupError(f"the {job.channel.platform} platform cannot look posts up")
        account = runtime.platforms.account_for(job.channel)
        found = adapter.lookup(request_for(job, account, job.reply_to, runtime.settings.media_path))
    except Exception as error:
        return Outcome(
            job,
            OutcomeKind.UNKNOWN,
            now,
            error=f"Worker {who} stopped while publishing it, and asking the platform failed: "
            f"{error}",
            reason="It may or may not be on the platform: check the channel, then mark it "
            "published or retry it",
            attempted=True,
            recovered_from=who,
        )
    if found is not None:
        return Outcome(
            job,
            OutcomeKind.PUBLISHED,
            now,
            external_id=found.external_id,
            published_at=found.published_at,
            reason=f"Worker {who} stopped after the platform accepted it",
            attempted=True,
            recovered_from=who,
        )
    return Outcome(
        job,
        OutcomeKind.REQUEUED,
        now,
        due_at=job.post.due_at,
        reason=f"Worker {who} stopped before the platform had it; it goes again",
        recovered_from=who,
    )


def recover_expired(runtime: WorkerRuntime) -> Counter[OutcomeKind]:
    """Resolve every expired lease, a batch at a time; return what became of the posts."""
    totals: Counter[OutcomeKind] = Counter()
    owner = runtime.owner
    while True:
        with runtime.database.session_factory() as session:
            now = runtime.clock.now()
            taken = _take_over(
                session,
                now=now,
                owner=owner,
                lease_until=now + runtime.settings.worker.lease,
                limit=runtime.settings.worker.batch_size,
                sending=runtime.in_flight.ids(),
            )
            channels = load_channels(session, {row.channel_id for row, _ in taken}, {})
            session.commit()
        if not taken:
            return totals
        ids = [row.id for row, _ in taken]
        runtime.in_flight.add(ids)
        try:
            totals += _settle(runtime, taken, channels, now)
        finally:
            runtime.in_flight.discard(ids)


def _settle(
    runtime: WorkerRuntime,
    taken: list[tuple[PostRow, str | None]],
    channels: dict[int, ChannelFacts],
    now: datetime,
) -> Counter[OutcomeKind]:
    """Ask the platform about each post taken over, and record what became of it."""
    outcomes: Sequence[Outcome] = [
        _resolve(
            runtime,
            Job(
                post=row,
                channel=channels[row.channel_id],
                first_allowed_at=row.first_allowed_at or row.due_at or now,
            ),
            previous,
        )
        for row, previous in taken
    ]
    runtime.platforms.sync()
    return record_committed(runtime, outcomes)
