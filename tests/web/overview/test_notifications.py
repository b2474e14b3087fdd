"""The notifications page: the header count, listing, marking read, CSRF, other people's."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import edit_post, request_changes, submit
from scheduler.clearance.threads import create_thread
from scheduler.models import AccessRole, PostState, User
from scheduler.notifications.operations import notify_from_audit
from scheduler.notifications.reading import unread_count
from scheduler.releases.reminders import due_reminders, send_one
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


def test_a_thread_and_its_twins_is_one_notification_with_its_next_step(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    english, welsh = factory.twin_channels()
    author, approver = factory.author(english, welsh), factory.approver(english, welsh)
    thread = create_thread(
        session, channel=english, texts=["One", "Two", "Three"], twin_texts=["Un", "Dau", "Tri"],
        by=author, settings=factory.settings, title="Retail sales, March", now=NOW,
    )  # fmt: skip
    submit(session, thread.posts[0], by=author, settings=factory.settings, now=NOW)
    notify_from_audit(session, now=NOW)
    signed_in(approver)

    home = fetch(client, "/").get_data(as_text=True)
    page = fetch(client, "/notifications").get_data(as_text=True)

    assert ">Notifications (1 unread)</a>" in home
    message = (
        f"Thread &#39;Retail sales, March&#39; on @{english.handle} (3 posts and their Welsh "
        "twins) is waiting for your clearance"
    )
    assert f'href="/posts/{thread.posts[0].id}">{message}</a>' in page
    assert page.count("gp-notifications__item ") + page.count('gp-notifications__item"') == 1
    assert (
        f'<a class="govuk-link" href="/inbox">Clear it in your inbox'
        f'<span class="govuk-visually-hidden">: {message}</span></a>'
    ) in page
    assert "Wed 10 Mar 2027 10:00 GMT" in page


def test_marking_one_read_reads_its_whole_unit(
    client: FlaskClient,
    session: Session,
    factory: Factory,
    settings: Settings,
    signed_in: Callable[[User], User],
) -> None:
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    thread = create_thread(
        session, channel=channel, texts=["One", "Two"], by=author, settings=settings, now=NOW
    )
    submit(session, thread.posts[0], by=author, settings=settings, now=NOW)
    request_changes(
        session, thread.posts[0], comment="Check", by=approver, settings=settings, now=NOW
    )
    editor = factory.grant(factory.approver(channel), [channel], AccessRole.AUTHOR)
    edit_post(session, thread.posts[1], by=editor, settings=settings, text="Two!", now=NOW)
    notify_from_audit(session, now=NOW)
    signed_in(author)
    html = fetch(client, "/notifications").get_data(as_text=True)
    assert ">Notifications (1 unread)</a>" in html
    ids = [int(found) for found in re.findall(r'action="/notifications/(\d+)/read"', html)]
    assert len(ids) == 2  # sent back, and edited: one unit

    client.post(f"/notifications/{ids[0]}/read", data={"csrf_token": csrf_token_from(html)})

    assert unread_count(session, author) == 0
    assert "You have no unread notifications" in fetch(
        client, "/notifications?show=unread"
    ).get_data(as_text=True)


def test_pages_go_newest_first_fifty_at_a_time(
    client: FlaskClient, session: Session, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    _author, approver, ids = waiting_for(factory, session, 52)
    signed_in(approver)

    first = fetch(client, "/notifications").get_data(as_text=True)
    linked = [int(found) for found in re.findall(r'href="/posts/(\d+)">Post', first)]
    assert linked == list(reversed(ids))[:50]
    older = re.search(r'href="(/notifications\?before=\d+)" rel="next"', first)
    assert older is not None
    second = fetch(client, older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert [int(found) for found in re.findall(r'href="/posts/(\d+)">Post', second)] == [
        ids[1],
        ids[0],
    ]
    assert 'rel="next"' not in second


def test_a_release_reminder_leads_to_the_releases_readiness_board(
    client: FlaskClient,
    session: Session,
    factory: Factory,
    settings: Settings,
    signed_in: Callable[[User], User],
) -> None:
    channel = factory.channel("ons")
    statistician = factory.author(channel)
    release = factory.release(by=statistician, access=[statistician], title="Regional GDP")
    factory.post(channel, statistician, release=release)  # still a draft: not yet cleared
    two_hours_before = release.embargo_at - timedelta(hours=2)
    [due] = [
        item
        for item in due_reminders(session, settings, now=two_hours_before)
        if item.release_id == release.id
    ]
    send_one(session, due, settings=settings, now=two_hours_before, by="test")
    signed_in(statistician)

    page = fetch(client, "/notifications").get_data(as_text=True)

    assert "Release reminder" in page
    assert f'href="/releases/{release.id}"' in page
    assert "See the release&#39;s readiness board" in page
