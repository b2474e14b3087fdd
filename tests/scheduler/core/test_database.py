"""The database layer: migrations match the models, audit is append-only, errors are clear."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from scheduler.core import audit, schema
from scheduler.core.database import Database, DatabaseUnavailable
from scheduler.models import AuditEvent, Channel, Post, PostAuthor, PostRevision, Role, User
from tests.support.databases import query_file_alone

COUNT_BURST = "SELECT count(*) FROM burst"


def test_migrated_schema_equals_the_models(database: Database) -> None:
    assert schema.current_revision(database.engine) == schema.head_revision()
    assert schema.differences(database.engine) == []


def test_migrations_downgrade_to_empty_and_upgrade_again(
    backend: str, make_database_url: Callable[[str], str]
) -> None:
    db = Database(make_database_url(backend))
    schema.upgrade(db.engine)
    schema.downgrade(db.engine, "base")
    assert schema.current_revision(db.engine) is None
    schema.upgrade(db.engine)
    assert schema.differences(db.engine) == []
    db.dispose()


def test_the_post_authors_migration_counts_everyone_who_wrote_an_existing_post(
    backend: str, make_database_url: Callable[[str], str]
) -> None:
    # Posts written before revision 0005: whoever made one of a post's versions, or wrote a
    # post clearing with it, becomes an author of its current version.
    script = ScriptDirectory.from_config(schema.alembic_config())
    before = script.get_revision("0005_post_authors").down_revision
    assert isinstance(before, str)
    db = Database(make_database_url(backend))
    schema.upgrade(db.engine, before)
    at = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)
    with Session(db.engine) as session:
        author, editor, translator, approver = (
            User(email=f"{name}@example.gov.uk", name=name, password_hash="x", role=Role.AUTHOR)
            for name in ("author", "editor", "translator", "approver")
        )
        session.add_all([author, editor, translator, approver])
        # The channels table of revision 0004, without the columns later revisions added.
        english_id, welsh_id = (
            session.execute(
                insert(Channel.__table__)
                .values(platform="mock", handle=handle, language=language)
                .returning(Channel.__table__.c.id)
            ).scalar_one()
            for handle, language in (("stats", "en"), ("ystadegau", "cy"))
        )
        session.flush()
        post = Post(channel_id=english_id, author=author, text="v2", content_version=2)
        twin = Post(channel_id=welsh_id, author=translator, text="Testun")
        session.add_all([post, twin])
        session.flush()
        post.twin_id, twin.twin_id = twin.id, post.id
        for number, by in ((1, author), (2, editor)):
            session.add(
                PostRevision(
                    post_id=post.id,
                    content_version=number,
                    text=f"v{number}",
                    channel_id=english_id,
                    edited_by_id=by.id,
                    created_at=at,
                )
            )
        session.commit()
        ids = {user.email.split("@")[0]: user.id for user in (author, editor, translator)}
        post_id, twin_id = post.id, twin.id

    schema.upgrade(db.engine)

    with Session(db.engine) as session:
        rows = session.execute(
            select(PostAuthor.post_id, PostAuthor.content_version, PostAuthor.user_id)
        ).all()
    assert sorted(rows) == sorted(
        [
            (post_id, 2, ids["editor"]),
            (post_id, 2, ids["translator"]),
            (twin_id, 1, ids["author"]),
            (twin_id, 1, ids["editor"]),
        ]
    )
    schema.downgrade(db.engine, before)
    db.dispose()


def test_instants_come_back_as_utc_whatever_zone_went_in(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user()
    london_morning = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    user.last_login_at = london_morning
    session.flush()
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored is not None
    assert stored.last_login_at == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    assert stored.last_login_at.tzinfo is UTC


def test_naive_datetimes_are_refused(session: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    user.last_login_at = datetime(2026, 7, 1, 9, 30)  # noqa: DTZ001 - the point of the test
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_audit_events_cannot_be_updated_or_deleted(
    session: Session, make_user: Callable[..., User]
) -> None:
    user = make_user()
    event = audit.record(session, "test_event", actor=user, comment="original")
    session.flush()
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(
            text("UPDATE audit_events SET comment = 'forged' WHERE id = :id"), {"id": event.id}
        )
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event.id})
    session.expire_all()
    stored = session.get(AuditEvent, event.id)
    assert stored is not None
    assert stored.comment == "original"


def test_unreachable_database_is_one_clear_line() -> None:
    db = Database("postgresql://nobody@127.0.0.1:9/gatepost")
    with pytest.raises(DatabaseUnavailable) as raised:
        db.check_connection()
    message = str(raised.value)
    assert message.startswith(
        "cannot reach the database at postgresql+psycopg://nobody@127.0.0.1:9/gatepost"
    )
    assert "\n" not in message


def test_unsupported_database_url_is_refused() -> None:
    with pytest.raises(DatabaseUnavailable, match="not supported"):
        Database("mysql://root@localhost/gatepost")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_sqlite_checkpoint_moves_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    db = Database(f"sqlite:///{path}")
    with db.engine.connect() as conn:
        # A burst's writes stay in the log: far more pages than SQLite's default of 1,000.
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 16_384
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE burst (n INTEGER)"))
        conn.execute(text("INSERT INTO burst VALUES (1), (2), (3)"))
    assert query_file_alone(path, tmp_path / "before.sqlite3", COUNT_BURST) is None

    db.checkpoint()

    assert query_file_alone(path, tmp_path / "after.sqlite3", COUNT_BURST) == [(3,)]
    db.dispose()
