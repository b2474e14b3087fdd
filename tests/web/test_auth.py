"""Signing in and out, CSRF, safe redirects and error pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from scheduler.models import Role, User
from tests.web.conftest import csrf_token_from
from web.auth.views import safe_next_url


def test_home_page_sends_strangers_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_in_with_correct_password_shows_home(
    client: FlaskClient, make_user: Callable[..., User], sign_in: Callable[[User], TestResponse]
) -> None:
    user = make_user(Role.AUTHOR, name="Ada Author")
    response = sign_in(user)
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Ada Author" in home.get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: FlaskClient, make_user: Callable[..., User], sign_in: Callable[..., TestResponse]
) -> None:
    user = make_user()
    response = sign_in(user, "not the password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in page
    assert f'value="{user.email}"' in page  # what was typed is kept
    assert client.get("/").status_code == 302


def test_sign_in_without_csrf_token_is_refused(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": "x" * 20})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_sign_out_needs_post_and_ends_the_session(
    client: FlaskClient, make_user: Callable[..., User], sign_in: Callable[[User], TestResponse]
) -> None:
    sign_in(make_user())
    assert client.get("/sign-out").status_code == 405
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/queue?page=2", "/queue?page=2"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_next_only_redirects_within_the_site(target: str, expected: str | None) -> None:
    assert safe_next_url(target) == expected


def test_unknown_page_has_a_helpful_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
