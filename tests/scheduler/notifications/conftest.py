"""Fixtures for notification tests: a database whose units of work join the test's transaction."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from scheduler.core.database import Database

# The real worker on the test's transaction, as the publishing tests drive it.
from tests.scheduler.publishing.conftest import make_worker, worker  # noqa: F401


@pytest.fixture
def shared_database(database: Database, session_factory: sessionmaker[Session]) -> Database:
    """Return the database whose units of work join the test's rolled-back transaction."""
    return database.with_session_factory(session_factory)
