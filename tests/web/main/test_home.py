"""The home page through real HTTP: what waits for each person, each with one next action that
answers 200 for them, embargoed text only for the release's access list, empty sections said.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.clearance import create_thread, request_changes, submit
from scheduler.models import AccessRole, EmbargoViewing, PostState, Role, User, utcnow
from tests.support.factories import Factory
from tests.support.totp import enrol
from tests.web.ui.test_navigation import navigation_hrefs, signed_in

#: In embargoed texts only.
MARKER = "EMBARGOED7f3a"


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    # The page asks the real clock: the data is made at it.
    return Factory(session, settings, now=utcnow())


def main_links(page: str) -> list[str]:
    """Return the links inside the page's <main>, in order."""
    body = page[page.index("<main") : page.index("</main>")]
    return re.findall(r'<a class="govuk-link[^"]*" href="([^"]+)"', body)


def test_empty_sections_say_so(
    client: FlaskClient, factory: Factory, sign_in_fully: Callable[[User], TestResponse]
) -> None:
    channel = factory.channel()
    approver = factory.grant(factory.approver(channel), [channel], AccessRole.AUTHOR)
    enrol(factory.session, approver)
    sign_in_fully(approver)

    page = client.get("/").get_data(as_text=True)

    for words in (
        "Nothing waits for you to clear.",
        "Nothing has been sent back to you.",
        "Nothing on your channels has failed, missed its time or is held.",
        "You have no drafts.",
        "No release has its embargo today or tomorrow.",
    ):
        assert words in page


def test_someone_who_only_clears_sees_no_draft_sections(
    client: FlaskClient, factory: Factory, sign_in_fully: Callable[[User], TestResponse]
) -> None:
    approver = factory.approver(factory.channel())
    enrol(factory.session, approver)
    sign_in_fully(approver)

    page = client.get("/").get_data(as_text=True)

    assert "Nothing waits for you to clear." in page
    assert "Sent back to you" not in page
    assert "Your drafts" not in page
    assert 'href="/imports/thread"' not in page


def test_an_author_sees_no_clearance_section(
    client: FlaskClient, factory: Factory, sign_in: Callable[[User], TestResponse]
) -> None:
    author = factory.author(factory.channel())
    sign_in(author)

    page = client.get("/").get_data(as_text=True)

    assert "To clear" not in page
    assert "You have no drafts." in page
    assert 'href="/imports/thread"' in page


def test_the_send_back_comment_and_its_next_action_are_shown(
    client: FlaskClient, factory: Factory, sign_in: Callable[[User], TestResponse]
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    post = factory.move(factory.post(channel, author), PostState.IN_REVIEW)
    request_changes(
        factory.session,
        post,
        comment="Name the survey the figure comes from",
        by=approver,
        settings=factory.settings,
        now=factory.now,
    )
    sign_in(author)

    page = client.get("/").get_data(as_text=True)

    assert "Name the survey the figure comes from" in page
    assert f"Sent back by {approver.display_name}" in page
    assert f'href="/posts/{post.id}">Make the changes and submit again' in page


def test_a_thread_of_eight_is_one_item_to_clear(
    client: FlaskClient, factory: Factory, sign_in_fully: Callable[[User], TestResponse]
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    enrol(factory.session, approver)
    thread = create_thread(
        factory.session,
        channel=channel,
        texts=[f"Part {number}" for number in range(1, 9)],
        by=author,
        settings=factory.settings,
        now=factory.now,
    )
    submit(factory.session, thread.posts[0], by=author, settings=factory.settings, now=factory.now)
    sign_in_fully(approver)

    page = client.get("/").get_data(as_text=True)

    assert page.count("Review and clear") == 1
    assert f"8 posts cleared together, from post {thread.posts[0].id}" in page


def test_embargoed_text_is_shown_only_to_the_access_list(
    app: Flask,
    factory: Factory,
    session: Session,
    code_for: Callable[[User], str],
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    on_list = factory.approver(channel)
    off_list = factory.approver(channel)
    for person in (on_list, off_list):
        enrol(session, person)
    release = factory.release(access=[author, on_list])
    post = factory.post(channel, author, text=f"Inflation {MARKER} 2.1%", release=release)
    factory.move(post, PostState.IN_REVIEW)
    session.flush()

    seen = signed_in(app, on_list, code_for).get("/").get_data(as_text=True)
    unseen = signed_in(app, off_list, code_for).get("/").get_data(as_text=True)

    assert MARKER in seen
    assert MARKER not in unseen
    assert "Embargoed until" in unseen
    # Asked to clear what they may not read, they are told why, as the inbox tells them.
    assert "You cannot clear this post yet" in unseen
    assert "Review and clear" not in unseen
    assert "You cannot clear" not in seen
    # Reading it before the embargo is recorded, as on every page that shows it.
    readers = session.scalars(select(EmbargoViewing.user_id)).all()
    assert on_list.id in readers
    assert off_list.id not in readers


def test_failed_and_held_posts_show_their_reasons(
    client: FlaskClient, factory: Factory, sign_in: Callable[[User], TestResponse]
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    send_at = factory.now + timedelta(days=1)
    failed = factory.move(
        factory.post(channel, author, send_at=send_at), PostState.FAILED, approvers=[approver]
    )
    held = factory.move(
        factory.post(channel, author, send_at=send_at), PostState.SCHEDULED, approvers=[approver]
    )
    held.hold_reason = "Its twin is not approved yet"
    factory.session.flush()
    sign_in(author)

    page = client.get("/").get_data(as_text=True)

    assert "The platform refused the post" in page
    assert "Its twin is not approved yet" in page
    assert f'href="/posts/{failed.id}">Retry it or withdraw it' in page
    assert f'href="/posts/{held.id}">See why it is held and what to do' in page


def test_todays_release_shows_its_embargo_and_cleared_count(
    client: FlaskClient, factory: Factory, sign_in: Callable[[User], TestResponse]
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    embargo = (factory.now + timedelta(hours=1)).replace(second=0, microsecond=0)
    release = factory.release(embargo_at=embargo, access=[author, approver], title="Labour market")
    cleared = factory.post(channel, author, release=release, send_at=embargo)
    factory.move(cleared, PostState.SCHEDULED, approvers=[approver])
    factory.post(channel, author, release=release)
    sign_in(author)

    page = client.get("/").get_data(as_text=True)

    assert "Labour market" in page
    assert "1 of 2 posts cleared" in page
    assert f'href="/queue?release={release.id}"' in page


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER, Role.ADMIN])
def test_every_link_on_the_home_page_answers_200(
    role: Role,
    app: Flask,
    factory: Factory,
    session: Session,
    code_for: Callable[[User], str],
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    approver = factory.approver(channel)
    admin = factory.user(Role.ADMIN)
    person = {Role.AUTHOR: author, Role.APPROVER: approver, Role.ADMIN: admin}[role]
    factory.grant(approver, [channel], AccessRole.AUTHOR)
    enrol(session, person)
    send_at = factory.now + timedelta(days=1)
    for writer in (author, approver):
        factory.post(channel, writer)
        factory.move(
            factory.post(channel, writer, send_at=send_at), PostState.FAILED, approvers=[admin]
        )
    factory.move(factory.post(channel, author), PostState.IN_REVIEW)
    sent_back = factory.move(factory.post(channel, person), PostState.IN_REVIEW)
    reviewer = approver if person is not approver else admin
    request_changes(
        session, sent_back, comment="No", by=reviewer, settings=factory.settings, now=factory.now
    )
    factory.release(embargo_at=factory.now + timedelta(hours=2), access=[person])
    session.flush()
    client = signed_in(app, person, code_for)

    page = client.get("/").get_data(as_text=True)
    links = main_links(page) + sorted(navigation_hrefs(page))

    assert len(links) >= 5
    for href in links:
        assert client.get(href).status_code == 200, href
