"""Rows stored before the horizon rule, with instants near year 9999, break no page or feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from scheduler.models import Post, PostState, User
from tests.support.factories import Factory
from tests.web.conftest import fetch
from tests.web.overview.test_calendar_feed import make_feed

FAR = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)


@pytest.fixture
def far_post(session: Session, factory: Factory) -> tuple[Post, User]:
    """A scheduled post due at 23:59 on 31 December 9999, as the API accepted before the rule."""
    channel = factory.channel("ons")
    author, approver = factory.author(channel), factory.approver(channel)
    post = factory.post(channel, author, text="Far future", send_at=factory.now + timedelta(days=1))
    factory.move(post, PostState.SCHEDULED, approvers=[approver])
    # Only a row written before the rule can hold such a time: write it as one was.
    post.send_at = post.due_at = FAR
    session.flush()
    return post, author


def test_the_calendar_feed_that_lists_it_still_answers(
    client: FlaskClient, far_post: tuple[Post, User], signed_in: Callable[[User], User]
) -> None:
    post, author = far_post
    signed_in(author)
    path = make_feed(client)

    response = fetch(client, path)

    assert response.status_code == 200
    assert f"post-{post.id}@gatepost" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/calendar?date=9999-12-31",
        "/calendar?view=month&date=9999-12-31",
        "/calendar?date=0001-01-01",
        "/queue?from=9999-12-31",
        "/queue?to=0001-01-01",
    ],
)
def test_pages_asked_for_dates_out_of_range_say_so(
    client: FlaskClient,
    far_post: tuple[Post, User],
    signed_in: Callable[[User], User],
    path: str,
) -> None:
    _post, author = far_post
    signed_in(author)

    response = fetch(client, path)

    assert response.status_code in (200, 400), response.get_data(as_text=True)[:500]
    assert "must be between" in response.get_data(as_text=True)


def test_the_post_and_the_queue_show_a_stored_far_time(
    client: FlaskClient, far_post: tuple[Post, User], signed_in: Callable[[User], User]
) -> None:
    post, author = far_post
    signed_in(author)

    assert fetch(client, f"/posts/{post.id}").status_code == 200
    assert fetch(client, "/queue").status_code == 200
    assert fetch(client, "/calendar").status_code == 200
