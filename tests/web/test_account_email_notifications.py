"""Your account's e-mail notifications: each as it happens, a daily digest at a time, or none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from scheduler.models import Role, User
from scheduler.models.notification import EmailChoice
from scheduler.notifications.choices import email_preference
from tests.web.conftest import csrf_token_from

PAGE = "/account/email-notifications"


def save(client: FlaskClient, **data: str) -> TestResponse:
    token = csrf_token_from(client.get(PAGE).get_data(as_text=True))
    return client.post(PAGE, data={**data, "csrf_token": token})


def test_strangers_are_sent_to_sign_in_and_forms_need_their_token(
    client: FlaskClient, make_user: Callable[..., User], sign_in: Callable[[User], TestResponse]
) -> None:
    assert client.get(PAGE).status_code == 302
    sign_in(make_user(Role.AUTHOR))
    assert client.post(PAGE, data={"email": "none"}).status_code == 400


def test_the_account_page_says_each_as_it_happens_until_the_person_chooses(
    client: FlaskClient, make_user: Callable[..., User], sign_in: Callable[[User], TestResponse]
) -> None:
    sign_in(make_user(Role.AUTHOR))

    account = client.get("/account").get_data(as_text=True)
    page = client.get(PAGE).get_data(as_text=True)

    assert 'id="email-choice">Each notification as it happens</dd>' in account
    assert f'href="{PAGE}">Change<span class="govuk-visually-hidden"> how notifications' in account
    assert 'value="as_it_happens" checked' in page
    assert 'name="digest_time-hour" type="text" inputmode="numeric" value="08"' in page


def test_choosing_a_daily_digest_at_a_time_is_saved_and_shown(
    client: FlaskClient,
    session: Session,
    make_user: Callable[..., User],
    sign_in: Callable[[User], TestResponse],
) -> None:
    user = make_user(Role.AUTHOR)
    sign_in(user)

    response = save(
        client, email="daily_digest", **{"digest_time-hour": "7", "digest_time-minute": "45"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    account = client.get("/account").get_data(as_text=True)
    assert "E-mail notifications: one daily digest at 07:45" in account
    assert ">One daily digest at 07:45</dd>" in account
    preference = email_preference(session, user)
    assert (preference.choice, preference.digest_time) == (EmailChoice.DAILY_DIGEST, time(7, 45))

    save(client, email="none")
    assert email_preference(session, user).choice is EmailChoice.NONE
    assert 'value="07"' in client.get(PAGE).get_data(as_text=True)  # the time is kept


def test_a_digest_without_a_real_time_or_no_choice_is_refused_beside_its_field(
    client: FlaskClient,
    session: Session,
    make_user: Callable[..., User],
    sign_in: Callable[[User], TestResponse],
) -> None:
    user = make_user(Role.AUTHOR)
    sign_in(user)

    no_time = save(
        client, email="daily_digest", **{"digest_time-hour": "", "digest_time-minute": ""}
    )
    bad_time = save(
        client, email="daily_digest", **{"digest_time-hour": "25", "digest_time-minute": "00"}
    )
    no_choice = save(client)

    assert no_time.status_code == 200
    assert "Enter the time of your daily digest" in no_time.get_data(as_text=True)
    assert "must be a real time on the 24-hour clock" in bad_time.get_data(as_text=True)
    assert "Choose how you want notifications e-mailed" in no_choice.get_data(as_text=True)
    assert email_preference(session, user).choice is EmailChoice.AS_IT_HAPPENS
    # The time boxes matter only for the digest.
    assert (
        save(client, email="none", **{"digest_time-hour": "25", "digest_time-minute": ""})
    ).status_code == 302
    assert email_preference(session, user).choice is EmailChoice.NONE
