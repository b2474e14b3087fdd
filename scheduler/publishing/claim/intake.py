"""One claim transaction: claim a batch, check the rules, hold what may not go, audit it all."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.models import PostState
from scheduler.publishing.claim.holds import record_holds
from scheduler.publishing.claim.leases import claim_due, claim_ids, twin_neighbours
from scheduler.publishing.record.audit_rows import insert_audit, insert_claimed
from scheduler.publishing.rows import PostRow
from scheduler.publishing.rules.eligibility import Decision, RuleContext, Verdict, judge
from scheduler.publishing.rules.facts import Facts, load_facts
from scheduler.publishing.send.plan import Unit, plan
from scheduler.publishing.status import live_workers
from scheduler.publishing.worker.runtime import WorkerRuntime


@dataclass
class Intake:
    """What one claim took, and what it left held or missed."""

    claimed: int = 0
    held: int = 0
    missed: int = 0
    units: list[Unit] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    @property
    def jobs(self) -> int:
        """Return how many posts are to be sent."""
        return sum(len(unit.jobs) for unit in self.units)


def take_batch(runtime: WorkerRuntime, *, limit: int, in_pass: Collection[int] = ()) -> Intake:
    """Claim up to `limit` due posts (and their twins) and commit the claim; return what to send.

    One transaction: claim the batch, check the rules, hold what may not go, audit it all.
    """
    with runtime.database.session_factory() as session:
        now = runtime.clock.now()
        claimed = _claim(runtime, session, now, limit)
        if claimed is None:
            session.rollback()
            return Intake()
        batch, facts = claimed
        decisions = _check_rules(runtime, batch, facts, now, in_pass)
        stopped = _hold(runtime, session, decisions, now)
        sending = _mark_sending(runtime, session, decisions, now)
        session.commit()
    runtime.in_flight.add(sending)
    return Intake(
        claimed=len(batch),
        held=sum(1 for d in stopped if d.verdict is Verdict.HOLD),
        missed=sum(1 for d in stopped if d.verdict is Verdict.MISSED),
        units=plan(decisions, facts, now),
        decisions=list(decisions.values()),
    )


def _claim(
    runtime: WorkerRuntime, session: Session, now: datetime, limit: int
) -> tuple[list[PostRow], Facts] | None:
    """Claim due posts and the twins left out of the batch; return them with their facts."""
    owner = runtime.owner
    lease_until = now + runtime.settings.worker.lease
    # Heartbeats are wall-clock instants, whatever clock the rules run on.
    peers = live_workers(session, now=runtime.wall_clock.now(), settings=runtime.settings)
    leaders = claim_due(
        session,
        now=now,
        owner=owner,
        lease_until=lease_until,
        limit=limit,
        peers=peers,
    )
    if not leaders:
        return None
    neighbours = twin_neighbours(session, leaders)
    partners = claim_ids(
        session,
        [row.id for row in neighbours if row.state is PostState.SCHEDULED],
        now=now,
        owner=owner,
        lease_until=lease_until,
    )
    claimed_partners = {row.id for row in partners}
    batch = leaders + partners
    others = [row for row in neighbours if row.id not in claimed_partners]
    facts = load_facts(session, batch, others, now=now, channel_cache=runtime.channel_cache)
    return batch, facts


def _check_rules(
    runtime: WorkerRuntime,
    batch: list[PostRow],
    facts: Facts,
    now: datetime,
    in_pass: Collection[int],
) -> dict[int, Decision]:
    """Return what the rules decide for each claimed post: publish, hold or missed."""
    context = RuleContext(
        now=now,
        window=runtime.window_with(facts.quiet),
        grace=runtime.settings.worker.missed_grace,
        owner=runtime.owner,
        in_pass=in_pass,
        platform_known=runtime.platforms.known,
        needs_connection=runtime.platforms.needs_connection,
    )
    return judge(batch, facts, context)


def _hold(
    runtime: WorkerRuntime, session: Session, decisions: dict[int, Decision], now: datetime
) -> list[Decision]:
    """Write the holds and misses, with their audit events; return those decisions."""
    stopped = [d for d in decisions.values() if d.verdict is not Verdict.PUBLISH]
    insert_audit(
        session,
        record_holds(
            session,
            stopped,
            owner=runtime.owner,
            actor_label=runtime.identity.actor_label,
            now=now,
        ),
    )
    return stopped


def _mark_sending(
    runtime: WorkerRuntime, session: Session, decisions: dict[int, Decision], now: datetime
) -> list[int]:
    """Audit the claim of each post that goes now; return their ids."""
    sending = [d.post.id for d in decisions.values() if d.verdict is Verdict.PUBLISH]
    insert_claimed(session, sending, actor_label=runtime.identity.actor_label, at=now)
    return sending
