"""Signing in under attack: open redirects, password and code guessing, cookie flags, HSTS."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from config import Settings, load_settings
from scheduler.core.database import Database
from tests.abuse.conftest import World, read
from tests.conftest import TEST_PASSWORD
from tests.web.conftest import csrf_token_from
from web import create_app

HOSTILE_NEXT = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example",
    "\\\\evil.example",
    "http:evil.example",
    "/%2F%2Fevil.example",
    "javascript:alert(1)",
    " //evil.example",
    "\t//evil.example",
    "https:/\\evil.example",
]


def sign_in_with_next(app: Flask, email: str, target: str, password: str = TEST_PASSWORD) -> str:
    client = app.test_client()
    token = csrf_token_from(read(client.get("/sign-in")))
    response = client.post(
        "/sign-in",
        query_string={"next": target},
        data={"email": email, "password": password, "csrf_token": token},
    )
    read(response)
    assert response.status_code == 302
    return response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_redirects_off_the_site(app: Flask, world: World, target: str) -> None:
    location = sign_in_with_next(app, world.intruder.email, target)
    parts = urlsplit(location)
    stays = not parts.scheme and not parts.netloc and location.startswith("/")
    assert stays, f"next={target!r} -> {location!r}"
    assert not location.startswith(("//", "/\\")), f"next={target!r} -> {location!r}"


def test_next_on_this_site_is_kept(app: Flask, world: World) -> None:
    assert sign_in_with_next(app, world.intruder.email, "/account") == "/account"


def test_password_guessing_is_locked_out_with_429(app: Flask, world: World) -> None:
    client = app.test_client()
    statuses = []
    for attempt in range(8):
        token = csrf_token_from(read(client.get("/sign-in")))
        response = client.post(
            "/sign-in",
            data={
                "email": world.intruder.email,
                "password": f"guess {attempt}",
                "csrf_token": token,
            },
        )
        statuses.append(response.status_code)
        read(response)
    assert statuses[-1] == 429, statuses
    # Locked: even the right password is refused now.
    token = csrf_token_from(read(client.get("/sign-in")))
    response = client.post(
        "/sign-in",
        data={"email": world.intruder.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 429
    read(response)


def test_authenticator_code_guessing_is_locked_out_with_429(app: Flask, world: World) -> None:
    client = app.test_client()
    token = csrf_token_from(read(client.get("/sign-in")))
    response = client.post(
        "/sign-in",
        data={"email": world.admin.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/sign-in/two-factor"
    statuses = []
    for guess in range(8):
        form = client.get("/sign-in/two-factor")
        if form.status_code == 302:  # the locked-out sign-in was ended: start again
            read(form)
            break
        token = csrf_token_from(read(form))
        response = client.post(
            "/sign-in/two-factor", data={"code": f"{guess:06d}", "csrf_token": token}
        )
        statuses.append(response.status_code)
        read(response)
    assert 429 in statuses, statuses


@pytest.fixture
def secure_app(
    tmp_path: Path, database: Database, session_factory: sessionmaker[Session], settings: Settings
) -> Flask:
    secure = load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path / "secure-instance"),
            "database_url": database.url,
            "secret_key": settings.secret_key,
            "session_cookie_secure": True,
        },
    )
    app = create_app(secure, database=database.with_session_factory(session_factory))
    app.config.update(TESTING=True)
    return app


def session_cookie_header(app: Flask, email: str) -> str:
    client = app.test_client()
    token = csrf_token_from(read(client.get("/sign-in", base_url="https://localhost")))
    response = client.post(
        "/sign-in",
        base_url="https://localhost",
        data={"email": email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    read(response)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if "gatepost_session=" in c]
    assert cookies, response.headers
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_lax(app: Flask, world: World) -> None:
    cookie = session_cookie_header(app, world.intruder.email)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # not configured: plain HTTP on a laptop


def test_behind_tls_the_cookie_is_secure_and_hsts_is_sent(secure_app: Flask, world: World) -> None:
    cookie = session_cookie_header(secure_app, world.intruder.email)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    response = secure_app.test_client().get("/sign-in", base_url="https://localhost")
    read(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
