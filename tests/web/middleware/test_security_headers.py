"""Security headers on every response, and caching only for shared files."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from config import Settings
from scheduler.core.database import Database
from scheduler.models import Role, User
from tests.web.conftest import fetch
from web import create_app


@pytest.mark.parametrize(
    "path",
    ["/sign-in", "/no-such-page", "/static/css/gatepost.css", "/assets/govuk-frontend.min.css"],
)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    headers = fetch(client, path).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "img-src 'self' data:;" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # not behind TLS in this configuration


def test_signed_in_pages_are_never_stored(
    client: FlaskClient,
    make_user: Callable[..., User],
    sign_in: Callable[[User], TestResponse],
) -> None:
    sign_in(make_user(Role.AUTHOR))
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_shared_files_may_be_cached(client: FlaskClient) -> None:
    assert "no-store" not in fetch(client, "/static/css/gatepost.css").headers.get(
        "Cache-Control", ""
    )
    assert fetch(client, "/assets/govuk-frontend.min.css").headers["Cache-Control"] == (
        "public, max-age=86400"
    )


def test_hsts_is_sent_only_behind_tls(
    settings: Settings, database: Database, session_factory: sessionmaker[Session]
) -> None:
    secure = settings.with_overrides(session_cookie_secure=True)
    app = create_app(secure, database=database.with_session_factory(session_factory))
    response = app.test_client().get("/sign-in")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Secure" in response.headers["Set-Cookie"]
