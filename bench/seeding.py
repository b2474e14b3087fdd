"""Fill a fresh database fast: channels, people, approved scheduled posts, with Core inserts."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection

from scheduler.core.database import Database
from scheduler.identity.passwords import hash_password
from scheduler.models import (
    AccessRole,
    Approval,
    Channel,
    ChannelAccess,
    Post,
    PostState,
    Role,
    User,
)

BENCH_PASSWORD = "bench horse battery staple"  # noqa: S105 (scratch users)
#: Rows per INSERT executemany: big enough to be fast, small enough to bound memory.
CHUNK = 5_000
#: Where posts wait until a workload names its instant (far from any real due time).
PARKED = datetime(2099, 1, 1, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class People:
    """The author and the approver every seeded post names."""

    author_id: int
    approver_id: int
    approver_email: str
    approver_totp_secret: str


def seed_people(database: Database) -> People:
    """Add one author and one approver (with 2FA, as approvers must have) and return them."""
    secret = pyotp.random_base32()
    password_hash = hash_password(BENCH_PASSWORD)
    with database.engine.begin() as connection:
        author_id = _insert_user(connection, "author@bench.example", Role.AUTHOR, password_hash)
        approver_id = _insert_user(
            connection, "approver@bench.example", Role.APPROVER, password_hash, totp_secret=secret
        )
    return People(author_id, approver_id, "approver@bench.example", secret)


def _insert_user(
    connection: Connection,
    email: str,
    role: Role,
    password_hash: str,
    *,
    totp_secret: str | None = None,
) -> int:
    users = User.__table__
    values = {
        "email": email,
        "name": email.split("@")[0].title(),
        "password_hash": password_hash,
        "role": role,
        "totp_secret": totp_secret,
        "totp_enabled_at": datetime.now(UTC) if totp_secret else None,
    }
    result = connection.execute(insert(users).values(values).returning(users.c.id))
    return int(result.scalar_one())


def seed_channels(
    database: Database,
    count: int,
    *,
    options: dict[str, object] | None = None,
    platform: str = "mock",
    instance_url: str | None = None,
    credentials: Sequence[str] = (),
) -> list[int]:
    """Add `count` English channels (on the mock platform unless told) and return their ids.

    `credentials` are the channels' sealed credentials, one per channel in order, for a real
    platform's adapter (a platform emulator in the benchmarks).
    """
    channels = Channel.__table__
    rows = [
        {
            "platform": platform,
            "handle": f"@bench{number:05d}",
            "language": "en",
            "platform_options": options or {},
            "instance_url": instance_url,
            "credentials_encrypted": credentials[number] if credentials else None,
            "connected_as": f"@bench{number:05d}" if credentials else None,
        }
        for number in range(count)
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(channels), rows)
        found = connection.execute(select(channels.c.id).order_by(channels.c.id))
        return [int(row_id) for (row_id,) in found]


def grant_channels(database: Database, user_id: int, channel_ids: Sequence[int]) -> None:
    """Put the person on each channel's access list as an approver (they see its posts)."""
    rows = [
        {"channel_id": channel_id, "user_id": user_id, "role": AccessRole.APPROVER}
        for channel_id in channel_ids
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(ChannelAccess.__table__), rows)


#: States a post reaches only once cleared: these carry the approver's approval.
UNCLEARED = (PostState.DRAFT, PostState.IN_REVIEW)


def _chunks(rows: Iterator[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    while chunk := list(itertools.islice(rows, CHUNK)):
        yield chunk


def seed_scheduled(
    database: Database, people: People, channel_ids: Sequence[int], count: int
) -> None:
    """Add `count` approved scheduled posts spread round-robin over the channels, parked."""
    rows = (
        {
            "channel_id": channel_ids[number % len(channel_ids)],
            "author_id": people.author_id,
            "text": f"Bench post {number}: unemployment rate 4.2%",
            "send_at": PARKED,
            "due_at": PARKED,
            "state": PostState.SCHEDULED,
        }
        for number in range(count)
    )
    _insert_posts(database, people, rows)


def _insert_posts(database: Database, people: People, rows: Iterator[dict[str, object]]) -> None:
    posts = Post.__table__
    approvals = Approval.__table__
    with database.engine.begin() as connection:
        first = connection.execute(select(posts.c.id).order_by(posts.c.id.desc()).limit(1))
        last_id = first.scalar() or 0
        for chunk in _chunks(rows):
            connection.execute(insert(posts), chunk)
        # Drafts and posts in review have no approval yet: they are what the inbox lists.
        new_ids = connection.execute(
            select(posts.c.id, posts.c.content_version).where(
                posts.c.id > last_id, posts.c.state.not_in(UNCLEARED)
            )
        ).all()
        approval_rows = [
            {"post_id": post_id, "approver_id": people.approver_id, "content_version": version}
            for post_id, version in new_ids
        ]
        for start in range(0, len(approval_rows), CHUNK):
            connection.execute(insert(approvals), approval_rows[start : start + CHUNK])


def settle_after_seeding(database: Database) -> None:
    """Leave the database as a queue that grew over days would be: analyzed, its log folded in."""
    if database.engine.dialect.name != "postgresql":
        # SQLite gathers no statistics by itself, so it is measured as it runs, without them.
        # Its write-ahead log would have been checkpointed long ago: do it now, so the seed is
        # in the database file and the burst's own writes start a fresh log.
        database.checkpoint()
        return
    # Seeding inserts in bulk seconds before the measurement; autovacuum gets to a table only
    # after its naptime (a minute). Without statistics the planner guesses from an empty table;
    # without a vacuum the visibility map is empty, so an index-only scan (the calendar's)
    # visits the table for every row, and the pages are measured at the mercy of when
    # autovacuum happens to run.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE)"))


def make_due(database: Database, instant: datetime) -> None:
    """Make every parked post due at the instant (one statement, just before the workers start)."""
    posts = Post.__table__
    with database.engine.begin() as connection:
        connection.execute(
            update(posts)
            .where(posts.c.state == PostState.SCHEDULED)
            .values(send_at=instant, due_at=instant)
        )


#: How a big queue is spread over states (roughly what a busy year leaves behind).
QUEUE_MIX: tuple[tuple[PostState, float], ...] = (
    (PostState.PUBLISHED, 0.70),
    (PostState.SCHEDULED, 0.10),
    (PostState.IN_REVIEW, 0.06),
    (PostState.DRAFT, 0.06),
    (PostState.APPROVED, 0.03),
    (PostState.WITHDRAWN, 0.03),
    (PostState.FAILED, 0.01),
    (PostState.MISSED, 0.005),
    (PostState.UNKNOWN, 0.005),
)


def seed_big_queue(
    database: Database,
    people: People,
    channel_ids: Sequence[int],
    count: int,
    *,
    centre: datetime,
    seed: int = 7,
) -> None:
    """Add `count` posts across states and the 12 months around `centre` (published ones before)."""
    chooser = random.Random(seed)
    states = [state for state, _ in QUEUE_MIX]
    weights = [weight for _, weight in QUEUE_MIX]
    year = timedelta(days=365)

    def rows() -> Iterator[dict[str, object]]:
        for number in range(count):
            state = chooser.choices(states, weights)[0]
            offset = chooser.random() * year / 2
            published = state is PostState.PUBLISHED
            send_at = centre - offset if published else centre + offset
            scheduled = state is PostState.SCHEDULED
            yield {
                "channel_id": channel_ids[number % len(channel_ids)],
                "author_id": people.author_id,
                "text": f"Queue post {number}: unemployment rate 4.2%",
                "send_at": send_at,
                "due_at": send_at if scheduled else None,
                "state": state,
                "published_at": send_at if published else None,
                "external_id": f"bench-{number}" if published else None,
                "submitted_at": centre if state is not PostState.DRAFT else None,
            }

    _insert_posts(database, people, rows())
