"""The release-day thread builder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.models import Post, PostState, Thread, User, utcnow
from tests.support.factories import Factory
from tests.web.conftest import csrf_token_from

SignIn = Callable[[User], TestResponse]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings, now=utcnow())


def release_day() -> datetime:
    return (utcnow() + timedelta(days=2)).replace(hour=9, minute=30, second=0, microsecond=0)


def post_builder(client: FlaskClient, **fields: object) -> TestResponse:
    data: dict[str, object] = {
        "csrf_token": csrf_token_from(client.get("/compose/thread").get_data(as_text=True)),
        "release": "",
    }
    data.update(fields)
    return client.post("/compose/thread", data=data)


def test_anonymous_people_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/compose/thread")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_someone_without_author_access_cannot_build_a_thread(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    factory.channel()
    sign_in_fully(factory.user())
    assert client.get("/compose/thread").status_code == 403


def test_a_thread_without_a_csrf_token_is_refused(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))
    response = client.post(
        "/compose/thread", data={"channel": str(channel.id), "texts": ["One"], "op": "draft"}
    )
    assert response.status_code == 400
    assert factory.session.query(Thread).count() == 0


def test_buttons_add_move_and_remove_posts_without_javascript(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))
    texts = ["First", "Second"]

    moved = post_builder(
        client, channel=str(channel.id), texts=texts, twin_texts=["", ""], op="down-1"
    ).get_data(as_text=True)
    assert moved.index(">Second</textarea>") < moved.index(">First</textarea>")

    added = post_builder(client, channel=str(channel.id), texts=texts, op="add")
    assert added.get_data(as_text=True).count('name="texts"') == 3

    removed = post_builder(client, channel=str(channel.id), texts=texts, op="remove-1")
    page = removed.get_data(as_text=True)
    assert ">First</textarea>" not in page
    assert ">Second</textarea>" in page


def test_a_long_text_and_its_twin_split_into_paired_posts(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    english, welsh = factory.twin_channels()
    sign_in_fully(factory.author(english, welsh))
    long_text = " ".join(f"Sentence {n} about the labour market this month." for n in range(12))
    long_twin = " ".join(f"Brawddeg {n} am y farchnad lafur y mis hwn." for n in range(12))

    response = post_builder(
        client, channel=str(english.id), long_text=long_text, long_twin_text=long_twin, op="split"
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('name="texts"') >= 2
    assert page.count('name="texts"') == page.count('name="twin_texts"')
    assert "Sentence 11" in page
    assert "Brawddeg 11" in page


def test_a_thread_with_twins_is_submitted_as_one_unit(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    english, welsh = factory.twin_channels()
    author = factory.author(english, welsh)
    release = factory.release(access=[author], embargo_at=release_day())
    sign_in_fully(author)
    embargo = release.embargo_at.astimezone(factory.settings.timezone)

    response = post_builder(
        client,
        channel=str(english.id),
        release=str(release.id),
        texts=["One", "Two"],
        twin_texts=["Un", "Dau"],
        op="submit",
        **{
            "send_date-day": str(embargo.day),
            "send_date-month": str(embargo.month),
            "send_date-year": str(embargo.year),
            "send_time-hour": str(embargo.hour),
            "send_time-minute": str(embargo.minute),
        },
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    first = factory.session.get(Post, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert first is not None
    assert first.thread is not None
    assert [post.text for post in first.thread.posts] == ["One", "Two"]
    assert all(post.state is PostState.IN_REVIEW for post in first.thread.posts)
    assert [post.twin.text for post in first.thread.posts if post.twin] == ["Un", "Dau"]
    assert first.send_at == release.embargo_at


def test_a_thread_before_its_embargo_is_refused_and_nothing_typed_is_lost(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    release = factory.release(access=[author], embargo_at=release_day())
    sign_in_fully(author)
    early = release.embargo_at.astimezone(factory.settings.timezone)

    response = post_builder(
        client,
        channel=str(channel.id),
        release=str(release.id),
        texts=["Kept one", "Kept two"],
        op="draft",
        **{
            "send_date-day": str(early.day),
            "send_date-month": str(early.month),
            "send_date-year": str(early.year),
            "send_time-hour": "8",
            "send_time-minute": "0",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "embargo" in page
    assert "Kept one" in page
    assert "Kept two" in page
    assert factory.session.query(Thread).count() == 0


def test_a_statistician_creates_the_release_with_the_thread(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    sign_in_fully(author)
    embargo = release_day().astimezone(factory.settings.timezone)
    when = {
        "embargo_date-day": str(embargo.day),
        "embargo_date-month": str(embargo.month),
        "embargo_date-year": str(embargo.year),
        "embargo_time-hour": "9",
        "embargo_time-minute": "30",
    }

    response = post_builder(
        client,
        channel=str(channel.id),
        new_release_title="Labour market overview",
        texts=["One", "Two"],
        op="draft",
        **when,
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    first = factory.session.get(Post, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert first is not None
    assert first.release is not None
    assert first.release.title == "Labour market overview"
    assert first.release.embargo_at == release_day()


def test_a_new_release_needs_its_embargo(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))

    response = post_builder(
        client, channel=str(channel.id), new_release_title="Overview", texts=["One"], op="draft"
    )

    assert response.status_code == 400
    assert "Enter the date of the embargo" in response.get_data(as_text=True)
    assert factory.session.query(Thread).count() == 0
