"""The calendar feed: made, replaced and revoked from a page; served as valid iCalendar."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import AuditEvent, PostState, User
from tests.support.factories import Factory
from tests.web.conftest import csrf_token_from, fetch


def make_feed(client: FlaskClient) -> str:
    token = csrf_token_from(fetch(client, "/calendar/feed").get_data(as_text=True))
    html = client.post("/calendar/feed", data={"action": "create", "csrf_token": token}).get_data(
        as_text=True
    )
    match = re.search(r'value="http://localhost(/calendar/feed/[^"]+\.ics)"', html)
    assert match, html
    return match.group(1)


def test_the_feed_page_needs_sign_in_and_a_csrf_token(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    assert client.get("/calendar/feed").status_code == 302
    signed_in(factory.author(factory.channel()))

    assert client.post("/calendar/feed", data={"action": "create"}).status_code == 400


def test_the_feed_lists_posts_in_utc_with_stable_uids_and_no_embargoed_text(
    client: FlaskClient,
    session: Session,
    factory: Factory,
    signed_in: Callable[[User], User],
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    release = factory.release(access=[author, approver], title="Labour market")
    plain = factory.post(
        channel, author, text="Retail sales rose", send_at=datetime(2027, 3, 29, 8, 30, tzinfo=UTC)
    )
    embargoed = factory.post(
        channel, author, text="Jobs at a record", release=release, send_at=release.embargo_at
    )
    for post in (plain, embargoed):
        factory.move(post, PostState.SCHEDULED, approvers=[approver])
    signed_in(author)
    path = make_feed(client)

    response = fetch(client, path)
    body = response.get_data(as_text=True)
    calendar = Calendar.from_ical(response.get_data())
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}

    assert response.mimetype == "text/calendar"
    assert "DTSTART:20270329T083000Z" in body
    assert set(events) == {f"post-{plain.id}@gatepost", f"post-{embargoed.id}@gatepost"}
    assert events[f"post-{plain.id}@gatepost"].decoded("dtstart") == plain.send_at
    assert str(events[f"post-{embargoed.id}@gatepost"]["summary"]) == "Embargoed post on @ons"
    assert "Jobs at a record" not in body
    assert fetch(client, path).get_data() == response.get_data()
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_user_id == author.id)
    ).all()
    assert "calendar_feed_created" in actions


def test_a_new_address_replaces_the_old_and_revoking_turns_it_off(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    signed_in(factory.author(factory.channel()))
    first = make_feed(client)
    second = make_feed(client)

    assert fetch(client, first).status_code == 404
    assert fetch(client, second).status_code == 200

    token = csrf_token_from(fetch(client, "/calendar/feed").get_data(as_text=True))
    client.post("/calendar/feed", data={"action": "revoke", "csrf_token": token})

    assert fetch(client, second).status_code == 404
    assert fetch(client, "/calendar/feed/unknown.ics").status_code == 404
