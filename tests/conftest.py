"""Fixtures: settings, a migrated database per backend, a rolled-back session per test, app."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from config import Settings, load_settings
from scheduler.core import schema
from scheduler.core.database import Database
from scheduler.identity import account_security, accounts
from scheduler.identity.accounts import create_user
from scheduler.models import Role, User
from tests.support.databases import postgres_unreachable_reason, temporary_database
from web import create_app

pytest_plugins = ["tests.support.emulators.fixtures", "tests.support.connected_platform"]

BACKENDS = ("sqlite", "postgresql")
TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True, scope="session")
def _hash_each_password_once() -> Iterator[None]:
    """Hash each test password once per session, not once per person made with it.

    Argon2 is slow on purpose (a tenth of a second to half a second a hash here), and the demo
    seed, the CLI tests and the browser tests make hundreds of people with a few passwords.
    Verifying still runs Argon2 against a real hash, so sign-in is tested as it runs.
    """
    once = functools.cache(accounts.hash_password)
    patch = pytest.MonkeyPatch()
    patch.setattr(accounts, "hash_password", once)
    patch.setattr(account_security, "hash_password", once)
    yield
    patch.undo()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=[*BACKENDS, "both"],
        default="both",
        help="database backend(s) to run database tests on (default: both; PostgreSQL "
        "tests skip when no server is reachable)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--db")
        backends = BACKENDS if chosen == "both" else (chosen,)
        only = metafunc.definition.get_closest_marker("only_on")
        params = [
            # A test for one database still appears for the other, skipped with its reason.
            pytest.param(name, marks=pytest.mark.skip(reason=only.kwargs["why"]))
            if only is not None and name != only.args[0]
            else name
            for name in backends
        ]
        metafunc.parametrize("backend", params, scope="session", indirect=True)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """Name the database backend under test, skipping PostgreSQL when it is unreachable."""
    name: str = request.param
    if name == "postgresql":
        reason = postgres_unreachable_reason()
        if reason:
            pytest.skip(reason)
    return name


@pytest.fixture(scope="session")
def make_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """Return a function that makes a new empty database on a backend and gives its URL."""
    stack: list[Any] = []
    directory = tmp_path_factory.mktemp("databases")

    def make(backend_name: str) -> str:
        manager = temporary_database(backend_name, directory)
        stack.append(manager)
        return manager.__enter__()

    yield make
    for manager in reversed(stack):
        manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def database(backend: str, make_database_url: Callable[[str], str]) -> Iterator[Database]:
    """Yield a database migrated to the newest schema, shared by the session's tests."""
    db = Database(make_database_url(backend))
    schema.upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def connection(database: Database) -> Iterator[Connection]:
    """Yield a connection inside a transaction that is rolled back after the test."""
    with database.engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Return a session factory whose commits only release savepoints of the test transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session isolated by rolling back at the end of the test."""
    with session_factory() as sess:
        yield sess


@pytest.fixture
def committed_database(backend: str, make_database_url: Callable[[str], str]) -> Iterator[Database]:
    """Yield a fresh migrated database with an engine of its own, whose transactions commit."""
    database = Database(make_database_url(backend))
    schema.upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    """Return settings pointing at the test database and a temporary instance folder."""
    return load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path / "instance"),
            "database_url": database.url,
            "secret_key": "test-secret-key-that-is-long-enough",
        },
    )


@pytest.fixture
def app(settings: Settings, database: Database, session_factory: sessionmaker[Session]) -> Flask:
    """Return the web app whose requests share the test's rolled-back transaction."""
    flask_app = create_app(settings, database=database.with_session_factory(session_factory))
    flask_app.config.update(TESTING=True)
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client for the app."""
    return app.test_client()


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    """Return a factory that creates a user with the test password."""
    counter = iter(range(1, 1_000_000))

    def make(role: Role | str = Role.AUTHOR, *, email: str | None = None, name: str = "") -> User:
        role = Role(role)
        number = next(counter)
        user = create_user(
            session,
            email=email or f"{role.value}{number}@example.gov.uk",
            password=TEST_PASSWORD,
            role=role,
            name=name or f"{role.value.title()} {number}",
        )
        session.flush()
        return user

    return make
