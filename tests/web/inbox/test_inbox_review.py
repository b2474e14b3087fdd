"""The inbox: what changed since the last review, warnings before approving, embargoed threads."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.clearance import create_thread, edit_post, request_changes, submit
from scheduler.core.database import Database
from scheduler.models import PostState, User, utcnow
from tests.support.factories import Factory
from tests.support.query_count import counting_queries
from tests.support.totp import enrolled_approver
from tests.web.posts.test_post_review_page import next_saturday_noon

SignIn = Callable[[User], TestResponse]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings, now=utcnow())


def test_the_inbox_shows_the_word_diff_and_the_new_send_time(
    client: FlaskClient, factory: Factory, settings: Settings, sign_in_fully: SignIn
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = enrolled_approver(factory, channel)
    first = utcnow() + timedelta(days=3)
    post = factory.post(channel, author, text="Prices rose 3% in May", send_at=first)
    factory.move(post, PostState.IN_REVIEW)
    request_changes(factory.session, post, by=approver, comment="Which year?", settings=settings)
    edit_post(
        factory.session,
        post,
        by=author,
        settings=settings,
        text="Prices rose 3% in May 2027",
        send_at=first + timedelta(hours=2),
    )
    submit(factory.session, post, by=author, settings=settings)
    sign_in_fully(approver)

    page = client.get("/inbox").get_data(as_text=True)
    start = page.index(f'data-testid="inbox-changes-{post.id}"')
    changes = page[start : page.index("</dl>", start)]
    assert re.search(r"added: </span>\s*2027</ins>", changes)
    assert "Send time" in changes
    assert "What changed since it was sent back" in page
    # The current text is shown whole as well.
    assert "Prices rose 3% in May 2027" in page


def test_an_approver_off_the_list_is_not_offered_approve_all_and_is_told_why(
    client: FlaskClient, factory: Factory, settings: Settings, sign_in_fully: SignIn
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = enrolled_approver(factory, channel)
    release = factory.release(
        access=[author], title="Labour market", embargo_at=utcnow() + timedelta(days=2)
    )
    thread = create_thread(
        factory.session,
        channel=channel,
        texts=["Unemployment 4.4%", "Employment 75%", "Vacancies fell"],
        by=author,
        settings=settings,
        release=release,
    )
    submit(factory.session, thread.posts[0], by=author, settings=settings)
    sign_in_fully(approver)

    page = client.get("/inbox").get_data(as_text=True)
    assert "3 posts cleared together" in page
    assert "You are not on the pre-release access list of Labour market." in page
    assert "Approve all" not in page
    assert f'action="/posts/{thread.posts[0].id}/approve"' not in page
    assert "4.4%" not in page


def test_the_inbox_warns_before_approving_a_post_the_window_will_hold(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = enrolled_approver(factory, channel)
    post = factory.post(channel, author, send_at=next_saturday_noon(utcnow()))
    factory.move(post, PostState.IN_REVIEW)
    sign_in_fully(approver)

    page = client.get("/inbox").get_data(as_text=True)
    start = page.index(f'data-testid="approval-warning-{post.id}"')
    warning = page[start : page.index("</div>", start)]
    assert "If you approve it, it will be held until Mon" in warning
    assert page.index("approval-warning") < page.index(f'action="/posts/{post.id}/approve"')


def test_the_inbox_reads_a_page_of_changes_in_a_bounded_number_of_queries(
    client: FlaskClient,
    factory: Factory,
    settings: Settings,
    sign_in_fully: SignIn,
    database: Database,
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = enrolled_approver(factory, channel)

    def queue(count: int) -> None:
        for number in range(count):
            post = factory.post(channel, author, text=f"Figure {number} rose")
            factory.move(post, PostState.IN_REVIEW)
            request_changes(factory.session, post, by=approver, comment="No", settings=settings)
            edit_post(
                factory.session, post, by=author, settings=settings, text=f"Figure {number} fell"
            )
            submit(factory.session, post, by=author, settings=settings)

    sign_in_fully(approver)
    queue(2)
    with counting_queries(database.engine) as few:
        client.get("/inbox")
    queue(8)
    with counting_queries(database.engine) as many:
        page = client.get("/inbox").get_data(as_text=True)
    assert page.count("removed: </span>rose") == 10
    # Changes, warnings and texts for a page cost the same few queries for 2 posts or 10
    # (14 here for both).
    assert many.count <= few.count + 2, many.statements
