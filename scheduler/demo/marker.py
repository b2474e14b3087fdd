"""The record that the demo seeded this database, and which people it added.

It is an audit event, so it is as permanent as the audit trail (the database refuses to edit or
delete one) and no page or command can write it: only `seed_demo`, on an empty database.
`gatepost demo code` trusts nothing else to tell a demo person from a real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.core import audit
from scheduler.models import AuditEvent, User

DEMO_LABEL = "demo"
DEMO_SEEDED = "demo_seeded"
#: Audit actions after which a person's second factor is no longer the one the demo set up.
TWO_FACTOR_CHANGES = ("two_factor_enabled", "two_factor_reset", "two_factor_disabled")


def record_demo_seeded(session: Session, people: Sequence[User], *, now: datetime) -> AuditEvent:
    """Write the marker naming the people the demo added (after everything else it did)."""
    event = audit.record(
        session,
        DEMO_SEEDED,
        actor_label=DEMO_LABEL,
        at=now,
        details={"people": [{"id": user.id, "email": user.email} for user in people]},
    )
    session.flush()
    return event


def demo_marker(session: Session) -> AuditEvent | None:
    """Return the marker the demo wrote, or None if the demo did not seed this database."""
    return session.scalars(
        select(AuditEvent).where(AuditEvent.action == DEMO_SEEDED).order_by(AuditEvent.id).limit(1)
    ).first()


def seeded_person(marker: AuditEvent, user: User) -> bool:
    """Return whether the marker names this person as one the demo added."""
    return any(entry.get("id") == user.id for entry in marker.details.get("people", []))


def changed_two_factor_since(session: Session, marker: AuditEvent, user: User) -> bool:
    """Return whether the person set up, replaced or removed their second factor after the seed."""
    later = session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.id > marker.id,
            AuditEvent.subject_user_id == user.id,
            AuditEvent.action.in_(TWO_FACTOR_CHANGES),
        )
        .limit(1)
    )
    return later is not None
