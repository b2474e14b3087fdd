"""Write what a claim decided for posts that do not go now: held (with why and until) or missed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from scheduler.publishing.audit_rows import audit_row
from scheduler.publishing.bulk import BulkStatement
from scheduler.publishing.eligibility import Decision, Verdict
from scheduler.publishing.rows import posts
from scheduler.publishing.vocabulary import HELD_AT_CLAIM, MISSED

_HOLD = BulkStatement(
    update(posts)
    .where(posts.c.id == bindparam("b_id"), posts.c.lease_owner == bindparam("b_owner"))
    .values(
        state=HELD_AT_CLAIM.target_state,
        due_at=bindparam("b_due", type_=posts.c.due_at.type),
        hold_reason=bindparam("b_reason"),
        hold_until=bindparam("b_due", type_=posts.c.due_at.type),
        first_allowed_at=None,
        lease_owner=None,
        lease_expires_at=None,
        updated_at=bindparam("b_now", type_=posts.c.updated_at.type),
    )
)
_MISSED = BulkStatement(
    update(posts)
    .where(posts.c.id == bindparam("b_id"), posts.c.lease_owner == bindparam("b_owner"))
    .values(
        state=MISSED.target_state,
        hold_reason=bindparam("b_reason"),
        hold_until=None,
        first_allowed_at=bindparam("b_first", type_=posts.c.first_allowed_at.type),
        lease_owner=None,
        lease_expires_at=None,
        updated_at=bindparam("b_now", type_=posts.c.updated_at.type),
    )
)


def record_holds(
    session: Session,
    decisions: Sequence[Decision],
    *,
    owner: str,
    actor_label: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Put held posts back to scheduled and missed ones to missed; return their audit rows.

    A hold is audited only when its reason changes, so a post waiting on a thread does not write
    an event on every look.
    """
    holds = [d for d in decisions if d.verdict is Verdict.HOLD]
    missed = [d for d in decisions if d.verdict is Verdict.MISSED]
    if holds:
        _HOLD.execute(
            session,
            [
                {
                    "b_id": d.post.id,
                    "b_owner": owner,
                    "b_due": d.until,
                    "b_reason": d.reason,
                    "b_now": now,
                }
                for d in holds
            ],
        )
    if missed:
        _MISSED.execute(
            session,
            [
                {
                    "b_id": d.post.id,
                    "b_owner": owner,
                    "b_reason": d.reason,
                    "b_first": d.first_allowed_at,
                    "b_now": now,
                }
                for d in missed
            ],
        )
    rows = [
        audit_row(
            HELD_AT_CLAIM.action,
            d.post,
            actor_label=actor_label,
            at=now,
            from_state=HELD_AT_CLAIM.source,
            to_state=HELD_AT_CLAIM.target,
            comment=d.reason or "",
            details={"until": d.until.isoformat() if d.until else None},
        )
        for d in holds
        if d.reason != d.post.hold_reason
    ]
    rows.extend(
        audit_row(
            MISSED.action,
            d.post,
            actor_label=actor_label,
            at=now,
            from_state=MISSED.source,
            to_state=MISSED.target,
            comment=d.reason or "",
            details={"first_allowed_at": d.first_allowed_at.isoformat()}
            if d.first_allowed_at
            else {},
        )
        for d in missed
    )
    return rows
