"""The post page: what changed since the last review, comments, and the approver's warning."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.clearance import edit_post, request_changes
from scheduler.comments import add_comment
from scheduler.models import AccessRole, Comment, Post, PostState, Role, User, utcnow
from tests.support.factories import Factory
from tests.support.totp import enrolled_approver
from tests.web.conftest import csrf_token_from

SignIn = Callable[[User], TestResponse]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings, now=utcnow())


def comment(client: FlaskClient, post: Post, text: str) -> TestResponse:
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    return client.post(
        f"/posts/{post.id}/comment", data={"csrf_token": csrf_token_from(page), "remark": text}
    )


def next_saturday_noon(now: datetime) -> datetime:
    day = (now + timedelta(days=7)).date()
    while day.weekday() != 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def test_the_author_sees_the_send_back_comment_at_the_top_until_resubmitting(
    client: FlaskClient, factory: Factory, settings: Settings, sign_in_fully: SignIn
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = enrolled_approver(factory, channel)
    post = factory.post(channel, author, text="Prices rose 3% in May")
    factory.move(post, PostState.IN_REVIEW)
    request_changes(
        factory.session, post, by=approver, comment="Say the year too", settings=settings
    )
    sign_in_fully(author)

    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    banner = page.index('data-testid="sent-back"')
    assert banner < page.index('data-testid="post-text"')
    assert "Say the year too" in page[banner : page.index('data-testid="post-text"')]
    assert "Sent back for changes" in page

    edit_post(
        factory.session, post, by=author, settings=settings, text="Prices rose 3% in May 2027"
    )
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert 'data-testid="sent-back"' in page  # not yet submitted again
    assert "<ins" in page
    assert re.search(r"added: </span>\s*2027</ins>", page)
    act_page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    client.post(
        f"/posts/{post.id}/submit",
        data={"csrf_token": csrf_token_from(act_page), "expected_version": post.version},
    )
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert 'data-testid="sent-back"' not in page
    assert "Say the year too" in page  # still in the conversation


def test_the_approver_sees_what_changed_in_text_time_and_twin(
    client: FlaskClient, factory: Factory, settings: Settings, sign_in_fully: SignIn
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    approver = enrolled_approver(factory, english, welsh)
    first = utcnow() + timedelta(days=3)
    post = factory.post(
        english, author, text="Jobs figures out", twin_text="Ffigurau swyddi", send_at=first
    )
    assert post.twin is not None
    factory.move(post, PostState.IN_REVIEW)
    request_changes(factory.session, post, by=approver, comment="Add the rate", settings=settings)
    edit_post(
        factory.session,
        post,
        by=author,
        settings=settings,
        text="Jobs figures out: rate 4.1%",
        send_at=first + timedelta(hours=1),
    )
    edit_post(
        factory.session, post.twin, by=author, settings=settings, text="Ffigurau swyddi: 4.1%"
    )
    factory.move(post, PostState.IN_REVIEW)
    sign_in_fully(approver)

    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    start = page.index('data-testid="changes"')
    section = page[start : page.index("</section>", start)]
    assert "What changed since it was sent back" in section
    assert re.search(r"removed: </span>out</del>.*added: </span>out: rate 4.1%</ins>", section)
    assert "Send time" in section
    assert "Twin's text" in section
    assert re.search(r"added: </span>swyddi: 4.1%</ins>", section)
    assert "removed: </span>" in section


def test_embargoed_changes_and_comments_are_hidden_from_people_off_the_list(
    client: FlaskClient, factory: Factory, settings: Settings, sign_in_fully: SignIn
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    listed = enrolled_approver(factory, channel)
    unlisted = enrolled_approver(factory, channel)
    release = factory.release(access=[author, listed], embargo_at=utcnow() + timedelta(days=2))
    post = factory.post(channel, author, text="Unemployment 4.4%", release=release)
    factory.move(post, PostState.IN_REVIEW)
    request_changes(factory.session, post, by=listed, comment="Is 4.4% final?", settings=settings)
    edit_post(factory.session, post, by=author, settings=settings, text="Unemployment 4.5%")
    add_comment(factory.session, post, "Corrected to 4.5%", by=author, settings=settings)
    sign_in_fully(unlisted)

    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "4.4" not in page
    assert "4.5" not in page
    assert "The comments are hidden until the embargo passes" in page
    assert "Withheld under embargo" in page
    assert 'id="remark"' not in page
    response = comment(client, post, "Let me see")
    assert response.status_code == 403
    assert "pre-release access list" in response.get_data(as_text=True)


def test_a_comment_with_a_mention_is_added_and_a_bad_mention_is_refused_beside_the_box(
    client: FlaskClient, factory: Factory, session: Session, sign_in_fully: SignIn
) -> None:
    channel = factory.channel("ons")
    author = factory.user(Role.AUTHOR, email="sam.jones@ons.gov.uk", name="Sam Jones")
    factory.grant(author, [channel], AccessRole.AUTHOR)
    factory.user(Role.AUTHOR, email="pat@elsewhere.gov.uk", name="Pat Green")
    approver = enrolled_approver(factory, channel)
    post = factory.post(channel, author)
    sign_in_fully(approver)

    refused = comment(client, post, "@pat have a look")
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "Pat Green (@pat) cannot be mentioned: they have no access to @ons" in body
    assert 'href="#remark"' in body  # the error summary links to the box
    assert "@pat have a look" in body  # nothing typed is lost

    added = comment(client, post, "@sam.jones is the 3% rounded?")
    assert added.status_code == 302
    assert added.headers["Location"].endswith(f"/posts/{post.id}#conversation")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Sam Jones will be told you mentioned them" in page
    assert "@sam.jones is the 3% rounded?" in page
    assert session.scalar(select(Comment.text)) == "@sam.jones is the 3% rounded?"


def test_approving_a_weekend_post_warns_it_will_be_held_and_until_when(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel("ons")
    author = factory.author(channel)
    approver = enrolled_approver(factory, channel)
    saturday = next_saturday_noon(utcnow())
    post = factory.post(channel, author, send_at=saturday)
    factory.move(post, PostState.IN_REVIEW)
    sign_in_fully(approver)

    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    warning = page[page.index('data-testid="approval-warning"') :]
    warning = warning[: warning.index("</div>")]
    monday = saturday + timedelta(days=2)
    assert "If you approve it, it will be held until" in warning
    assert f"Mon {monday.day} " in warning
    assert "Saturday is not a publishing day" in warning
    assert warning.index("approval-warning") < page[
        page.index('data-testid="approval-warning"') :
    ].index("Approve")
