"""Claims take whole lanes: a channel (with its twin) belongs to one worker while it sends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from scheduler.core import schema
from scheduler.core.database import Database
from scheduler.models import PostState
from scheduler.publishing.claim.leases import claim_due
from tests.support.publishing_factories import PublishingFactory
from tests.support.query_count import counting_queries
from tests.support.query_plans import sqlite_plan

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
LEASE = NOW + timedelta(minutes=5)


def claim(session: Session, owner: str, limit: int, peers: int = 1) -> list[int]:
    """Claim as the named worker and return the post ids taken, in claim order."""
    rows = claim_due(session, now=NOW, owner=owner, lease_until=LEASE, limit=limit, peers=peers)
    return [row.id for row in rows]


def test_a_claim_takes_the_oldest_lanes_whole_and_leaves_other_workers_the_rest(
    session: Session, factory: PublishingFactory
) -> None:
    first, second = factory.channel(), factory.channel()
    early = [factory.post(first, send_at=NOW - timedelta(minutes=2)) for _ in range(3)]
    late = [factory.post(second, send_at=NOW - timedelta(minutes=1)) for _ in range(3)]

    # Two posts fill the batch: only the first channel's lane is taken.
    assert claim(session, "w1", limit=2) == [early[0].id, early[1].id]
    # Another worker may not take the third post of a lane that w1 is sending.
    assert claim(session, "w2", limit=10) == [post.id for post in late]
    # w1 goes on with its own lane; w2's lane is closed to it.
    assert claim(session, "w1", limit=10) == [early[2].id]
    assert claim(session, "w3", limit=10) == []


def test_a_claim_reads_each_post_back_as_it_now_is(
    session: Session, factory: PublishingFactory
) -> None:
    channel = factory.channel()
    post = factory.post(channel, send_at=NOW - timedelta(minutes=1))

    (row,) = claim_due(session, now=NOW, owner="w1", lease_until=LEASE, limit=5)

    assert row.state is PostState.PUBLISHING
    assert (row.id, row.channel_id, row.text, row.lease_owner) == (
        post.id,
        channel.id,
        post.text,
        "w1",
    )
    assert row.due_at == NOW - timedelta(minutes=1)
    assert row.due_at is not None
    assert row.due_at.tzinfo is UTC


def test_with_two_workers_alive_one_takes_no_more_than_half_the_lanes_of_a_burst(
    session: Session, factory: PublishingFactory
) -> None:
    channels = [factory.channel() for _ in range(4)]
    by_channel = {
        channel.id: [factory.post(channel, send_at=NOW).id for _ in range(3)]
        for channel in channels
    }
    first = claim(session, "w1", limit=100, peers=2)
    second = claim(session, "w2", limit=100, peers=2)

    def lanes(ids: list[int]) -> set[int]:
        return {channel for channel, posts in by_channel.items() if set(posts) & set(ids)}

    assert len(lanes(first)) == 2
    assert len(lanes(second)) == 2
    assert sorted(first + second) == sorted(post for posts in by_channel.values() for post in posts)
    # Its share taken, w1 waits for its lanes rather than taking more (there are none left here).
    assert claim(session, "w1", limit=100, peers=2) == []


def test_a_channel_and_its_twin_are_one_lane(session: Session, factory: PublishingFactory) -> None:
    english, welsh = factory.twin_channels()
    pairs = [factory.twins(english, welsh, send_at=NOW - timedelta(minutes=1)) for _ in range(2)]
    lone_welsh = factory.post(welsh, send_at=NOW)

    taken = claim(session, "w1", limit=1)
    # The batch limit falls inside a pair's lane; the other worker gets nothing of that lane.
    assert taken == [pairs[0][0].id]
    assert claim(session, "w2", limit=10) == []
    rest = claim(session, "w1", limit=10)
    assert rest == [pairs[0][1].id, *(post.id for post in pairs[1]), lone_welsh.id]


def test_a_lane_left_in_flight_by_a_dead_worker_stays_closed_until_its_posts_are_settled(
    session: Session, factory: PublishingFactory
) -> None:
    channel, other = factory.channel(), factory.channel()
    posts = [factory.post(channel, send_at=NOW - timedelta(hours=1)) for _ in range(2)]
    elsewhere = factory.post(other, send_at=NOW)
    assert claim(session, "dead", limit=1) == [posts[0].id]

    # Long after the dead worker's lease ran out, its lane still waits for the lease reaper:
    # the second post must not overtake the first, whose fate is unknown.
    later = claim_due(
        session, now=NOW + timedelta(hours=1), owner="w2", lease_until=LEASE, limit=10
    )
    assert [row.id for row in later] == [elsewhere.id]


@pytest.mark.only_on(
    "postgresql", why="SQLite runs one write transaction at a time: claims cannot race there"
)
def test_two_claims_racing_on_postgresql_never_share_a_lane(
    backend: str, make_database_url: Callable[[str], str]
) -> None:
    database = Database(make_database_url(backend))
    try:
        schema.upgrade(database.engine)
        with database.session_factory() as setup:
            factory = PublishingFactory(setup)
            busy, free = factory.channel(), factory.channel()
            on_busy = [factory.post(busy, send_at=NOW).id for _ in range(3)]
            on_free = factory.post(free, send_at=NOW).id
            setup.commit()
        with database.session_factory() as first, database.session_factory() as second:
            assert claim(first, "w1", limit=2) == on_busy[:2]
            # w1 has not committed: its lane is locked, so w2 takes the other lane without waiting.
            assert claim(second, "w2", limit=10) == [on_free]
            second.commit()
            first.commit()
            # Now w1's posts are in flight: the rest of its lane is still not w2's.
            assert claim(second, "w2", limit=10) == []
            assert claim(first, "w1", limit=10) == on_busy[2:]
    finally:
        database.dispose()


@pytest.mark.only_on(
    "sqlite", why="PostgreSQL plans from its statistics; this pins SQLite's choice"
)
def test_on_sqlite_a_claim_reads_due_posts_from_their_partial_index_without_sorting(
    session: Session, factory: PublishingFactory
) -> None:
    # Without statistics SQLite once read every scheduled post through (state, send_at) and
    # sorted them for each claim, so the bigger the burst, the dearer each post.
    channel = factory.channel()
    factory.post(channel, send_at=NOW - timedelta(minutes=1))

    with counting_queries(session.get_bind()) as queries:
        assert len(claim(session, "w1", limit=5)) == 1

    due = [(sql, parameters) for sql, parameters in queries.executed if "due_at <=" in sql]
    assert len(due) == 2  # choosing the lanes, then claiming
    for sql, parameters in due:
        plan = sqlite_plan(session, sql, parameters)
        assert "USING INDEX ix_posts_scheduled_due (state=? AND due_at<?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
