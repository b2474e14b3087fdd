"""Fixtures for the admin pages: people signed in with the right role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from scheduler.models import Role, User
from tests.web.conftest import csrf_token_from

MakeEnrolled = Callable[..., tuple[User, list[str]]]


@pytest.fixture
def signed_in_as(
    make_enrolled_user: MakeEnrolled, sign_in_fully: Callable[[User], TestResponse]
) -> Callable[[Role], User]:
    """Return a function that makes a person of the role (with 2FA) and signs them in."""

    def sign_in_as(role: Role) -> User:
        user, _ = make_enrolled_user(role)
        sign_in_fully(user)
        return user

    return sign_in_as


@pytest.fixture
def post_form(client: FlaskClient) -> Callable[..., TestResponse]:
    """Return a function that POSTs a form with a CSRF token taken from a page."""

    def post(
        path: str, data: dict[str, object] | None = None, *, page: str | None = None
    ) -> TestResponse:
        token = csrf_token_from(client.get(page or path).get_data(as_text=True))
        return client.post(path, data={**(data or {}), "csrf_token": token})

    return post
