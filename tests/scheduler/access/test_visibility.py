"""Before an embargo, only the access list (admins included) and the author read; reads recorded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from scheduler.access.rules import (
    ViewingLog,
    displayed_text,
    embargo_viewings,
    may_read_text,
    read_text,
)
from scheduler.clearance import approve, edit_post, submit
from scheduler.core.errors import PermissionDenied
from scheduler.models import Post, PostState, Release, Role, User
from scheduler.releases.operations import grant_release_access
from tests.support.factories import NOW, Factory


class Scene(NamedTuple):
    post: Post
    author: User
    insider: User
    outsider: User
    release: Release


@pytest.fixture
def scene(factory: Factory) -> Scene:
    channel = factory.channel()
    author = factory.author(channel)
    insider = factory.approver(channel)
    outsider = factory.approver(channel)
    release = factory.release(access=[insider], title="Inflation, March")
    post = factory.post(
        channel, author, text="Inflation fell to 2.1%", release=release, send_at=release.embargo_at
    )
    return Scene(post, author, insider, outsider, release)


def test_before_the_embargo_only_the_access_list_reads_and_each_read_is_recorded(
    factory: Factory, session: Session, scene: Scene
) -> None:
    post, author, insider, outsider, release = scene
    admin = factory.user(Role.ADMIN)
    assert read_text(session, post, reader=insider, now=NOW, via="web") == "Inflation fell to 2.1%"
    assert read_text(session, post, reader=admin, now=NOW, via="api") is None  # not on the list
    assert read_text(session, post, reader=author, now=NOW) == "Inflation fell to 2.1%"
    assert read_text(session, post, reader=outsider, now=NOW) is None
    grant_release_access(session, release, user=admin, by=admin, now=NOW)
    assert read_text(session, post, reader=admin, now=NOW, via="api") == "Inflation fell to 2.1%"
    assert displayed_text(session, post, reader=outsider, settings=factory.settings, now=NOW) == (
        "Embargoed until Fri 12 Mar 2027 09:30 GMT (Inflation, March)"
    )
    viewings = embargo_viewings(session, release)
    assert [(v.user_id, v.post_id, v.via, v.viewed_at) for v in viewings] == [
        (insider.id, post.id, "web", NOW),
        (author.id, post.id, "web", NOW),
        (admin.id, post.id, "api", NOW),
    ]


def test_after_the_embargo_everyone_reads_and_nothing_is_recorded(
    session: Session, scene: Scene
) -> None:
    post, _, _, outsider, release = scene
    after = release.embargo_at + timedelta(seconds=1)
    assert may_read_text(session, post, outsider, now=after)
    assert read_text(session, post, reader=outsider, now=after) == "Inflation fell to 2.1%"
    assert embargo_viewings(session, release) == []


def test_an_approver_off_the_access_list_cannot_clear_embargoed_text(
    factory: Factory, session: Session, scene: Scene
) -> None:
    post, author, _insider, outsider, release = scene
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    with pytest.raises(PermissionDenied) as refused:
        approve(session, post, by=outsider, settings=factory.settings, now=NOW)
    assert refused.value.message == (
        "The text of this post is under embargo until Fri 12 Mar 2027 09:30 GMT; only people on "
        "the pre-release access list of 'Inflation, March' may read it"
    )
    grant_release_access(session, release, user=outsider, by=None, now=NOW)
    approve(session, post, by=outsider, settings=factory.settings, now=NOW)
    assert post.state is PostState.SCHEDULED


def test_a_co_author_off_the_access_list_cannot_edit_embargoed_text(
    factory: Factory, session: Session, scene: Scene
) -> None:
    post, *_ = scene
    co_author = factory.author(post.channel)
    with pytest.raises(PermissionDenied, match="under embargo"):
        edit_post(session, post, by=co_author, settings=factory.settings, text="Guess", now=NOW)
    assert post.text == "Inflation fell to 2.1%"


def test_a_viewing_that_cannot_be_written_is_logged_and_the_read_still_answered(
    session: Session, scene: Scene, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    post, _, insider, _, release = scene
    log = ViewingLog()
    assert read_text(session, post, reader=insider, now=NOW, log=log) == "Inflation fell to 2.1%"
    # A database that cannot be opened for writing, as a locked or vanished one fails.
    unwritable = create_engine(f"sqlite:///file:{tmp_path / 'missing.db'}?mode=ro&uri=true")
    try:
        assert log.record_apart(sessionmaker(unwritable)) is False
    finally:
        unwritable.dispose()
    assert f"user {insider.id} post {post.id}" in caplog.text
    assert embargo_viewings(session, release) == []
    assert log.pending == []  # not written twice later
