"""Claim due posts for one worker: a batch at a time, under a lease, with no post claimed twice.

PostgreSQL: the due rows are picked in a CTE with `FOR UPDATE SKIP LOCKED`, so several workers
take disjoint batches without waiting for each other. SQLite: one `UPDATE ... RETURNING` inside a
`BEGIN IMMEDIATE` transaction (the engine starts every write transaction that way), so a claim is
atomic against every other writer. Both walk the partial index `ix_posts_scheduled_due`.

Twins are claimed together: of two due twins only the one with the lower id is picked as a
candidate, and its twin is claimed with it (whatever its due time) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, and_, exists, or_, select, update
from sqlalchemy.orm import Session

from scheduler.models import PostState
from scheduler.publishing.rows import POST_COLUMNS, SCHEDULED, PostRow, posts

_SCHEDULED = SCHEDULED


def _candidate_query(
    now: datetime, limit: int, *, lock: bool, after: tuple[datetime, int] | None = None
) -> Select[tuple[int]]:
    """Return the ids a claim would take: due scheduled posts leading their twin pair, in order."""
    p = posts.alias("p")
    earlier_twin = posts.alias("earlier_twin")
    earlier_pointer = posts.alias("earlier_pointer")
    # Of two due twins, the one with the lower id claims both; skip the other.
    led_by_its_twin = exists().where(
        earlier_twin.c.id == p.c.twin_id,
        earlier_twin.c.state == _SCHEDULED,
        earlier_twin.c.due_at <= now,
        earlier_twin.c.id < p.c.id,
    )
    led_by_a_pointer = exists().where(
        earlier_pointer.c.twin_id == p.c.id,
        earlier_pointer.c.state == _SCHEDULED,
        earlier_pointer.c.due_at <= now,
        earlier_pointer.c.id < p.c.id,
    )
    query = select(p.c.id).where(
        p.c.state == _SCHEDULED, p.c.due_at <= now, ~led_by_its_twin, ~led_by_a_pointer
    )
    if after is not None:
        query = query.where(
            or_(p.c.due_at > after[0], and_(p.c.due_at == after[0], p.c.id > after[1]))
        )
    query = query.order_by(p.c.due_at, p.c.id).limit(limit)
    if lock:
        query = query.with_for_update(skip_locked=True, of=p)
    return query


def _claim_values(owner: str, lease_until: datetime, now: datetime) -> dict[str, object]:
    return {
        "state": PostState.PUBLISHING,
        "lease_owner": owner,
        "lease_expires_at": lease_until,
        "version": posts.c.version + 1,
        "updated_at": now,
    }


def claim_due(
    session: Session, *, now: datetime, owner: str, lease_until: datetime, limit: int
) -> list[PostRow]:
    """Claim up to `limit` due scheduled posts (oldest first) and return them as they are now."""
    postgres = session.get_bind().dialect.name == "postgresql"
    query = _candidate_query(now, limit, lock=postgres)
    if postgres:
        due = query.cte("due")
        statement = update(posts).where(posts.c.id == due.c.id)
    else:
        statement = update(posts).where(posts.c.id.in_(query))
    statement = statement.values(_claim_values(owner, lease_until, now)).returning(*POST_COLUMNS)
    return [PostRow.from_row(row) for row in session.execute(statement)]


def select_due(
    session: Session, *, now: datetime, limit: int, after: tuple[datetime, int] | None = None
) -> list[PostRow]:
    """Return the posts a claim would take, without claiming them (for dry runs)."""
    query = select(*POST_COLUMNS).where(
        posts.c.id.in_(_candidate_query(now, limit, lock=False, after=after))
    )
    rows = [PostRow.from_row(row) for row in session.execute(query)]
    rows.sort(key=lambda row: (row.due_at or now, row.id))
    return rows


def twin_neighbours(session: Session, claimed: Sequence[PostRow]) -> list[PostRow]:
    """Return the twins of the given posts that are not among them, whatever their state."""
    ids = {row.id for row in claimed}
    pointed = {row.twin_id for row in claimed if row.twin_id is not None} - ids
    if not ids:
        return []
    query = select(*POST_COLUMNS).where(
        or_(posts.c.id.in_(pointed), posts.c.twin_id.in_(ids)), posts.c.id.not_in(ids)
    )
    return [PostRow.from_row(row) for row in session.execute(query)]


def claim_ids(
    session: Session,
    ids: Collection[int],
    *,
    now: datetime,
    owner: str,
    lease_until: datetime,
) -> list[PostRow]:
    """Claim those of the given posts that are still scheduled (the twins of a claimed batch)."""
    if not ids:
        return []
    statement = (
        update(posts)
        .where(posts.c.id.in_(list(ids)), posts.c.state == _SCHEDULED)
        .values(_claim_values(owner, lease_until, now))
        .returning(*POST_COLUMNS)
    )
    return [PostRow.from_row(row) for row in session.execute(statement)]
