"""The bulk path writes exactly what SQLAlchemy would, and refuses what it cannot do."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from scheduler.models import AuditEvent, Post, PostState
from scheduler.publishing.bulk import BulkStatement, JsonRowsStatement, dumps_json
from scheduler.publishing.record.audit_rows import audit_row, insert_audit
from scheduler.publishing.rows import POST_COLUMNS, PostRow, posts
from tests.support.publishing_factories import PublishingFactory

_MOVE = BulkStatement(
    update(posts)
    .where(posts.c.id == bindparam("b_id"))
    .values(
        state=PostState.FAILED,
        due_at=bindparam("b_due", type_=posts.c.due_at.type),
        updated_at=bindparam("b_due", type_=posts.c.updated_at.type),
        last_error=bindparam("b_error"),
    )
)


def test_values_round_trip_and_compare_like_sqlalchemys(
    factory: PublishingFactory, session: Session
) -> None:
    channel = factory.channel()
    first = factory.post(channel, send_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    second = factory.post(channel, send_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    london = datetime(2026, 7, 1, 10, 30, 0, 250, tzinfo=ZoneInfo("Europe/London"))
    changed = _MOVE.execute(
        session,
        [
            {"b_id": first.id, "b_due": london, "b_error": "x"},
            {"b_id": second.id, "b_due": london + timedelta(hours=1), "b_error": None},
        ],
    )
    assert changed == 2
    session.expire_all()
    assert first.state is PostState.FAILED
    assert first.due_at == datetime(2026, 7, 1, 9, 30, 0, 250, tzinfo=UTC)
    assert (first.last_error, second.last_error) == ("x", None)
    # Stored the way SQLAlchemy stores instants, so its own comparisons still work.
    earlier = session.scalars(select(Post.id).where(Post.due_at < london + timedelta(minutes=1)))
    assert list(earlier) == [first.id]


def test_naive_datetimes_and_python_side_defaults_are_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        _MOVE.execute(session, [{"b_id": 1, "b_due": datetime(2026, 1, 1), "b_error": None}])  # noqa: DTZ001
    needs_default = BulkStatement(
        update(posts).where(posts.c.id == bindparam("b_id")).values(last_error="x")
    )
    with pytest.raises(ValueError, match="give explicit values for updated_at"):
        needs_default.execute(session, [{"b_id": 1}])


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(JSON_VALUES)
def test_per_row_json_is_what_json_dumps_writes(value: object) -> None:
    assert dumps_json(value) == json.dumps(value)


def test_worker_events_keep_any_text_as_written(
    session: Session, factory: PublishingFactory
) -> None:
    # Binary arrays on PostgreSQL, an executemany on SQLite: quotes, braces, backslashes and the
    # word NULL are text like any other, and an empty details dict stays a dict.
    post = factory.post(factory.channel(), send_at=datetime(2026, 3, 12, 9, 30, tzinfo=UTC))
    session.flush()
    row = session.execute(select(*POST_COLUMNS).where(posts.c.id == post.id)).one()
    awkward = 'He said "{NULL}", then \\ and ,; ŵ 📈'
    insert_audit(
        session,
        [
            audit_row(
                "mark_held",
                PostRow.from_row(row),
                actor_label=awkward,
                at=datetime(2026, 3, 12, 9, 30, tzinfo=UTC),
                from_state="publishing",
                to_state="scheduled",
                comment=awkward,
                details={"reason": awkward, "tries": 2, "gap": 1.5, "none": None},
            ),
            audit_row("claim", PostRow.from_row(row), actor_label="w", at=datetime.now(UTC)),
        ],
    )
    held, claimed = session.scalars(
        select(AuditEvent).where(AuditEvent.post_id == post.id).order_by(AuditEvent.id)
    ).all()
    assert (held.actor_label, held.comment) == (awkward, awkward)
    assert held.details == {"reason": awkward, "tries": 2, "gap": 1.5, "none": None}
    assert (held.actor_id, held.subject_user_id, held.release_id) == (None, None, None)
    assert (claimed.action, claimed.details, claimed.comment) == ("claim", {}, "")


@pytest.mark.only_on("sqlite", why="JSON rows are SQLite's way; PostgreSQL takes arrays")
def test_json_rows_of_one_column_reach_the_database(
    session: Session, factory: PublishingFactory
) -> None:
    channel = factory.channel()
    at = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)
    chosen, other = factory.post(channel, send_at=at), factory.post(channel, send_at=at)
    session.flush()
    statement = JsonRowsStatement(
        "UPDATE posts SET last_error = 'checked' FROM {rows} AS v WHERE posts.id = v.id",
        [("b_id", "id")],
    )
    assert statement.execute(session, [{"b_id": chosen.id}]) == 1
    session.expire_all()
    assert (chosen.last_error, other.last_error) == ("checked", None)
