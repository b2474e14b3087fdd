"""Write what a claim decided for posts that do not go now: held (with why and until) or missed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from scheduler.publishing.record.audit_rows import audit_row
from scheduler.publishing.rules.eligibility import Decision, Verdict
from scheduler.publishing.rules.vocabulary import HELD_AT_CLAIM, MISSED
from scheduler.publishing.statements import HOLD, MISSED_AT_CLAIM


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
        HOLD.execute(
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
        MISSED_AT_CLAIM.execute(
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
