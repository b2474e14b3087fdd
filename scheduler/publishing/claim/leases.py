"""Claim due posts for one worker: whole lanes at a time, under a lease, no post claimed twice.

A lane is a channel with its twin channel. Posts on one lane must go out in order (due time,
then id), so a lane belongs to one worker at a time: a claim takes due posts only from lanes on
which no other worker has a post in flight (`publishing` under its lease), oldest first. A worker
may go on claiming more of its own lanes while it sends what it holds; its lanes run in order
inside it (see lanes). A lane is free again for everybody once its posts in flight are recorded,
and a lane whose worker died stays closed until the lease reaper has settled its posts, so a
later post never overtakes one whose fate is still unknown.

Choosing lanes: the claim looks at the oldest due posts on open lanes (twice the batch) and takes
lanes in the order their first post appears, until they hold a batch. Several workers therefore
take different lanes of a burst instead of each taking a slice of every channel. A worker takes
no more than its fair share of the lanes with work (their number divided by the workers alive),
so one quick worker does not keep every lane of a burst to itself while the others wait.

PostgreSQL: the chosen lanes are locked for the claim's transaction with
`pg_try_advisory_xact_lock` (skipping lanes another claim holds), and which lanes are in flight is
read again once the locks are held, so two claims racing for one lane cannot both take it. The
posts themselves are taken with `FOR UPDATE SKIP LOCKED`, which leaves a post a person is changing
at that very moment to the next claim rather than waiting for them. SQLite: every write
transaction starts with `BEGIN IMMEDIATE`, so the whole claim runs alone.

Twins are on one lane, so a batch holds both halves of a pair; when the batch limit falls between
them, the partner is claimed in the same transaction (`claim_ids`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from scheduler.publishing.rows import (
    POST_COLUMNS,
    SCHEDULED,
    PostRow,
    id_list_value,
    ids_in,
    posts,
)
from scheduler.publishing.statements import (
    CLAIMS,
    LOCK_LANES,
    channels_in_flight,
    claim_partners,
    due_channels,
    twinned_channels,
)

#: The first key of the advisory locks that guard lanes during a claim (the second is the lane).
LANE_LOCK_SPACE = 0x6770  # "gp"


def _candidate_query(
    now: datetime, limit: int, *, lock: bool, after: tuple[datetime, int] | None = None
) -> Select[tuple[int]]:
    """Return the ids a claim would take, lanes aside: due scheduled posts, oldest first."""
    p = posts.alias("p")
    query = select(p.c.id).where(p.c.state == SCHEDULED, p.c.due_at <= now)
    if after is not None:
        query = query.where(
            or_(p.c.due_at > after[0], and_(p.c.due_at == after[0], p.c.id > after[1]))
        )
    query = query.order_by(p.c.due_at, p.c.id).limit(limit)
    if lock:
        query = query.with_for_update(skip_locked=True, of=p)
    return query


class _Lanes:
    """Which lane each channel is on: twinned channels share the lower id of the pair."""

    def __init__(self, session: Session) -> None:
        self._twins: dict[int, int] = dict(session.execute(twinned_channels()).all())

    def of(self, channel_id: int) -> int:
        twin = self._twins.get(channel_id)
        return channel_id if twin is None else min(channel_id, twin)

    def channels(self, lanes: Collection[int]) -> list[int]:
        """Return every channel on the given lanes."""
        found = set(lanes)
        found.update(twin for channel, twin in self._twins.items() if channel in lanes)
        found.update(channel for channel, twin in self._twins.items() if twin in lanes)
        return sorted(found)


def _lanes_in_flight(session: Session, owner: str, lanes: _Lanes) -> tuple[set[int], set[int]]:
    """Return the lanes with posts in flight: this worker's, and other workers'."""
    mine: set[int] = set()
    others: set[int] = set()
    for channel, own in session.execute(channels_in_flight(owner)):
        (mine if own else others).add(lanes.of(channel))
    # A lane with another worker's post in flight is closed, even if this worker has one there.
    return mine - others, others


def _choose_lanes(
    session: Session,
    lanes: _Lanes,
    *,
    mine: set[int],
    busy: set[int],
    peers: int,
    now: datetime,
    limit: int,
) -> list[int]:
    """Return open lanes in the order of their oldest due post, enough to fill a batch."""
    closed = lanes.channels(busy) if busy else []
    query = due_channels(session, now=now, limit=limit, closed=closed)
    # Count by channel first (in C), then by lane: a channel's first post fixes its order.
    seen: Counter[int] = Counter()
    for channel, due in Counter(session.scalars(query)).items():
        seen[lanes.of(channel)] += due
    share = -(-(len(busy) + len(seen.keys() | mine)) // max(peers, 1))
    new_allowed = share - len(mine)
    chosen, held = [], 0
    for lane, due in seen.items():  # a Counter keeps the order lanes first appeared in
        if lane not in mine:
            if new_allowed <= 0:
                continue
            new_allowed -= 1
        chosen.append(lane)
        held += due
        if held >= limit:
            break
    return chosen


def claim_due(
    session: Session,
    *,
    now: datetime,
    owner: str,
    lease_until: datetime,
    limit: int,
    peers: int = 1,
) -> list[PostRow]:
    """Claim up to `limit` due scheduled posts on lanes no other worker holds, oldest first."""
    # `peers` is how many workers are alive, this one included: it bounds this worker's share.
    postgres = session.get_bind().dialect.name == "postgresql"
    lanes = _Lanes(session)
    mine, busy = _lanes_in_flight(session, owner, lanes)
    chosen = _choose_lanes(session, lanes, mine=mine, busy=busy, peers=peers, now=now, limit=limit)
    if postgres and chosen:
        locked = _lock_lanes(session, chosen)
        # Read again now that the locks are held: a claim that held one of these lanes until
        # just now has committed, and its posts are in flight.
        _, busy = _lanes_in_flight(session, owner, lanes)
        chosen = [lane for lane in locked if lane not in busy]
    if not chosen:
        return []
    return _claim_on(
        session, lanes.channels(chosen), now=now, owner=owner, lease_until=lease_until, limit=limit
    )


def prepare_claim(session: Session, *, now: datetime, owner: str) -> None:
    """Run the claim's statements once on no lanes, so they are compiled before a burst."""
    if session.get_bind().dialect.name == "postgresql":
        _lock_lanes(session, [])
    _claim_on(session, [], now=now, owner=owner, lease_until=now, limit=1)


def _lock_lanes(session: Session, lanes: list[int]) -> list[int]:
    """Return those of the lanes this transaction could lock (PostgreSQL)."""
    return list(session.scalars(LOCK_LANES, {"lanes": lanes, "space": LANE_LOCK_SPACE}))


def _claim_on(
    session: Session,
    channel_ids: list[int],
    *,
    now: datetime,
    owner: str,
    lease_until: datetime,
    limit: int,
) -> list[PostRow]:
    """Claim up to `limit` due posts of the channels, oldest first; return them."""
    dialect = session.get_bind().dialect.name
    values = {
        "b_now": now,
        "b_owner": owner,
        "b_lease_until": lease_until,
        "b_limit": limit,
        "b_channels": id_list_value(channel_ids, postgres=dialect == "postgresql"),
    }
    return CLAIMS[dialect].fetch(session, values, into=PostRow)


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
    statement = claim_partners(session, ids)
    values = {"b_now": now, "b_owner": owner, "b_lease_until": lease_until}
    return [PostRow.from_row(row) for row in session.execute(statement, values)]
