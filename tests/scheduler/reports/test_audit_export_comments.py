"""Comments in the audit export: their words, except on embargoed posts for people off the list."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.orm import Session

from config import Settings
from scheduler.comments import add_comment
from scheduler.models import Role
from scheduler.reports.audit_export import (
    AuditFilter,
    export_chunks,
    iter_events,
)
from tests.support.factories import Factory


def test_a_comment_is_exported_with_its_words(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    post = factory.post(channel, factory.author(channel))
    approver = factory.approver(channel)
    add_comment(session, post, "Cite the source", by=approver, settings=settings, now=factory.now)

    rows = list(iter_events(session, AuditFilter(post_id=post.id), reader=factory.user(Role.ADMIN)))
    [row] = [row for row in rows if row["action"] == "comment"]
    assert row["comment"] == "Cite the source"
    assert row["actor_email"] == approver.email
    exported = json.loads("".join(export_chunks(session, AuditFilter(post_id=post.id), "json")))
    assert [row["comment"] for row in exported if row["action"] == "comment"] == ["Cite the source"]


def test_an_embargoed_posts_comment_is_withheld_from_people_off_the_list(
    session: Session, settings: Settings, factory: Factory
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    admin = factory.user(Role.ADMIN)
    listed_admin = factory.user(Role.ADMIN)
    release = factory.release(access=[author, listed_admin])
    post = factory.post(channel, author, text="Unemployment 4.4%", release=release)
    add_comment(session, post, "4.4% is right", by=author, settings=settings, now=factory.now)
    criteria = AuditFilter(post_id=post.id)

    def said(**kwargs: object) -> list[str]:
        rows = iter_events(session, criteria, **kwargs)  # type: ignore[arg-type]
        return [row["comment"] for row in rows if row["action"] == "comment"]

    withheld = [
        row["details"]
        for row in iter_events(session, criteria, reader=admin, now=factory.now)
        if row["action"] == "comment"
    ]
    assert withheld == [{"withheld_until": release.embargo_at.isoformat()}]
    assert said(reader=admin, now=factory.now) == [""]
    assert said(reader=None, now=factory.now) == [""]  # the operator, on no list
    assert said(reader=listed_admin, now=factory.now) == ["4.4% is right"]
    csv_text = "".join(export_chunks(session, criteria, "csv", reader=admin))
    assert "4.4%" not in csv_text
    after = release.embargo_at + timedelta(minutes=1)
    assert said(reader=admin, now=after) == ["4.4% is right"]
