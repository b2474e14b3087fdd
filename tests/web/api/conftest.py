"""Fixtures for the JSON API: tokens for people, and a client that sends them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.core import schema
from scheduler.core.database import Database
from scheduler.identity.accounts import create_user
from scheduler.identity.api_tokens import create_token
from scheduler.models import Role, User
from tests.conftest import TEST_PASSWORD
from web import create_app


@pytest.fixture(scope="session")
def committed_database(backend: str, make_database_url: Callable[[str], str]) -> Iterator[Database]:
    """Yield a migrated database whose commits are real (for tests across sessions or threads)."""
    database = Database(make_database_url(backend))
    schema.upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def committed_app(settings: Settings, committed_database: Database) -> Flask:
    """Return the web app over a database where each request really commits."""
    flask_app = create_app(settings, database=committed_database)
    flask_app.config.update(TESTING=True)
    return flask_app


@pytest.fixture
def committed_user(committed_database: Database) -> Callable[..., tuple[User, str]]:
    """Return a factory that commits a new user with a read,write token and returns both."""

    def make(role: Role = Role.AUTHOR, scopes: str = "read,write") -> tuple[User, str]:
        with committed_database.unit_of_work() as session:
            user = create_user(
                session,
                email=f"{role.value}-{uuid.uuid4().hex[:10]}@example.gov.uk",
                password=TEST_PASSWORD,
                role=role,
            )
            _token, secret = create_token(session, user, scopes=scopes, by=None)
        return user, secret

    return make


@pytest.fixture
def make_token(session: Session) -> Callable[..., str]:
    """Return a factory that creates an API token for a user and returns its secret."""

    def make(user: User, scopes: str = "read,write", **options: Any) -> str:
        _token, secret = create_token(session, user, scopes=scopes, by=None, **options)
        session.flush()
        return secret

    return make


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    """Return an author."""
    return make_user(Role.AUTHOR)


@pytest.fixture
def author_token(author: User, make_token: Callable[..., str]) -> str:
    """Return a read,write token for the author."""
    return make_token(author, "read,write")


class ApiClient:
    """Send API requests with a bearer token and JSON bodies."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> TestResponse:
        """Send one request to /api/v1 + path."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if json is not None:
            options["json"] = json
        return self.client.open(f"/api/v1{path}", method=method, headers=sent, **options)

    def get(self, path: str, **options: Any) -> TestResponse:
        """Send a GET."""
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> TestResponse:
        """Send a POST."""
        return self.request("POST", path, **options)

    def delete(self, path: str, **options: Any) -> TestResponse:
        """Send a DELETE."""
        return self.request("DELETE", path, **options)


@pytest.fixture
def api(client: FlaskClient) -> ApiClient:
    """Return an API client over the test app."""
    return ApiClient(client)


def assert_problem(response: TestResponse, status: int, type_slug: str) -> dict[str, Any]:
    """Check the response is an RFC 9457 problem of that status and type, and return it."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = response.get_json(force=True)
    assert problem["status"] == status
    assert problem["type"] == f"/api/v1/problems/{type_slug}"
    assert problem["title"]
    assert problem["detail"]
    assert problem["instance"] == response.request.path
    return problem


@pytest.fixture
def test_routes(app: Flask) -> None:
    """Mount the test-only endpoints (tests/web/api/routes_for_tests.py) on the app."""
    from tests.web.api.routes_for_tests import mount

    mount(app)


# Channels, people and tokens for the clearance workflow tests.
from tests.web.api.workflow_fixtures import clock, factory, team  # noqa: E402,F401
