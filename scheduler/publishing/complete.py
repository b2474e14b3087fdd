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

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from scheduler.models import PostState
from scheduler.publishing.audit_rows import audit_row, insert_audit
from scheduler.publishing.bulk import (
    ArrayStatement,
    BulkStatement,
    GroupStatement,
    JsonRowsStatement,
)
from scheduler.publishing.outcomes import Outcome, OutcomeKind
from scheduler.publishing.rows import posts
from scheduler.publishing.runtime import WorkerRuntime
from scheduler.publishing.vocabulary import (
    FAILED,
    HELD_IN_LANE,
    PUBLISHED,
    RETRY,
    TWIN_LEFT_BEHIND,
    UNKNOWN,
    Step,
)

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

_FENCE = (
    posts.c.id == bindparam("b_id"),
    posts.c.state == PostState.PUBLISHING,
    posts.c.lease_owner == bindparam("b_owner"),
)


def _param(name: str, column: Any) -> Any:
    return bindparam(name, type_=column.type)


# The states are the transition table's (vocabulary.py), written into the text once at import.
# One statement for a whole group: on SQLite the rows come as JSON (see JsonRowsStatement). The
# unary `+` keeps SQLite from reading posts through a state index and matching each against
# the JSON; it walks the JSON and finds each post by its id.
_PUBLISHED_JSON = JsonRowsStatement(
    f"UPDATE posts SET state = '{PUBLISHED.target}', external_id = v.external_id,"  # noqa: S608
    " published_at = v.published_at, twin_gap_ms = v.gap, attempts = posts.attempts + v.tries,"
    " last_error = NULL, hold_reason = NULL, hold_until = NULL,"
    " first_allowed_at = v.first_allowed_at, lease_expires_at = NULL,"
    " version = posts.version + 1, updated_at = :b_now"
    " FROM {rows} AS v"
    f" WHERE posts.id = v.id AND +posts.state = '{PUBLISHED.source}'"
    " AND +posts.lease_owner = :b_owner",
    (
        ("b_id", "id"),
        ("b_external_id", "external_id"),
        ("b_published_at", "published_at"),
        ("b_gap", "gap"),
        ("b_tries", "tries"),
        ("b_first", "first_allowed_at"),
    ),
    shared=("b_owner", "b_now"),
    instants=("b_published_at", "b_first", "b_now"),
)
# The same on PostgreSQL, over arrays (see ArrayStatement).
_PUBLISHED_ARRAYS = ArrayStatement(
    f"UPDATE posts SET state = '{PUBLISHED.target}', external_id = v.external_id,"  # noqa: S608
    " published_at = v.published_at, twin_gap_ms = v.gap, attempts = posts.attempts + v.tries,"
    " last_error = NULL, hold_reason = NULL, hold_until = NULL,"
    " first_allowed_at = v.first_allowed_at, lease_expires_at = NULL,"
    " version = posts.version + 1, updated_at = %(b_now)s"
    " FROM unnest(%(b_id)b::int[], %(b_external_id)b::text[],"
    " %(b_published_at)b::timestamptz[], %(b_gap)b::float8[], %(b_tries)b::int[],"
    " %(b_first)b::timestamptz[])"
    " AS v(id, external_id, published_at, gap, tries, first_allowed_at)"
    f" WHERE posts.id = v.id AND posts.state = '{PUBLISHED.source}'"
    " AND posts.lease_owner = %(b_owner)s",
    ("b_id", "b_external_id", "b_published_at", "b_gap", "b_tries", "b_first"),
    shared=("b_owner", "b_now"),
    instants=("b_published_at", "b_first", "b_now"),
)
# Transient error (RETRY), paced (DEFERRED) or recovered (REQUEUED): scheduled again, keeping
# first_allowed_at so the grace period still counts from the first instant it could go.
_AGAIN = BulkStatement(
    update(posts)
    .where(*_FENCE)
    .values(
        state=RETRY.target_state,
        due_at=_param("b_due", posts.c.due_at),
        hold_until=_param("b_until", posts.c.hold_until),
        hold_reason=bindparam("b_reason"),
        # Paced and recovered posts keep the last platform error people were shown.
        last_error=func.coalesce(
            bindparam("b_error", type_=posts.c.last_error.type), posts.c.last_error
        ),
        attempts=posts.c.attempts + bindparam("b_tries"),
        first_allowed_at=_param("b_first", posts.c.first_allowed_at),
        lease_expires_at=None,
        version=posts.c.version + 1,
        updated_at=_param("b_now", posts.c.updated_at),
    )
)
# Not attempted because its twin or its thread predecessor did not go: held.
_HELD = BulkStatement(
    update(posts)
    .where(*_FENCE)
    .values(
        state=HELD_IN_LANE.target_state,
        due_at=_param("b_due", posts.c.due_at),
        hold_until=_param("b_due2", posts.c.hold_until),
        hold_reason=bindparam("b_reason"),
        first_allowed_at=None,
        lease_expires_at=None,
        version=posts.c.version + 1,
        updated_at=_param("b_now", posts.c.updated_at),
    )
)
_STOPPED = BulkStatement(
    update(posts)
    .where(*_FENCE)
    .values(
        state=bindparam("b_state", type_=posts.c.state.type),
        last_error=bindparam("b_error"),
        hold_reason=bindparam("b_reason"),
        hold_until=None,
        attempts=posts.c.attempts + bindparam("b_tries"),
        lease_expires_at=None,
        version=posts.c.version + 1,
        updated_at=_param("b_now", posts.c.updated_at),
    )
)
_TWIN_GAP = BulkStatement(
    update(posts)
    .where(posts.c.id == bindparam("b_id"))
    .values(twin_gap_ms=bindparam("b_gap"), updated_at=_param("b_now", posts.c.updated_at))
)
# A published thread post lets the next one go now, if it was waiting for it.
_later = posts.alias("later")
_NEXT_IN_THREAD = BulkStatement(
    update(posts)
    .where(
        posts.c.thread_id == bindparam("b_thread"),
        posts.c.state == PostState.SCHEDULED,
        posts.c.thread_position
        == select(func.min(_later.c.thread_position))
        .where(
            _later.c.thread_id == bindparam("b_thread"),
            _later.c.thread_position > bindparam("b_position"),
            _later.c.state != PostState.WITHDRAWN,
            _later.c.state != PostState.REMOVED,
        )
        .scalar_subquery(),
        (posts.c.due_at.is_(None)) | (posts.c.due_at > _param("b_now", posts.c.due_at)),
    )
    .values(due_at=_param("b_now", posts.c.due_at), updated_at=_param("b_now", posts.c.updated_at))
)


def _still_mine(session: Session, ids: list[int], owner: str) -> set[int]:
    query = select(posts.c.id).where(posts.c.id.in_(ids), posts.c.lease_owner == owner)
    return set(session.scalars(query))


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
    groups: dict[OutcomeKind, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.kind].append(outcome)
    written = 0

    def base(outcome: Outcome) -> dict[str, Any]:
        return {"b_id": outcome.job.post.id, "b_owner": owner, "b_now": now}

    def run(statement: BulkStatement | GroupStatement, rows: list[dict[str, Any]]) -> None:
        nonlocal written
        written += statement.execute(session, rows)

    postgres = session.get_bind().dialect.name == "postgresql"
    if groups[OutcomeKind.PUBLISHED]:
        run(
            _PUBLISHED_ARRAYS if postgres else _PUBLISHED_JSON,
            [
                base(o)
                | {
                    "b_external_id": o.external_id,
                    "b_published_at": o.published_at or o.at,
                    "b_gap": o.twin_gap_ms,
                    "b_tries": 1 if o.attempted else 0,
                    "b_first": o.job.first_allowed_at,
                }
                for o in groups[OutcomeKind.PUBLISHED]
            ],
        )
    again = groups[OutcomeKind.RETRY] + groups[OutcomeKind.DEFERRED] + groups[OutcomeKind.REQUEUED]
    if again:
        run(
            _AGAIN,
            [
                base(o)
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
    if groups[OutcomeKind.HELD]:
        run(
            _HELD,
            [
                base(o) | {"b_due": o.due_at, "b_due2": o.due_at, "b_reason": o.reason}
                for o in groups[OutcomeKind.HELD]
            ],
        )
    stopped = groups[OutcomeKind.FAILED] + groups[OutcomeKind.UNKNOWN]
    if stopped:
        run(
            _STOPPED,
            [
                base(o)
                | {
                    "b_state": _STEP[o.kind].target_state,
                    "b_error": o.error,
                    "b_reason": o.reason,
                    "b_tries": 1 if o.attempted else 0,
                }
                for o in stopped
            ],
        )
    ids = [outcome.job.post.id for outcome in outcomes]
    if written == len(ids):
        owned = set(ids)
    else:
        owned = _still_mine(session, ids, owner)
        lost = sorted(set(ids) - owned)
        log.warning("lease lost before recording posts %s; another worker settled them", lost)
    published = [o for o in groups[OutcomeKind.PUBLISHED] if o.job.post.id in owned]
    left_behind = [
        o for o in published if o.job.twin_published_at is not None and o.twin_gap_ms is None
    ]
    partner_gaps = []
    for outcome in left_behind:
        assert outcome.job.twin_published_at is not None
        gap = ((outcome.published_at or now) - outcome.job.twin_published_at).total_seconds()
        outcome.twin_gap_ms = round(gap * 1000, 3)
        partner_gaps.append({"b_id": outcome.job.post.id, "b_gap": outcome.twin_gap_ms})
        twin_id = outcome.job.twin_id
        if twin_id is not None:
            partner_gaps.append({"b_id": twin_id, "b_gap": outcome.twin_gap_ms})
    if partner_gaps:
        _TWIN_GAP.execute(session, [gap | {"b_now": now} for gap in partner_gaps])
    threaded = [
        {"b_thread": o.job.post.thread_id, "b_position": o.job.post.thread_position, "b_now": now}
        for o in published
        if o.job.post.thread_id is not None
    ]
    if threaded:
        _NEXT_IN_THREAD.execute(session, threaded)
    insert_audit(session, _audit_rows(outcomes, owned, actor_label, now))
    return Counter(o.kind for o in outcomes if o.job.post.id in owned)


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
