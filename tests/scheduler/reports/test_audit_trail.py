"""The audit trail on screen: who sees which events, filtered and paged by keyset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from scheduler.access.rules import may_view_audit_trail
from scheduler.clearance import request_changes, submit
from scheduler.core.errors import ValidationFailed
from scheduler.models import Role
from scheduler.reports.audit_export import iter_events
from scheduler.reports.audit_trail import (
    AuditFilter,
    channels_to_filter_by,
    people_to_filter_by,
    trail_page,
)
from tests.support.factories import NOW, Factory


def test_an_owner_sees_only_their_channels_and_an_admin_everything(
    factory: Factory, session: Session
) -> None:
    owner = factory.user(Role.APPROVER)
    mine = factory.channel("Mine", owner=owner)
    theirs = factory.channel("Theirs")
    author = factory.author(mine, theirs)
    ours = factory.post(mine, author, text="On my channel")
    factory.post(theirs, author, text="On theirs")
    admin = factory.user(Role.ADMIN)

    seen = trail_page(session, reader=owner, criteria=AuditFilter(), now=NOW)
    assert {entry.event.channel_id for entry in seen.entries} == {mine.id}
    assert ours.id in {entry.event.post_id for entry in seen.entries}
    everything = trail_page(session, reader=admin, criteria=AuditFilter(), now=NOW, limit=200)
    assert {mine.id, theirs.id} <= {entry.event.channel_id for entry in everything.entries}
    # Events about people belong to no channel: only admins see them.
    assert "user_created" not in {entry.event.action for entry in seen.entries}
    assert [c.handle for c in channels_to_filter_by(session, owner)] == ["Mine"]
    assert owner.id in {person.id for person in people_to_filter_by(session, owner)}
    assert author.id in {person.id for person in people_to_filter_by(session, owner)}

    assert may_view_audit_trail(session, owner)
    assert may_view_audit_trail(session, admin)
    assert not may_view_audit_trail(session, author)
    owner.active = False
    assert not may_view_audit_trail(session, owner)
    assert trail_page(session, reader=owner, criteria=AuditFilter(), now=NOW).entries == []


def test_filters_by_person_post_and_dates(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    admin = factory.user(Role.ADMIN)
    post = factory.post(channel, author, text="Figures")
    submit(session, post, by=author, settings=factory.settings, now=NOW + timedelta(days=1))
    request_changes(
        session, post, comment="Say which month", by=approver, settings=factory.settings,
        now=NOW + timedelta(days=2),
    )  # fmt: skip

    by_approver = trail_page(
        session, reader=admin, criteria=AuditFilter(actor_id=approver.id), now=NOW
    )
    assert [(e.event.action, e.comment) for e in by_approver.entries] == [
        ("request_changes", "Say which month")
    ]
    assert by_approver.entries[0].actor == approver.display_name
    day_two = AuditFilter(
        post_id=post.id, since=NOW + timedelta(days=1), until=NOW + timedelta(days=2)
    )
    on_day_two = trail_page(session, reader=admin, criteria=day_two, now=NOW).entries
    assert [entry.event.action for entry in on_day_two] == ["submit"]
    with pytest.raises(ValidationFailed, match="Person ids go from 1"):
        AuditFilter(actor_id=0)


def test_pages_newest_first_with_older_and_newer_cursors(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    admin = factory.user(Role.ADMIN)
    posts = [factory.post(channel, author, text=f"Post {n}") for n in range(7)]
    criteria = AuditFilter(channel_id=channel.id, actor_id=author.id)
    ids = [post.id for post in reversed(posts)]

    first = trail_page(session, reader=admin, criteria=criteria, now=NOW, limit=3)
    assert [e.event.post_id for e in first.entries] == ids[:3]
    assert first.newer_than is None
    assert first.older_than is not None
    second = trail_page(
        session, reader=admin, criteria=criteria, now=NOW, limit=3, before=first.older_than
    )
    assert [e.event.post_id for e in second.entries] == ids[3:6]
    third = trail_page(
        session, reader=admin, criteria=criteria, now=NOW, limit=3, before=second.older_than
    )
    assert [e.event.post_id for e in third.entries] == ids[6:]
    assert third.older_than is None
    assert third.newer_than is not None
    back = trail_page(
        session, reader=admin, criteria=criteria, now=NOW, limit=3, after=third.newer_than
    )
    assert [e.event.post_id for e in back.entries] == ids[3:6]
    assert back.newer_than is not None
    assert back.older_than is not None
    top = trail_page(
        session, reader=admin, criteria=criteria, now=NOW, limit=3, after=back.newer_than
    )
    assert [e.event.post_id for e in top.entries] == ids[:3]
    assert top.newer_than is None


def test_embargoed_words_are_withheld_from_anyone_off_the_list(
    factory: Factory, session: Session
) -> None:
    owner = factory.user(Role.APPROVER)
    channel = factory.channel("Stats", owner=owner)
    author = factory.author(channel)
    approver = factory.approver(channel)
    admin = factory.user(Role.ADMIN)
    listed_admin = factory.user(Role.ADMIN)
    release = factory.release(access=[author, approver, listed_admin], title="Unemployment 4.4%")
    post = factory.post(channel, author, text="Unemployment rose to 4.4%", release=release)
    submit(session, post, by=author, settings=factory.settings, now=NOW)
    request_changes(
        session, post, comment="Say 4.4% not 4.40%", by=approver, settings=factory.settings,
        now=NOW,
    )  # fmt: skip
    criteria = AuditFilter(post_id=post.id, actor_id=approver.id)

    for outsider in (owner, admin):
        entry = trail_page(session, reader=outsider, criteria=criteria, now=NOW).entries[0]
        assert entry.withheld
        assert entry.comment is None
        assert entry.details is None
        assert entry.embargo_at == release.embargo_at
    (entry,) = trail_page(session, reader=listed_admin, criteria=criteria, now=NOW).entries
    assert entry.comment == "Say 4.4% not 4.40%"
    # The release's own events (its title may give the figure away) are withheld too.
    created = [
        e
        for e in iter_events(session, AuditFilter(), reader=admin, now=NOW)
        if e["action"] == "release_created"
    ]
    assert created
    assert "4.4" not in str(created)
    exported = [e for e in iter_events(session, criteria, reader=owner, now=NOW)]
    assert exported[0]["comment"] == ""
    assert "withheld_until" in exported[0]["details"]
    # After the embargo, everyone who may see the event reads it.
    after = release.embargo_at + timedelta(minutes=1)
    (entry,) = trail_page(session, reader=admin, criteria=criteria, now=after).entries
    assert entry.comment == "Say 4.4% not 4.40%"
