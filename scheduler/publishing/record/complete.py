"""Record what happened to sent posts, in one transaction per batch of outcomes.

Every write is fenced (`WHERE id = :id AND state = 'publishing' AND lease_owner = :me`), so a
worker that lost its lease (it stalled, another worker recovered its posts) cannot overwrite the
real result. The rows keep `lease_owner` as the worker that settled them, and whoever takes a
lease over writes its own name there; so when the updates touched fewer rows than expected, the
rows still naming this worker are exactly the ones it wrote, and only those are audited.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from scheduler.publishing.record.audit_rows import audit_row, insert_audit
from scheduler.publishing.rules.vocabulary import (
    FAILED,
    HELD_IN_LANE,
    PUBLISHED,
    RETRY,
    TWIN_LEFT_BEHIND,
    UNKNOWN,
    Step,
)
from scheduler.publishing.send.outcomes import Outcome, OutcomeKind
from scheduler.publishing.statements import (
    AGAIN,
    HELD,
    NEXT_IN_THREAD,
    PUBLISHED_ARRAYS,
    PUBLISHED_JSON,
    STOPPED,
    TWIN_GAP,
    still_leased,
)
from scheduler.publishing.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)

#: The table's step for each outcome (retries, pacing and requeues are all `mark_retry`; the
#: comment says which).
_STEP: dict[OutcomeKind, Step] = {
    OutcomeKind.PUBLISHED: PUBLISHED,
    OutcomeKind.RETRY: RETRY,
    OutcomeKind.DEFERRED: RETRY,
    OutcomeKind.REQUEUED: RETRY,
    OutcomeKind.HELD: HELD_IN_LANE,
    OutcomeKind.FAILED: FAILED,
    OutcomeKind.UNKNOWN: UNKNOWN,
}
Groups = dict[OutcomeKind, list[Outcome]]


def _details(outcome: Outcome) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if outcome.external_id:
        details["external_id"] = outcome.external_id
    if outcome.twin_gap_ms is not None:
        details["twin_gap_ms"] = outcome.twin_gap_ms
    if outcome.due_at is not None:
        details["until"] = outcome.due_at.isoformat()
    if outcome.attempted:
        details["attempt"] = outcome.job.post.attempts + 1
    if outcome.recovered_from is not None:
        details["recovered_from"] = outcome.recovered_from
    return details


def record_outcomes(
    session: Session,
    outcomes: Sequence[Outcome],
    *,
    owner: str,
    actor_label: str,
    now: datetime,
) -> Counter[OutcomeKind]:
    """Write the outcomes this worker still owns, with one audit event each; return the counts."""
    if not outcomes:
        return Counter()
    groups = _by_kind(outcomes)
    written = (
        _write_published(session, groups, owner, now)
        + _write_again(session, groups, owner, now)
        + _write_held(session, groups, owner, now)
        + _write_stopped(session, groups, owner, now)
    )
    owned = _still_owned(session, outcomes, written, owner)
    published = [o for o in groups[OutcomeKind.PUBLISHED] if o.job.post.id in owned]
    _write_twin_gaps(session, published, now)
    _release_next_in_thread(session, published, now)
    insert_audit(session, _audit_rows(outcomes, owned, actor_label, now))
    return Counter(o.kind for o in outcomes if o.job.post.id in owned)


def _by_kind(outcomes: Sequence[Outcome]) -> Groups:
    """Return the outcomes grouped by kind, in their order (one statement writes a group)."""
    groups: Groups = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.kind].append(outcome)
    return groups


def _fenced(outcome: Outcome, owner: str, now: datetime) -> dict[str, Any]:
    """Return the parameters every fenced write of an outcome takes: which post, whose, when."""
    return {"b_id": outcome.job.post.id, "b_owner": owner, "b_now": now}


def _write_published(session: Session, groups: Groups, owner: str, now: datetime) -> int:
    """Mark the published posts published, in one statement; return the rows written."""
    published = groups[OutcomeKind.PUBLISHED]
    if not published:
        return 0
    postgres = session.get_bind().dialect.name == "postgresql"
    return (PUBLISHED_ARRAYS if postgres else PUBLISHED_JSON).execute(
        session,
        [
            _fenced(o, owner, now)
            | {
                "b_external_id": o.external_id,
                "b_published_at": o.published_at or o.at,
                "b_gap": o.twin_gap_ms,
                "b_tries": 1 if o.attempted else 0,
                "b_first": o.job.first_allowed_at,
            }
            for o in published
        ],
    )


def _write_again(session: Session, groups: Groups, owner: str, now: datetime) -> int:
    """Schedule again what is retried, paced or requeued; return the rows written."""
    again = groups[OutcomeKind.RETRY] + groups[OutcomeKind.DEFERRED] + groups[OutcomeKind.REQUEUED]
    if not again:
        return 0
    return AGAIN.execute(
        session,
        [
            _fenced(o, owner, now)
            | {
                "b_due": o.due_at or o.job.post.due_at or now,
                "b_until": None if o.kind is OutcomeKind.REQUEUED else o.due_at,
                "b_reason": o.reason,
                "b_error": o.error,
                "b_tries": 1 if o.attempted else 0,
                "b_first": o.job.first_allowed_at
                if o.kind is not OutcomeKind.REQUEUED
                else o.job.post.first_allowed_at,
            }
            for o in again
        ],
    )


def _write_held(session: Session, groups: Groups, owner: str, now: datetime) -> int:
    """Hold what waits for its twin or its thread; return the rows written."""
    held = groups[OutcomeKind.HELD]
    if not held:
        return 0
    return HELD.execute(
        session,
        [
            _fenced(o, owner, now) | {"b_due": o.due_at, "b_due2": o.due_at, "b_reason": o.reason}
            for o in held
        ],
    )


def _write_stopped(session: Session, groups: Groups, owner: str, now: datetime) -> int:
    """Stop what failed for good or whose fate is unknown; return the rows written."""
    stopped = groups[OutcomeKind.FAILED] + groups[OutcomeKind.UNKNOWN]
    if not stopped:
        return 0
    return STOPPED.execute(
        session,
        [
            _fenced(o, owner, now)
            | {
                "b_state": _STEP[o.kind].target_state,
                "b_error": o.error,
                "b_reason": o.reason,
                "b_tries": 1 if o.attempted else 0,
            }
            for o in stopped
        ],
    )


def _still_owned(
    session: Session, outcomes: Sequence[Outcome], written: int, owner: str
) -> set[int]:
    """Return the posts whose outcome this worker wrote (all, unless it lost some leases)."""
    ids = [outcome.job.post.id for outcome in outcomes]
    if written == len(ids):
        return set(ids)
    # The fenced writes skipped posts another worker took over; their rows name that worker.
    owned = set(session.scalars(still_leased(ids, owner)))
    lost = sorted(set(ids) - owned)
    log.warning("lease lost before recording posts %s; another worker settled them", lost)
    return owned


def _write_twin_gaps(session: Session, published: list[Outcome], now: datetime) -> None:
    """Write the gap on both twins when this one went out after its twin had been recorded."""
    left_behind = [
        o for o in published if o.job.twin_published_at is not None and o.twin_gap_ms is None
    ]
    partner_gaps = []
    for outcome in left_behind:
        assert outcome.job.twin_published_at is not None
        gap = ((outcome.published_at or now) - outcome.job.twin_published_at).total_seconds()
        # Kept on the outcome too: its audit event says the gap.
        outcome.twin_gap_ms = round(gap * 1000, 3)
        partner_gaps.append({"b_id": outcome.job.post.id, "b_gap": outcome.twin_gap_ms})
        twin_id = outcome.job.twin_id
        if twin_id is not None:
            partner_gaps.append({"b_id": twin_id, "b_gap": outcome.twin_gap_ms})
    if partner_gaps:
        TWIN_GAP.execute(session, [gap | {"b_now": now} for gap in partner_gaps])


def _release_next_in_thread(session: Session, published: list[Outcome], now: datetime) -> None:
    """Let the next post of each published thread post's thread go now, if it waited for it."""
    threaded = [
        {"b_thread": o.job.post.thread_id, "b_position": o.job.post.thread_position, "b_now": now}
        for o in published
        if o.job.post.thread_id is not None
    ]
    if threaded:
        NEXT_IN_THREAD.execute(session, threaded)


def record_committed(runtime: WorkerRuntime, outcomes: Sequence[Outcome]) -> Counter[OutcomeKind]:
    """Record the outcomes as this worker, in a transaction of its own; return the counts."""
    with runtime.database.session_factory() as session:
        counts = record_outcomes(
            session,
            outcomes,
            owner=runtime.owner,
            actor_label=runtime.identity.actor_label,
            now=runtime.clock.now(),
        )
        session.commit()
    return counts


def _audit_rows(
    outcomes: Sequence[Outcome], owned: set[int], actor_label: str, now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for outcome in outcomes:
        post = outcome.job.post
        if post.id not in owned:
            continue
        step = _STEP[outcome.kind]
        rows.append(
            audit_row(
                step.action,
                post,
                actor_label=actor_label,
                at=now,
                from_state=step.source,
                to_state=step.target,
                comment=outcome.error or outcome.reason or "",
                details=_details(outcome),
            )
        )
        if outcome.alert:
            rows.append(
                audit_row(
                    TWIN_LEFT_BEHIND,
                    post,
                    actor_label=actor_label,
                    at=now,
                    comment=outcome.alert,
                )
            )
    return rows
