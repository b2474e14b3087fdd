"""Fixtures for the web app: sign a person in through the real forms (both steps if need be)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from scheduler.models import Role, User
from tests.conftest import TEST_PASSWORD
from tests.support.totp import enrol, totp_code


def csrf_token_from(html: str) -> str:
    """Return the CSRF token embedded in a rendered form."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def fetch(client: FlaskClient, path: str) -> TestResponse:
    """GET a path and read the whole body, closing any file it was sent from."""
    with client.get(path) as response:
        response.get_data()
    return response


@pytest.fixture
def sign_in(client: FlaskClient) -> Callable[[User], TestResponse]:
    """Return a function that signs a user in through the sign-in form."""

    def do_sign_in(user: User, password: str = TEST_PASSWORD) -> TestResponse:
        token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
        return client.post(
            "/sign-in", data={"email": user.email, "password": password, "csrf_token": token}
        )

    return do_sign_in


@pytest.fixture
def make_enrolled_user(
    session: Session, make_user: Callable[..., User]
) -> Callable[..., tuple[User, list[str]]]:
    """Return a factory for a person with an authenticator app set up, and their recovery codes."""

    def make(role: Role | str = Role.APPROVER, **kwargs: object) -> tuple[User, list[str]]:
        user = make_user(role, **kwargs)
        codes = enrol(session, user)
        session.flush()
        return user, codes

    return make


@pytest.fixture
def code_for(session: Session) -> Callable[[User], str]:
    """Return a function giving an authenticator code the app will accept for the person now."""

    def code(user: User) -> str:
        session.refresh(user)
        assert user.totp_secret, f"{user.email} has no authenticator app"
        return totp_code(user.totp_secret, user.totp_last_counter)

    return code


@pytest.fixture
def sign_in_fully(
    client: FlaskClient, sign_in: Callable[[User], TestResponse], code_for: Callable[[User], str]
) -> Callable[[User], TestResponse]:
    """Return a function that signs a person in through both steps, typing a code if needed."""

    def do_sign_in(user: User) -> TestResponse:
        response = sign_in(user)
        if response.headers.get("Location") == "/sign-in/two-factor":
            token = csrf_token_from(client.get("/sign-in/two-factor").get_data(as_text=True))
            response = client.post(
                "/sign-in/two-factor", data={"code": code_for(user), "csrf_token": token}
            )
        assert response.status_code == 302, response.get_data(as_text=True)
        assert not response.headers["Location"].startswith("/sign-in"), response.headers
        return response

    return do_sign_in
