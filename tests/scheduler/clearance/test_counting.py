"""Which approvals count: the worker's SQL and clearance's Python agree on any history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_config
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance.counting import approval_count
from scheduler.models import Approval, Post, PostAuthor, PostState
from scheduler.publishing.rows import POST_COLUMNS, PostRow
from scheduler.publishing.rules.facts import load_facts
from tests.support.factories import NOW, Factory

PEOPLE = 4
VERSIONS = 3


@dataclass(frozen=True)
class History:
    """One post's story: who wrote it, its version, co-authors and approvals of any version."""

    author: int
    version: int
    co_authors: frozenset[tuple[int, int]]  # (content version, person)
    approvals: tuple[tuple[int, int, bool], ...]  # (person, content version, voided)


person = st.integers(0, PEOPLE - 1)
version = st.integers(1, VERSIONS)
histories = st.builds(
    History,
    author=person,
    version=version,
    co_authors=st.frozensets(st.tuples(version, person), max_size=6),
    approvals=st.lists(st.tuples(person, version, st.booleans()), max_size=8).map(tuple),
)


def _live_once(history: History) -> tuple[tuple[int, int, bool], ...]:
    """Drop repeated live approvals: the database allows one per person and version."""
    seen: set[tuple[int, int]] = set()
    kept = []
    for who, content_version, voided in history.approvals:
        if not voided:
            if (who, content_version) in seen:
                continue
            seen.add((who, content_version))
        kept.append((who, content_version, voided))
    return tuple(kept)


def test_the_sql_and_python_forms_agree_on_random_histories(
    session: Session, settings: Settings
) -> None:
    factory = Factory(session, settings)
    channel_id = factory.channel().id
    people = [factory.user().id for _ in range(PEOPLE)]

    @given(st.lists(histories, min_size=1, max_size=6))
    @hypothesis_config(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    def agree(stories: list[History]) -> None:
        savepoint = session.begin_nested()
        try:
            posts = []
            for story in stories:
                post = Post(
                    channel_id=channel_id,
                    author_id=people[story.author],
                    text="Figures",
                    content_version=story.version,
                    state=PostState.SCHEDULED,
                    send_at=NOW + timedelta(days=1),
                )
                session.add(post)
                session.flush()
                for content_version, who in sorted(story.co_authors):
                    session.add(
                        PostAuthor(
                            post_id=post.id,
                            content_version=content_version,
                            user_id=people[who],
                            action="edit",
                            changed="text",
                            source_post_id=post.id,
                            recorded_at=NOW,
                        )
                    )
                for who, content_version, voided in _live_once(story):
                    session.add(
                        Approval(
                            post_id=post.id,
                            approver_id=people[who],
                            content_version=content_version,
                            approved_at=NOW,
                            voided_at=NOW if voided else None,
                            void_reason="changes requested" if voided else None,
                        )
                    )
                posts.append(post)
            session.flush()
            session.expire_all()

            ids = [post.id for post in posts]
            batch = [
                PostRow.from_row(row)
                for row in session.execute(select(*POST_COLUMNS).where(Post.id.in_(ids)))
            ]
            sql = load_facts(session, batch, [], now=NOW, channel_cache={}).approvals
            python = {post.id: approval_count(post) for post in posts}

            assert {post_id: sql.get(post_id, 0) for post_id in ids} == python
        finally:
            savepoint.rollback()
            # Ids are used again after a rollback: forget the objects that had them.
            session.expunge_all()

    agree()
