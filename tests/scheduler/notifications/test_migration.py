"""Revision 0009: notifications from before grouping become units of their own, as they were."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session

from scheduler.core import schema
from scheduler.core.database import Database
from scheduler.models import Channel, Post, Role, User
from scheduler.models.notification import EmailState
from scheduler.notifications.reading import list_notifications, mark_read, unread_count

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def table(name: str, *columns: str) -> sa.TableClause:
    """Return a table as it was before revision 0009, as far as the test writes it."""
    return sa.table(name, *(sa.column(column) for column in columns))


notifications = table("notifications", "id", "user_id", "kind", "post_id", "message",
                      "created_at", "read_at", "emailed_at")  # fmt: skip


def row(number: int, kind: str, post_id: int | None, **values: object) -> dict[str, object]:
    """Return a notification row as revision 0007 kept it, unread and, unless said, unsent."""
    return {"id": number, "user_id": 1, "kind": kind, "post_id": post_id, "read_at": None,
            "message": f"Notice {number}", "created_at": AT, "emailed_at": None,
            **values}  # fmt: skip


def test_existing_notifications_become_units_of_their_own_and_keep_their_mail_state(
    backend: str, make_database_url: Callable[[str], str]
) -> None:
    script = ScriptDirectory.from_config(schema.alembic_config())
    before = script.get_revision("0011_grouped_notifications").down_revision
    assert isinstance(before, str)
    db = Database(make_database_url(backend))
    schema.upgrade(db.engine, before)
    # Only `notifications` changes in 0009: the other tables are today's models.
    with Session(db.engine) as session:
        user = User(email="a@example.gov.uk", name="A", password_hash="x", role=Role.APPROVER)
        channel = Channel(platform="mock", handle="ons", language="en")
        session.add_all([user, channel])
        session.flush()
        post = Post(channel_id=channel.id, author_id=user.id, text="Retail sales rose")
        session.add(post)
        session.commit()
        user_id, post_id = user.id, post.id
    assert user_id == 1
    with db.engine.begin() as connection:
        connection.execute(
            notifications.insert(),
            [
                row(1, "submitted", post_id, emailed_at=AT),
                row(2, "edited", post_id),
                row(3, "connection_failed", None),
            ],
        )
    schema.upgrade(db.engine)

    with Session(db.engine) as session:
        rows = session.execute(
            sa.text("SELECT id, unit_post_id, wording, email_state FROM notifications ORDER BY id")
        ).all()
        assert [tuple(row) for row in rows] == [
            (1, None, "", EmailState.SENT.value),
            (2, None, "", EmailState.WAITING.value),
            (3, None, "", EmailState.WAITING.value),
        ]
        covered = session.execute(
            sa.text("SELECT notification_id, post_id FROM notification_posts")
        ).all()
        assert sorted(tuple(row) for row in covered) == [(1, post_id), (2, post_id)]
        reader = session.get(User, user_id)
        assert reader is not None
        assert [n.updated_at for n in list_notifications(session, reader)] == [AT, AT, AT]
        assert unread_count(session, reader) == 3  # each its own unit, as before
        assert mark_read(session, reader, notification_id=1, now=AT) == 1
        assert unread_count(session, reader) == 2
        session.commit()

    schema.downgrade(db.engine, before)
    with db.engine.connect() as connection:
        emailed = connection.execute(
            sa.text("SELECT id FROM notifications WHERE emailed_at IS NOT NULL")
        ).all()
    assert [row.id for row in emailed] == [1]
    db.dispose()
