"""Fixtures for the overview pages: a data factory, and signing in any role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from config import Settings
from scheduler.models import Role, User
from tests.support.factories import Factory
from tests.support.totp import enrol


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    """Return a factory building data through the real operations."""
    return Factory(session, settings)


@pytest.fixture
def signed_in(
    session: Session, sign_in_fully: Callable[[User], TestResponse]
) -> Callable[[User], User]:
    """Return a function signing any person in (setting up two-factor for approvers, admins)."""

    def sign_in_as(user: User) -> User:
        if user.role is not Role.AUTHOR and not user.totp_secret:
            enrol(session, user)
            session.flush()
        sign_in_fully(user)
        return user

    return sign_in_as
