"""Every date typed into a form lies within a year back and five years ahead; outside is a form
error beside the field that states the range, and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.core.time_horizon import Horizon
from scheduler.models import Post, QuietPeriod, Release, Role, User
from tests.support.factories import Factory
from tests.support.totp import enrol
from tests.web.admin.test_quiet_periods_overrides_audit import period_form
from tests.web.admin.test_releases import when
from tests.web.conftest import csrf_token_from

SignIn = Callable[[User], TestResponse]


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    return Factory(session, settings, now=datetime.now(UTC))


def span() -> str:
    return Horizon.around(datetime.now(UTC)).describe()


def post_page(client: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def admin(factory: Factory, sign_in_fully: SignIn) -> User:
    user = factory.user(Role.ADMIN)
    enrol(factory.session, user)
    factory.session.flush()
    sign_in_fully(user)
    return user


@pytest.mark.parametrize("year", ["9999", "0001", "2001"])
def test_compose_refuses_a_send_date_out_of_range(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn, session: Session, year: str
) -> None:
    channel = factory.channel()
    sign_in_fully(factory.author(channel))

    response = post_page(
        client,
        "/compose",
        {
            "channel": str(channel.id),
            "text": "Figures",
            "release": "",
            "send_date-day": "31",
            "send_date-month": "12",
            "send_date-year": year,
            "send_time-hour": "10",
            "send_time-minute": "00",
            "intent": "draft",
        },
    )

    assert response.status_code == 400
    assert f"Send date must be between {span()}" in response.get_data(as_text=True)
    assert f'value="{year}"' in response.get_data(as_text=True)  # kept for correcting
    assert count(session, Post) == 0


def test_an_admin_cannot_add_a_quiet_period_ending_in_9999(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn, session: Session
) -> None:
    admin(factory, sign_in_fully)
    next_year = str(datetime.now(UTC).year + 1)

    response = post_page(
        client,
        "/admin/quiet-periods",
        period_form("Forever", ("1", "4", next_year, "00", "00"), ("31", "12", "9999", "23", "00")),
    )

    assert response.status_code in (200, 400)
    assert f"End date must be between {span()}" in response.get_data(as_text=True)
    assert count(session, QuietPeriod) == 0


def test_an_embargo_in_9999_is_refused_for_a_new_release_and_a_moved_one(
    client: FlaskClient, factory: Factory, sign_in_fully: SignIn, session: Session
) -> None:
    admin(factory, sign_in_fully)
    release = factory.release(title="Labour market")
    before = release.embargo_at

    created = post_page(client, "/admin/releases/new", when("9999-12-31", "09", "30", title="Far"))
    moved = post_page(
        client, f"/admin/releases/{release.id}/embargo", when("9999-12-31", "09", "30")
    )

    for response in (created, moved):
        assert response.status_code in (200, 400)
        assert f"Embargo date must be between {span()}" in response.get_data(as_text=True)
    assert count(session, Release) == 1
    session.refresh(release)
    assert release.embargo_at == before
