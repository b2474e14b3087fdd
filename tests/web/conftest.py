"""Fixtures for the web app: sign a user in through the real form."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from scheduler.models import User
from tests.conftest import TEST_PASSWORD


def csrf_token_from(html: str) -> str:
    """Return the CSRF token embedded in a rendered form."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def sign_in(client: FlaskClient) -> Callable[[User], TestResponse]:
    """Return a function that signs a user in through the sign-in form."""

    def do_sign_in(user: User, password: str = TEST_PASSWORD) -> TestResponse:
        token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
        return client.post(
            "/sign-in", data={"email": user.email, "password": password, "csrf_token": token}
        )

    return do_sign_in
