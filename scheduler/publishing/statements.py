"""The worker's tuned SQL, each statement once, with what it is for and why it is written so.

Every stage of a pass calls these: the claim (choosing lanes, locking them, claiming), the holds
decided at the claim, the audit events, and the recording of outcomes. Several are written for
one database's planner or driver, and tests pin the plans SQLite chooses for them
(tests/scheduler/publishing/test_claim.py, test_status.py, test_bulk.py), so change their text
only with a measurement (docs/performance.md).

Two habits run through them. A state the partial indexes name (`ix_posts_scheduled_due`,
`ix_posts_publishing_lease`) is written as a literal (`SCHEDULED`, `PUBLISHING`), because a
partial index serves only a query that says the same; a bound parameter would not match. And a
list of ids is one parameter (`ids_in`, `in_id_list`): an array on PostgreSQL, JSON read by
`json_each` on SQLite, whatever the size of the batch.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Select,
    Table,
    bindparam,
    func,
    insert,
    literal,
    not_,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, Update

from scheduler.models import AuditEvent, PostState
from scheduler.publishing.bulk import ArrayStatement, BulkStatement, JsonRowsStatement
from scheduler.publishing.rows import (
    POST_COLUMNS,
    PUBLISHING,
    SCHEDULED,
    channels,
    ids_in,
    in_id_list,
    posts,
)
from scheduler.publishing.rules.vocabulary import (
    CLAIM,
    HELD_AT_CLAIM,
    HELD_IN_LANE,
    MISSED,
    PUBLISHED,
    RETRY,
)

audit_events = cast(Table, AuditEvent.__table__)


def _param(name: str, column: Any) -> Any:
    return bindparam(name, type_=column.type)


# --- Claiming -----------------------------------------------------------------------------------

#: How many due posts a claim looks at, per post it may take, when it chooses lanes.
LOOK_AHEAD = 2

# Lock the chosen lanes for the claim's transaction, skipping lanes another claim holds
# (PostgreSQL; SQLite's `BEGIN IMMEDIATE` runs a claim alone).
LOCK_LANES = text(
    "SELECT lane FROM unnest(CAST(:lanes AS integer[])) AS lane"
    " WHERE pg_try_advisory_xact_lock(:space, lane)"
)


def twinned_channels() -> Select[Any]:
    """Return the query for every channel with a twin, and its twin (which lane is whose)."""
    return select(channels.c.id, channels.c.twin_id).where(channels.c.twin_id.is_not(None))


def channels_in_flight(owner: str) -> Select[Any]:
    """Return the query for the channels with posts in flight, and whether they are `owner`'s."""
    # `PUBLISHING` as a literal: the partial index of posts in flight answers it alone.
    return (
        select(posts.c.channel_id, posts.c.lease_owner == owner)
        .where(posts.c.state == PUBLISHING)
        .distinct()
    )


def due_channels(
    session: Session, *, now: datetime, limit: int, closed: Sequence[int]
) -> Select[Any]:
    """Return the query for the channels of the oldest due posts, one row a post, oldest first.

    `closed` are the channels of lanes other workers hold; their posts are left out.
    """
    # `state` comes first in the partial index of scheduled posts, so SQLite reads that index
    # in order and stops at the limit (it used to read every scheduled post and sort them).
    query = (
        select(posts.c.channel_id)
        .where(posts.c.state == SCHEDULED, posts.c.due_at <= now)
        .order_by(posts.c.due_at, posts.c.id)
        .limit(limit * LOOK_AHEAD)
    )
    if closed:
        query = query.where(not_(ids_in(session, posts.c.channel_id, list(closed))))
    return query


def claim_values() -> dict[str, object]:
    """Return what a claim writes: in flight under this worker's lease until `b_lease_until`."""
    return {
        "state": CLAIM.target_state,
        "lease_owner": bindparam("b_owner", type_=posts.c.lease_owner.type),
        "lease_expires_at": bindparam("b_lease_until", type_=posts.c.lease_expires_at.type),
        "version": posts.c.version + 1,
        "updated_at": bindparam("b_now", type_=posts.c.updated_at.type),
    }


def _claim_statement(postgres: bool) -> BulkStatement:
    p = posts.alias("p")
    query = (
        select(p.c.id)
        .where(
            p.c.state == SCHEDULED,
            p.c.due_at <= bindparam("b_now", type_=p.c.due_at.type),
            in_id_list(p.c.channel_id, "b_channels", postgres=postgres),
        )
        .order_by(p.c.due_at, p.c.id)
        .limit(bindparam("b_limit", type_=Integer))
    )
    if postgres:
        # `FOR UPDATE SKIP LOCKED` leaves a post a person is changing at this very moment to
        # the next claim rather than waiting for them.
        due = query.with_for_update(skip_locked=True, of=p).cte("due")
        statement = update(posts).where(posts.c.id == due.c.id)
    else:
        statement = update(posts).where(posts.c.id.in_(query))
    return BulkStatement(statement.values(claim_values()).returning(*POST_COLUMNS))


# Claim up to `b_limit` due posts of the chosen lanes' channels (`b_channels`), oldest first,
# returning each claimed row; one statement per dialect, compiled once.
CLAIMS = {"postgresql": _claim_statement(True), "sqlite": _claim_statement(False)}


def claim_partners(session: Session, ids: Collection[int]) -> Any:
    """Return the statement claiming those of the posts still scheduled (a batch's twins)."""
    wanted = select(posts.c.id).where(posts.c.id.in_(list(ids)), posts.c.state == SCHEDULED)
    if session.get_bind().dialect.name == "postgresql":
        # Another worker claiming it right now holds its row: leave it rather than wait (two
        # workers each waiting for the other's half of a pair would deadlock).
        wanted = wanted.with_for_update(skip_locked=True)
    return (
        update(posts)
        .where(posts.c.id.in_(wanted), posts.c.state == SCHEDULED)
        .values(claim_values())
        .returning(*POST_COLUMNS)
    )


# --- Holding at the claim -------------------------------------------------------------------------

# A claimed post the rules hold: scheduled again, with why (`b_reason`) and until when (`b_due`).
HOLD = BulkStatement(
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
# A claimed post past its grace period: missed, keeping the first instant it could have gone.
MISSED_AT_CLAIM = BulkStatement(
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


# --- Audit events -------------------------------------------------------------------------------

AUDIT_COLUMNS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "post_id",
    "channel_id",
    "release_id",
    "subject_user_id",
    "from_state",
    "to_state",
    "comment",
    "details",
)
#: The worker acts as no person and about no person: these two are NULL in every worker event.
_NO_PERSON = ("actor_id", "subject_user_id")
#: The columns each worker event gives, in the order of AUDIT_COLUMNS.
AUDIT_PER_EVENT = tuple(name for name in AUDIT_COLUMNS if name not in _NO_PERSON)
# Worker events on SQLite, as one executemany (cheap there). NULLs written into the statement,
# not bound: SQLite's driver binds None through its slow adapter look-up (an AttributeError
# caught per value), which cost about 2% of a burst.
AUDIT_INSERT = BulkStatement(
    insert(audit_events).values(
        {name: bindparam(name, type_=audit_events.c[name].type) for name in AUDIT_PER_EVENT}
        | {name: null() for name in _NO_PERSON}
    )
)
# The same on PostgreSQL, over arrays in binary (see ArrayStatement), in order of the rows
# (WITH ORDINALITY), so event ids follow the order they were given in.
AUDIT_INSERT_ARRAYS = ArrayStatement(
    "INSERT INTO audit_events (occurred_at, actor_id, actor_label, action, post_id, channel_id,"
    " release_id, subject_user_id, from_state, to_state, comment, details)"
    " SELECT occurred_at, NULL, actor_label, action, post_id, channel_id, release_id,"
    " NULL, from_state, to_state, comment, details::json FROM unnest("
    "%(occurred_at)b::timestamptz[], %(actor_label)b::text[],"
    " %(action)b::text[], %(post_id)b::int[], %(channel_id)b::int[], %(release_id)b::int[],"
    " %(from_state)b::text[], %(to_state)b::text[],"
    " %(comment)b::text[], %(details)b::text[])"
    " WITH ORDINALITY AS v(occurred_at, actor_label, action, post_id, channel_id,"
    " release_id, from_state, to_state, comment, details, position)"
    " ORDER BY position",
    AUDIT_PER_EVENT,
    instants=("occurred_at",),
)


def claimed_events(
    session: Session, post_ids: Sequence[int], *, actor_label: str, at: datetime
) -> Insert:
    """Return the INSERT ... SELECT of a claim event (scheduled to publishing) for each post.

    The events differ only in the post's own columns, so the database copies those itself, in
    claim order: nothing is built or sent per post.
    """
    column = audit_events.c
    events = select(
        literal(at, type_=column.occurred_at.type),
        null(),
        literal(actor_label, type_=column.actor_label.type),
        literal(CLAIM.action, type_=column.action.type),
        posts.c.id,
        posts.c.channel_id,
        posts.c.release_id,
        null(),
        literal(CLAIM.source, type_=column.from_state.type),
        literal(CLAIM.target, type_=column.to_state.type),
        literal("", type_=column.comment.type),
        literal({}, type_=column.details.type),
    ).where(ids_in(session, posts.c.id, post_ids))
    return insert(audit_events).from_select(
        AUDIT_COLUMNS, events.order_by(posts.c.due_at, posts.c.id)
    )


# --- Recording outcomes -------------------------------------------------------------------------

# Every write of an outcome is fenced: only a post still in flight under this worker's lease.
_FENCE = (
    posts.c.id == bindparam("b_id"),
    posts.c.state == PostState.PUBLISHING,
    posts.c.lease_owner == bindparam("b_owner"),
)

# Published, for a whole group in one statement. The states are the transition table's
# (vocabulary.py), written into the text once at import. On SQLite the rows come as JSON (see
# JsonRowsStatement). The unary `+` keeps SQLite from reading posts through a state index and
# matching each against the JSON; it walks the JSON and finds each post by its id.
PUBLISHED_JSON = JsonRowsStatement(
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
# The same on PostgreSQL, over arrays in binary (see ArrayStatement).
PUBLISHED_ARRAYS = ArrayStatement(
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
AGAIN = BulkStatement(
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
HELD = BulkStatement(
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
# Failed for good, or its fate unknown (`b_state`): stopped until a person acts.
STOPPED = BulkStatement(
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
# The gap between two twins, written on both once the second is recorded after the first.
TWIN_GAP = BulkStatement(
    update(posts)
    .where(posts.c.id == bindparam("b_id"))
    .values(twin_gap_ms=bindparam("b_gap"), updated_at=_param("b_now", posts.c.updated_at))
)
# A published thread post lets the next one go now, if it was waiting for it.
_later = posts.alias("later")
NEXT_IN_THREAD = BulkStatement(
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


def still_leased(ids: Sequence[int], owner: str) -> Select[Any]:
    """Return the query for those of the posts whose rows still name `owner` as their worker."""
    return select(posts.c.id).where(posts.c.id.in_(ids), posts.c.lease_owner == owner)


def still_in_flight(session: Session, ids: Sequence[int], owner: str) -> Select[Any]:
    """Return the query for those of the posts still in flight under `owner`'s lease."""
    return select(posts.c.id).where(
        ids_in(session, posts.c.id, ids),
        posts.c.state == PUBLISHING,
        posts.c.lease_owner == owner,
    )


# --- Leases ---------------------------------------------------------------------------------------


def extend_leases(session: Session, owner: str, ids: Sequence[int], *, until: datetime) -> Update:
    """Return the statement extending `owner`'s leases on those of the posts still in flight."""
    # `PUBLISHING` as a literal: the partial index of posts in flight finds them.
    return (
        update(posts)
        .where(
            ids_in(session, posts.c.id, ids),
            posts.c.state == PUBLISHING,
            posts.c.lease_owner == owner,
        )
        .values(lease_expires_at=until)
    )


def expired_leases(
    session: Session, *, now: datetime, owner: str, limit: int, sending: Sequence[int]
) -> Select[Any]:
    """Return the query for up to `limit` posts whose lease expired, and who held each.

    `sending` are the posts this worker is sending now: its own expired leases on those stay.
    """
    query = (
        select(posts.c.id, posts.c.lease_owner)
        .where(posts.c.state == PUBLISHING, posts.c.lease_expires_at < now)
        .order_by(posts.c.lease_expires_at, posts.c.id)
        .limit(limit)
    )
    if sending:
        query = query.where(
            or_(posts.c.lease_owner != owner, not_(ids_in(session, posts.c.id, sending)))
        )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


def take_over_leases(
    ids: Sequence[int], *, now: datetime, owner: str, lease_until: datetime
) -> Update:
    """Return the statement taking the expired leases of the posts over, returning their rows."""
    return (
        update(posts)
        .where(
            posts.c.id.in_(list(ids)),
            posts.c.state == PostState.PUBLISHING,
            posts.c.lease_expires_at < now,
        )
        .values(lease_owner=owner, lease_expires_at=lease_until, version=posts.c.version + 1)
        .returning(*POST_COLUMNS)
    )
