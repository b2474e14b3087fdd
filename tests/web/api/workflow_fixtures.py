"""People, channels and tokens for the clearance API tests, built through the domain."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from config import Settings
from scheduler.core.clock import FixedClock
from scheduler.identity.api_tokens import create_token
from scheduler.models import Channel, Role, User
from tests.support.factories import NOW, Factory


@dataclass
class Team:
    """An English channel with its Welsh twin, an author, two approvers and an outsider."""

    english: Channel
    welsh: Channel
    author: User
    approver: User
    second_approver: User
    outsider: User
    author_token: str
    approver_token: str
    outsider_token: str
    read_only_token: str


def token(session: Session, user: User, scopes: str) -> str:
    """Return the secret of a new token for the person."""
    _token, secret = create_token(session, user, scopes=scopes, by=None, now=NOW)
    session.flush()
    return secret


@pytest.fixture
def clock(app: Flask) -> FixedClock:
    """Make the API act at the factory's instant (a Wednesday morning in March 2027)."""
    fixed = FixedClock(NOW)
    app.config["GATEPOST_CLOCK"] = fixed
    return fixed


@pytest.fixture
def factory(session: Session, settings: Settings) -> Factory:
    """Return a factory that builds data in the test's rolled-back session."""
    return Factory(session, settings)


@pytest.fixture
def team(factory: Factory, session: Session, clock: FixedClock) -> Team:
    """Return the people and channels most API tests act with."""
    english, welsh = factory.twin_channels(requires_twin=False)
    author = factory.author(english, welsh)
    approver = factory.approver(english, welsh)
    second = factory.approver(english, welsh)
    outsider = factory.user(Role.AUTHOR)
    return Team(
        english=english,
        welsh=welsh,
        author=author,
        approver=approver,
        second_approver=second,
        outsider=outsider,
        author_token=token(session, author, "read,write"),
        approver_token=token(session, approver, "read,write,approve"),
        outsider_token=token(session, outsider, "read,write"),
        read_only_token=token(session, author, "read"),
    )
