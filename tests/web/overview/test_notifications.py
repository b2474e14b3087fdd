"""The notifications page: the header count, listing, marking read, CSRF, other people's."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from scheduler.models import PostState, User
from scheduler.notifications.operations import notify_from_audit
from scheduler.notifications.reading import unread_count
from tests.support.factories import NOW, Factory
from tests.web.conftest import csrf_token_from, fetch


def waiting_for(factory: Factory, session: Session, count: int) -> tuple[User, User, list[int]]:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    ids = [
        factory.move(factory.post(channel, author), PostState.IN_REVIEW).id for _ in range(count)
    ]
    notify_from_audit(session, now=NOW)
    return author, approver, ids


def test_anonymous_people_are_sent_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/notifications").status_code == 302
    assert client.post("/notifications/read-all").status_code in (302, 400)


def test_the_header_counts_unread_and_the_page_lists_them(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    _author, approver, ids = waiting_for(factory, session, 2)
    signed_in(approver)

    home = fetch(client, "/").get_data(as_text=True)
    page = fetch(client, "/notifications").get_data(as_text=True)

    assert ">Notifications (2 unread)</a>" in home
    assert f'href="/posts/{ids[0]}">Post {ids[0]} on @ons is waiting for your clearance' in page
    assert "Waiting for you" in page


def test_marking_one_then_all_as_read(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    _author, approver, _ids = waiting_for(factory, session, 3)
    signed_in(approver)
    html = fetch(client, "/notifications").get_data(as_text=True)
    first = int(re.findall(r'action="/notifications/(\d+)/read"', html)[0])
    token = csrf_token_from(html)

    assert client.post(f"/notifications/{first}/read").status_code == 400  # no CSRF token
    response = client.post(f"/notifications/{first}/read", data={"csrf_token": token})
    assert response.status_code == 302
    assert unread_count(session, approver) == 2

    client.post("/notifications/read-all", data={"csrf_token": token})
    assert unread_count(session, approver) == 0
    assert "You have no unread notifications" in fetch(
        client, "/notifications?show=unread"
    ).get_data(as_text=True)


def test_nobody_reads_or_clears_another_persons_notifications(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    author, approver, _ids = waiting_for(factory, session, 1)
    signed_in(author)
    html = fetch(client, "/notifications").get_data(as_text=True)
    token = csrf_token_from(html)

    assert "waiting for your clearance" not in html
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert unread_count(session, approver) == 1
