"""Claim due posts for one worker: a batch at a time, under a lease, with no post claimed twice.

PostgreSQL: the due rows are picked in a CTE with `FOR UPDATE SKIP LOCKED`, so several workers
take disjoint batches without waiting for each other. SQLite: one `UPDATE ... RETURNING` inside a
`BEGIN IMMEDIATE` transaction (the engine starts every write transaction that way), so a claim is
atomic against every other writer. Both walk the partial index `ix_posts_scheduled_due`.

Twins are claimed together: when a claimed post's twin is still scheduled it is claimed in the
same transaction, whatever its due time. On PostgreSQL that second claim skips a twin another
worker is claiming at that moment; the rules then hold both halves for a moment and whichever
worker comes back first takes the pair (see eligibility). The candidate query itself stays a
plain walk of the partial index, with no join the planner could get wrong on stale statistics.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Integer, Select, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from scheduler.models import PostState
from scheduler.publishing.bulk import BulkStatement
from scheduler.publishing.rows import POST_COLUMNS, SCHEDULED, PostRow, ids_in, posts

_SCHEDULED = SCHEDULED


def _candidate_query(
    now: datetime, limit: int, *, lock: bool, after: tuple[datetime, int] | None = None
) -> Select[tuple[int]]:
    """Return the ids a claim would take: due scheduled posts, oldest first."""
    p = posts.alias("p")
    query = select(p.c.id).where(p.c.state == _SCHEDULED, p.c.due_at <= now)
    if after is not None:
        query = query.where(
            or_(p.c.due_at > after[0], and_(p.c.due_at == after[0], p.c.id > after[1]))
        )
    query = query.order_by(p.c.due_at, p.c.id).limit(limit)
    if lock:
        query = query.with_for_update(skip_locked=True, of=p)
    return query


def _claim_values() -> dict[str, object]:
    return {
        "state": PostState.PUBLISHING,
        "lease_owner": bindparam("b_owner", type_=posts.c.lease_owner.type),
        "lease_expires_at": bindparam("b_lease_until", type_=posts.c.lease_expires_at.type),
        "version": posts.c.version + 1,
        "updated_at": bindparam("b_now", type_=posts.c.updated_at.type),
    }


def _claim_statement(postgres: bool) -> BulkStatement:
    p = posts.alias("p")
    query = (
        select(p.c.id)
        .where(p.c.state == _SCHEDULED, p.c.due_at <= bindparam("b_now", type_=p.c.due_at.type))
        .order_by(p.c.due_at, p.c.id)
        .limit(bindparam("b_limit", type_=Integer))
    )
    if postgres:
        due = query.with_for_update(skip_locked=True, of=p).cte("due")
        statement = update(posts).where(posts.c.id == due.c.id)
    else:
        statement = update(posts).where(posts.c.id.in_(query))
    return BulkStatement(statement.values(_claim_values()).returning(*POST_COLUMNS))


_CLAIMS = {"postgresql": _claim_statement(True), "sqlite": _claim_statement(False)}


def claim_due(
    session: Session, *, now: datetime, owner: str, lease_until: datetime, limit: int
) -> list[PostRow]:
    """Claim up to `limit` due scheduled posts (oldest first) and return them as they are now."""
    statement = _CLAIMS[session.get_bind().dialect.name]
    values = {"b_now": now, "b_owner": owner, "b_lease_until": lease_until, "b_limit": limit}
    return [PostRow(*row) for row in statement.fetch(session, values)]


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
        or_(posts.c.id.in_(pointed), ids_in(session, posts.c.twin_id, list(ids)))
    )
    rows = (PostRow.from_row(row) for row in session.execute(query))
    return [row for row in rows if row.id not in ids]


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
    wanted = select(posts.c.id).where(posts.c.id.in_(list(ids)), posts.c.state == _SCHEDULED)
    if session.get_bind().dialect.name == "postgresql":
        # Another worker claiming it right now holds its row: leave it rather than wait (two
        # workers each waiting for the other's half of a pair would deadlock).
        wanted = wanted.with_for_update(skip_locked=True)
    statement = (
        update(posts)
        .where(posts.c.id.in_(wanted), posts.c.state == _SCHEDULED)
        .values(_claim_values())
        .returning(*POST_COLUMNS)
    )
    values = {"b_now": now, "b_owner": owner, "b_lease_until": lease_until}
    return [PostRow.from_row(row) for row in session.execute(statement, values)]
