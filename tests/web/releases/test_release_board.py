"""The release pages through real HTTP: the list (upcoming first, today's marked) and the board
(posts, who acts, approvers' access, channels, the countdown), text only for the access list,
and who may open them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from scheduler.clearance import submit
from scheduler.models import EmbargoViewing, Role, User, utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.factories import Factory
from tests.support.release_board import THREAD_TEXTS, ReleaseDay, release_day
from tests.support.totp import enrol
from tests.web.conftest import csrf_token_from

SignedIn = Callable[[User], FlaskClient]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings, now=utcnow())


@pytest.fixture
def day(factory: Factory, session: Session) -> ReleaseDay:
    scenario = release_day(factory, embargo_at=utcnow() + timedelta(days=2, hours=3, minutes=5))
    for person in (scenario.reader, scenario.outsider, scenario.admin):
        enrol(session, person)
    session.flush()
    return scenario


@pytest.fixture
def signed_in(app: Flask, code_for: Callable[[User], str]) -> SignedIn:
    """Return a function giving a new client signed in as the person, through both steps."""

    def sign_in(user: User) -> FlaskClient:
        client = app.test_client()
        token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
        answer = client.post(
            "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        if answer.headers["Location"] == "/sign-in/two-factor":
            token = csrf_token_from(client.get("/sign-in/two-factor").get_data(as_text=True))
            answer = client.post(
                "/sign-in/two-factor", data={"code": code_for(user), "csrf_token": token}
            )
        assert answer.status_code == 302
        return client

    return sign_in


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    with client.get(path) as answer:
        body = answer.get_data(as_text=True)
    assert answer.status_code == status, body
    return body


def test_the_board_shows_an_approver_on_the_list_the_text_and_records_the_read(
    day: ReleaseDay, signed_in: SignedIn, session: Session
) -> None:
    body = page(signed_in(day.reader), f"/releases/{day.release.id}")

    assert "Labour market overview, March 2027" in body
    assert "2 days 3 hours to the embargo (" in body
    for text in THREAD_TEXTS:
        assert text in body
    assert "Thread “Unemployment at 4.1%”" in body
    assert "Post 1 of 3 on @" in body
    assert "<strong>Author</strong> (Sam Statistician): Submit it for clearance" in body
    assert "Can read the text" in body
    assert "Cannot read the text" in body  # Owen Outsider
    assert "Needs no connection" in body
    assert "0 of 8 cleared, 8 not yet cleared" in body
    reads = session.scalars(
        select(EmbargoViewing).where(EmbargoViewing.user_id == day.reader.id)
    ).all()
    assert len(reads) == 8
    assert {read.via for read in reads} == {"board"}


def test_people_off_the_list_see_the_states_but_no_text_not_even_admins(
    day: ReleaseDay, signed_in: SignedIn, session: Session
) -> None:
    for person in (day.outsider, day.admin):
        body = page(signed_in(person), f"/releases/{day.release.id}")
        assert "Draft" in body
        assert "Embargoed: only people on the access list can read it" in body
        for text in THREAD_TEXTS:
            assert text not in body
        assert "Unemployment at 4.1%" not in body  # the thread's title may name the figures
    assert session.scalars(select(EmbargoViewing)).all() == []


def test_a_post_in_review_nobody_on_the_list_can_clear_is_warned_on_the_board(
    factory: Factory, session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    day = release_day(factory, embargo_at=utcnow() + timedelta(days=2), reader_on_list=False)
    submit(session, day.posts[0], by=day.statistician, settings=settings, now=factory.now)
    session.flush()

    body = page(signed_in(day.statistician), f"/releases/{day.release.id}")

    assert "6 posts in review cannot be cleared before the embargo" in body
    assert "add one of Owen Outsider or Rhian Reader to the access list" in body


def test_a_channel_that_needs_connecting_says_so(
    day: ReleaseDay, signed_in: SignedIn, session: Session
) -> None:
    day.welsh.platform = "mastodon"
    day.welsh.instance_url = "https://social.example"
    session.flush()

    body = page(signed_in(day.admin), f"/releases/{day.release.id}")

    assert "Not working" in body
    assert "Not connected: its posts are held until an admin connects it" in body
    assert f"/admin/releases/{day.release.id}" in body  # admins may manage it from here


def test_the_list_shows_the_releases_the_person_may_see_todays_marked(
    day: ReleaseDay, factory: Factory, signed_in: SignedIn, session: Session
) -> None:
    soon = factory.release(
        embargo_at=utcnow() + timedelta(minutes=5), by=day.statistician, title="Out this morning"
    )
    hidden = factory.release(embargo_at=utcnow() + timedelta(days=1), title="Someone else's")

    body = page(signed_in(day.statistician), "/releases")

    assert body.index("Out this morning") < body.index("Labour market overview, March 2027")
    assert "Release day: today" in body
    assert hidden.title not in body
    assert f"/releases/{soon.id}" in body
    assert "Someone else" in page(signed_in(day.admin), "/releases")


def test_people_with_no_part_in_a_release_are_refused(
    day: ReleaseDay, factory: Factory, signed_in: SignedIn
) -> None:
    stranger = factory.author(factory.channel())
    nobody = factory.user(Role.AUTHOR)

    body = page(signed_in(stranger), f"/releases/{day.release.id}", 403)
    assert "approvers of its channels and admins can see its board" in body
    assert day.release.title not in page(signed_in(stranger), "/releases")
    page(signed_in(nobody), "/releases", 403)
    page(signed_in(day.admin), "/releases/999999", 404)


def test_signed_out_people_are_sent_to_sign_in(client: FlaskClient, day: ReleaseDay) -> None:
    for path in ("/releases", f"/releases/{day.release.id}"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/sign-in")
