"""Fixtures for domain tests: the test platform adapter and the factory."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from config import Settings
from tests.support.factories import Factory
from tests.support.platforms import example_platform

__all__ = ["example_platform"]


@pytest.fixture(autouse=True)
def _platform(example_platform: object) -> None:
    """Measure texts with the test adapter in every domain test."""


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    """Return a factory that builds data in the test's rolled-back session."""
    return Factory(session, settings)
