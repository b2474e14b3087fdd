"""The compose preview over HTTP: when it says a post will go is when the worker will send it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.models import User, utcnow
from tests.support.factories import Factory
from tests.web.conftest import csrf_token_from

SignIn = Callable[[User], TestResponse]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings, now=utcnow())


def preview(client: FlaskClient, channel_id: int, day: str, wall: str, **extra: str) -> str:
    year, month, date_of_month = day.split("-")
    hour, minute = wall.split(":")
    page = client.get("/compose").get_data(as_text=True)
    response = client.post(
        "/compose",
        data={
            "csrf_token": csrf_token_from(page),
            "channel": str(channel_id),
            "text": "Figures out today",
            "twin_text": "",
            "release": "",
            "send_date-day": date_of_month,
            "send_date-month": month,
            "send_date-year": year,
            "send_time-hour": hour,
            "send_time-minute": minute,
            "intent": "preview",
            **extra,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_friday_evening_is_held_until_monday_morning(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))

    page = preview(client, channel.id, "2026-12-11", "18:00")

    assert (
        "At Fri 11 Dec 2026 18:00 GMT it would be held: After office hours (Mon-Fri 09:00-17:00); "
        "it may go at Mon 14 Dec 2026 09:00 GMT." in page
    )
    assert "Sat 12 Dec" not in page


def test_christmas_eve_evening_is_held_past_christmas_and_the_boxing_day_substitute(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    # England 2026: Christmas Day Friday 25, Boxing Day Saturday 26, substitute Monday 28.
    channel = factory.channel()
    sign_in_fully(factory.author(channel))

    page = preview(client, channel.id, "2026-12-24", "18:00")

    assert "it may go at Tue 29 Dec 2026 09:00 GMT." in page
    assert "Fri 25 Dec" not in page
    assert "Mon 28 Dec" not in page


def test_a_time_inside_the_window_goes_at_that_time(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))

    page = preview(client, channel.id, "2026-12-15", "10:30")

    assert "Goes out at Tue 15 Dec 2026 10:30 GMT, once cleared." in page


def test_the_preview_counts_the_text_as_it_is_saved(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))
    page = client.get("/compose").get_data(as_text=True)

    response = client.post(
        "/compose",
        data={
            "csrf_token": csrf_token_from(page),
            "channel": str(channel.id),
            "text": "x" * 279 + " ",
            "release": "",
            "intent": "preview",
        },
    )

    assert "279 of 280" in response.get_data(as_text=True)
