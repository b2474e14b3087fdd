"""Your account pages: who may use them, and what each change does."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from scheduler.identity.accounts import authenticate
from scheduler.identity.recovery_codes import remaining_recovery_codes, use_recovery_code
from scheduler.models import AuditEvent, Role, User
from tests.conftest import TEST_PASSWORD
from tests.web.conftest import csrf_token_from

SignIn = Callable[..., TestResponse]
MakeEnrolled = Callable[..., tuple[User, list[str]]]

ACCOUNT_PAGES = ["/account", "/account/password", "/account/two-factor"]
POST_ROUTES = [
    "/sign-in",
    "/sign-in/two-factor",
    "/sign-in/recovery-code",
    "/sign-in/set-up-two-factor",
    "/sign-out",
    "/account/password",
    "/account/two-factor/start",
    "/account/two-factor",
    "/account/two-factor/turn-off",
    "/account/recovery-codes",
    "/account/sign-out-everywhere",
]


def post_form(client: FlaskClient, path: str, **data: str) -> TestResponse:
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def post_button(client: FlaskClient, path: str) -> TestResponse:
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


def actions(session: Session, user: User) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_user_id == user.id)
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize("path", [*ACCOUNT_PAGES, "/account/recovery-codes"])
def test_strangers_are_sent_to_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
@pytest.mark.parametrize("role", list(Role))
def test_everyone_signed_in_can_use_their_account_pages(
    client: FlaskClient,
    make_enrolled_user: MakeEnrolled,
    sign_in_fully: SignIn,
    role: Role,
    path: str,
) -> None:
    user, _ = make_enrolled_user(role)
    sign_in_fully(user)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", POST_ROUTES)
def test_every_form_needs_its_csrf_token(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn, path: str
) -> None:
    sign_in(make_user(Role.AUTHOR))
    response = client.post(path, data={"current_password": TEST_PASSWORD, "code": "123456"})
    assert response.status_code == 400
    assert "The form could not be sent" in response.get_data(as_text=True)


def test_the_account_page_shows_how_the_person_signs_in(
    client: FlaskClient, make_enrolled_user: MakeEnrolled, sign_in_fully: SignIn
) -> None:
    user, _ = make_enrolled_user(Role.APPROVER, name="Owen Officer")
    sign_in_fully(user)
    page = client.get("/account").get_data(as_text=True)
    assert "Owen Officer" in page
    assert "On since" in page
    assert "10 of 10 unused" in page
    assert "/account/two-factor/turn-off" not in page  # approvers cannot turn it off


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    app: Flask,
    client: FlaskClient,
    session: Session,
    make_user: Callable[..., User],
    sign_in: SignIn,
) -> None:
    user = make_user(Role.AUTHOR)
    other_device = app.test_client()
    token = csrf_token_from(other_device.get("/sign-in").get_data(as_text=True))
    other_device.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert other_device.get("/account").status_code == 200
    sign_in(user)

    response = post_form(
        client,
        "/account/password",
        current_password=TEST_PASSWORD,
        new_password="a brand new passphrase",
        confirm_password="a brand new passphrase",
    )
    assert response.headers["Location"] == "/account"
    assert "Your password has been changed" in client.get("/account").get_data(as_text=True)
    assert other_device.get("/account").status_code == 302
    session.refresh(user)
    assert authenticate(session, user.email, "a brand new passphrase") is user
    assert "password_changed" in actions(session, user)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"current_password": "", "new_password": "a brand new passphrase"},
            "Enter your current password",
        ),
        (
            {"current_password": "wrong password", "new_password": "a brand new passphrase"},
            "Your current password is not correct",
        ),
        ({"current_password": TEST_PASSWORD, "new_password": "short"}, "at least 10 characters"),
        (
            {
                "current_password": TEST_PASSWORD,
                "new_password": "a brand new passphrase",
                "confirm_password": "a different passphrase",
            },
            "The new passwords do not match",
        ),
    ],
)
def test_password_changes_that_cannot_be_made_say_why(
    client: FlaskClient,
    session: Session,
    make_user: Callable[..., User],
    sign_in: SignIn,
    data: dict[str, str],
    message: str,
) -> None:
    user = make_user(Role.AUTHOR)
    sign_in(user)
    data = {"confirm_password": data["new_password"], **data}
    response = post_form(client, "/account/password", **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Change your password" in page
    assert message in page
    session.refresh(user)
    assert authenticate(session, user.email, TEST_PASSWORD) is user


def test_wrong_current_passwords_count_towards_the_lock(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    sign_in(make_user(Role.AUTHOR))
    statuses = [
        post_form(
            client,
            "/account/password",
            current_password=f"wrong {n}",
            new_password="a brand new passphrase",
            confirm_password="a brand new passphrase",
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_an_author_sets_up_two_factor_from_the_account_page(
    client: FlaskClient,
    session: Session,
    make_user: Callable[..., User],
    sign_in: SignIn,
) -> None:
    user = make_user(Role.AUTHOR)
    sign_in(user)
    intro = client.get("/account/two-factor").get_data(as_text=True)
    assert "Set up two-factor authentication" in intro
    assert post_button(client, "/account/two-factor/start").headers["Location"] == (
        "/account/two-factor"
    )
    session.refresh(user)
    assert user.totp_pending_secret
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'name="current_password"' not in page  # nothing to replace, so no password asked
    response = post_form(
        client, "/account/two-factor", code=pyotp.TOTP(user.totp_pending_secret).now()
    )
    assert response.status_code == 200
    assert "Save your recovery codes" in response.get_data(as_text=True)
    session.refresh(user)
    assert user.totp_enabled
    assert client.get("/account").status_code == 200  # still signed in on the new login id


def test_replacing_an_app_needs_the_password(
    client: FlaskClient,
    session: Session,
    make_enrolled_user: MakeEnrolled,
    sign_in_fully: SignIn,
) -> None:
    user, old_codes = make_enrolled_user(Role.ADMIN)
    old_secret = user.totp_secret
    sign_in_fully(user)
    post_button(client, "/account/two-factor/start")
    session.refresh(user)
    new_secret = user.totp_pending_secret
    assert new_secret
    assert new_secret != old_secret
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'name="current_password"' in page

    refused = post_form(client, "/account/two-factor", code=pyotp.TOTP(new_secret).now())
    assert "Enter your current password" in refused.get_data(as_text=True)
    session.refresh(user)
    assert user.totp_secret == old_secret

    post_form(
        client,
        "/account/two-factor",
        code=pyotp.TOTP(new_secret).now(),
        current_password=TEST_PASSWORD,
    )
    session.refresh(user)
    assert user.totp_secret == new_secret
    assert "two_factor_reset" in actions(session, user)
    assert not use_recovery_code(session, user, old_codes[0], now=user.created_at)


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_approvers_and_admins_cannot_turn_two_factor_off(
    client: FlaskClient,
    session: Session,
    make_enrolled_user: MakeEnrolled,
    sign_in_fully: SignIn,
    role: Role,
) -> None:
    user, _ = make_enrolled_user(role)
    sign_in_fully(user)
    assert client.get("/account/two-factor/turn-off").status_code == 403
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    response = client.post(
        "/account/two-factor/turn-off",
        data={"current_password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 403
    assert "Approvers and admins must use two-factor" in response.get_data(as_text=True)
    session.refresh(user)
    assert user.totp_enabled


def test_an_author_turns_two_factor_off_with_their_password(
    client: FlaskClient,
    session: Session,
    make_enrolled_user: MakeEnrolled,
    sign_in_fully: SignIn,
) -> None:
    user, _ = make_enrolled_user(Role.AUTHOR)
    sign_in_fully(user)
    wrong = post_form(client, "/account/two-factor/turn-off", current_password="not it, no")
    assert "Your current password is not correct" in wrong.get_data(as_text=True)
    response = post_form(client, "/account/two-factor/turn-off", current_password=TEST_PASSWORD)
    assert response.headers["Location"] == "/account"
    session.refresh(user)
    assert not user.totp_enabled
    assert "two_factor_disabled" in actions(session, user)
    assert client.get("/account/two-factor/turn-off").headers["Location"] == "/account"


def test_new_recovery_codes_replace_the_old_ones(
    client: FlaskClient,
    session: Session,
    make_enrolled_user: MakeEnrolled,
    sign_in_fully: SignIn,
) -> None:
    user, old_codes = make_enrolled_user(Role.APPROVER)
    sign_in_fully(user)
    response = post_form(client, "/account/recovery-codes", current_password=TEST_PASSWORD)
    assert "Save your recovery codes" in response.get_data(as_text=True)
    assert old_codes[0] not in response.get_data(as_text=True)
    assert not use_recovery_code(session, user, old_codes[0], now=user.created_at)
    assert remaining_recovery_codes(session, user) == 10
    assert "recovery_codes_replaced" in actions(session, user)


def test_recovery_codes_need_two_factor(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    sign_in(make_user(Role.AUTHOR))
    assert client.get("/account/recovery-codes").headers["Location"] == "/account"


def test_signing_out_everywhere_ends_every_session(
    app: Flask,
    client: FlaskClient,
    session: Session,
    make_user: Callable[..., User],
    sign_in: SignIn,
) -> None:
    user = make_user(Role.AUTHOR)
    other_device = app.test_client()
    token = csrf_token_from(other_device.get("/sign-in").get_data(as_text=True))
    other_device.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    sign_in(user)
    response = post_button(client, "/account/sign-out-everywhere")
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/account").status_code == 302
    assert other_device.get("/account").status_code == 302
    assert "signed_out_everywhere" in actions(session, user)
