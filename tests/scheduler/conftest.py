"""Fixtures for domain tests: the factory."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from config import Settings
from tests.support.factories import Factory


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    """Return a factory that builds data in the test's rolled-back session."""
    return Factory(session, settings)
