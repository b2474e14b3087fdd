"""Signing in with a second factor, the throttle and the session, through the test client."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from scheduler.identity.account_security import rotate_login_id
from scheduler.models import AuditEvent, Role, User
from tests.conftest import TEST_PASSWORD
from tests.web.conftest import csrf_token_from

SignIn = Callable[..., TestResponse]
MakeEnrolled = Callable[..., tuple[User, list[str]]]


def post_form(client: FlaskClient, path: str, **data: str) -> TestResponse:
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def test_an_author_without_two_factor_is_signed_in_by_the_password(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    response = sign_in(make_user(Role.AUTHOR))
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_approvers_and_admins_must_set_up_an_app_before_anything_else(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn, role: Role
) -> None:
    user = make_user(role)
    response = sign_in(user)
    assert response.headers["Location"] == "/sign-in/set-up-two-factor"
    assert client.get("/").status_code == 302  # the password alone signed nobody in
    assert client.get("/account").status_code == 302

    page = client.get("/sign-in/set-up-two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert secret, "the secret is shown for typing in by hand"
    code = pyotp.TOTP(secret.group(1).replace(" ", "")).now()

    wrong = post_form(client, "/sign-in/set-up-two-factor", code="000000")
    assert "There is a problem" in wrong.get_data(as_text=True)
    assert client.get("/").status_code == 302

    codes_page = post_form(client, "/sign-in/set-up-two-factor", code=code)
    assert codes_page.status_code == 200
    html = codes_page.get_data(as_text=True)
    assert len(re.findall(r"<li>[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}</li>", html)) == 10
    assert codes_page.headers["Cache-Control"] == "no-store"
    assert client.get("/").status_code == 200


def test_a_code_from_the_app_completes_the_sign_in_and_keeps_next(
    client: FlaskClient,
    make_enrolled_user: MakeEnrolled,
    code_for: Callable[[User], str],
) -> None:
    user, _ = make_enrolled_user(Role.APPROVER)
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in?next=/account",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/sign-in/two-factor"
    assert client.get("/").status_code == 302

    wrong = post_form(client, "/sign-in/two-factor", code="000000")
    assert "Enter the current 6-digit code" in wrong.get_data(as_text=True)
    assert client.get("/").status_code == 302

    done = post_form(client, "/sign-in/two-factor", code=code_for(user))
    assert done.headers["Location"] == "/account"
    assert client.get("/").status_code == 200


def test_the_same_code_cannot_sign_in_twice(
    client: FlaskClient,
    make_enrolled_user: MakeEnrolled,
    sign_in: SignIn,
    code_for: Callable[[User], str],
) -> None:
    user, _ = make_enrolled_user(Role.APPROVER)
    sign_in(user)
    code = code_for(user)
    assert post_form(client, "/sign-in/two-factor", code=code).status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token_from(client.get("/").text)})
    sign_in(user)
    replayed = post_form(client, "/sign-in/two-factor", code=code)
    assert replayed.status_code == 200
    assert "Enter the current 6-digit code" in replayed.get_data(as_text=True)


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(
    client: FlaskClient, make_enrolled_user: MakeEnrolled, sign_in: SignIn
) -> None:
    user, codes = make_enrolled_user(Role.ADMIN)
    sign_in(user)
    response = post_form(client, "/sign-in/recovery-code", code=codes[4])
    assert response.headers["Location"] == "/account"
    assert "You have 9 recovery codes left" in client.get("/account").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_token_from(client.get("/").text)})
    sign_in(user)
    again = post_form(client, "/sign-in/recovery-code", code=codes[4])
    assert "Enter one of your unused recovery codes" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/sign-in/two-factor", "/sign-in/recovery-code", "/sign-in/set-up-two-factor"]
)
def test_second_steps_need_a_correct_password_first(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"


def test_a_half_finished_sign_in_expires(
    client: FlaskClient, make_enrolled_user: MakeEnrolled, sign_in: SignIn
) -> None:
    user, _ = make_enrolled_user(Role.APPROVER)
    sign_in(user)
    assert client.get("/sign-in/two-factor").status_code == 200
    with client.session_transaction() as cookie:
        cookie["pending_sign_in"] = {
            **cookie["pending_sign_in"],
            "expires_at": int(time.time()) - 1,
        }
    response = client.get("/sign-in/two-factor")
    assert response.headers["Location"] == "/sign-in"
    assert "Sign in again to continue" in client.get("/sign-in").get_data(as_text=True)


def test_a_password_change_voids_a_half_finished_sign_in(
    client: FlaskClient, session: Session, make_enrolled_user: MakeEnrolled, sign_in: SignIn
) -> None:
    user, _ = make_enrolled_user(Role.APPROVER)
    sign_in(user)
    rotate_login_id(user)
    session.flush()
    assert client.get("/sign-in/two-factor").headers["Location"] == "/sign-in"


def test_signing_in_starts_a_fresh_session(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    with client.session_transaction() as cookie:
        cookie["planted"] = "by someone else"
    before = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    sign_in(make_user(Role.AUTHOR))
    with client.session_transaction() as cookie:
        assert "planted" not in cookie
    after = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert after != before


def test_the_fifth_wrong_password_locks_with_the_time_to_come_back(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    user = make_user(Role.AUTHOR)
    statuses = [sign_in(user, f"wrong password {n}").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = sign_in(user)
    assert locked.status_code == 429
    assert re.search(r"Too many attempts; try again after \d\d:\d\d", locked.get_data(as_text=True))
    assert client.get("/").status_code == 302


def test_made_up_accounts_lock_the_same_way(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    real = make_user(Role.AUTHOR)
    stranger = User(email="nobody@example.gov.uk", role=Role.AUTHOR)
    real_pages = [sign_in(real, "wrong password").get_data(as_text=True) for _ in range(5)]
    made_up_pages = [sign_in(stranger, "wrong password").get_data(as_text=True) for _ in range(5)]

    def message(page: str) -> str:
        found = re.search(r'<p id="email-error"[^>]*>(.*?)</p>', page, re.S)
        assert found
        # The unlock time is now plus the window, so the two runs may straddle a minute.
        return re.sub(r"\d\d:\d\d", "HH:MM", found.group(1))

    assert [message(page) for page in real_pages] == [message(page) for page in made_up_pages]


def test_wrong_codes_use_up_the_same_attempts(
    client: FlaskClient, make_enrolled_user: MakeEnrolled, sign_in: SignIn
) -> None:
    user, _ = make_enrolled_user(Role.APPROVER)
    for _ in range(3):
        sign_in(user, "wrong password")
    sign_in(user)
    assert post_form(client, "/sign-in/two-factor", code="000000").status_code == 200
    locked = post_form(client, "/sign-in/two-factor", code="111111")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.get_data(as_text=True)
    assert client.get("/sign-in/two-factor").headers["Location"] == "/sign-in"


def test_signing_in_clears_the_count_of_failures(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    user = make_user(Role.AUTHOR)
    for _ in range(4):
        sign_in(user, "wrong password")
    sign_in(user)
    client.post("/sign-out", data={"csrf_token": csrf_token_from(client.get("/").text)})
    statuses = [sign_in(user, "wrong password").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 200]


def test_sign_ins_are_audited_with_their_method(
    session: Session, make_enrolled_user: MakeEnrolled, sign_in_fully: SignIn
) -> None:
    user, _ = make_enrolled_user(Role.APPROVER)
    sign_in_fully(user)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "signed_in", AuditEvent.subject_user_id == user.id
        )
    ).one()
    assert event.details == {"method": "totp"}


def test_someone_promoted_while_signed_in_must_set_up_an_app(
    client: FlaskClient, session: Session, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    user = make_user(Role.AUTHOR)
    sign_in(user)
    user.role = Role.APPROVER
    session.flush()
    assert client.get("/").headers["Location"] == "/account/two-factor"
    assert client.get("/account").headers["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor").status_code == 200
