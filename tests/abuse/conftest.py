"""A small world to attack: two authors on different channels, an approver, an admin, a release
with an access list, an embargoed post carrying a unique marker, and text fields full of payloads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from config import Settings
from scheduler.clearance import create_thread
from scheduler.identity.api_tokens import create_token
from scheduler.models import (
    ApiToken,
    Channel,
    Notification,
    Post,
    QuietPeriod,
    Release,
    Thread,
    User,
)
from tests.abuse import route_policy
from tests.abuse.route_policy import value_for
from tests.support.factories import Factory
from tests.support.totp import enrol

#: Appears only in the embargoed post; must never reach anyone outside the release's list.
EMBARGO_MARKER = "EMBARGOMARKER7f3a9c"
#: Script payloads put into every text field; rendered pages must show them escaped.
XSS_PAYLOADS = (
    "<script>alert('xss1')</script>",
    '"><img src=x onerror=alert(2)>',
    "<svg/onload=alert(3)>",
)
SQL_PAYLOAD = "'; DROP TABLE posts; -- \" OR 1=1 --"


@dataclass
class World:
    """The people, channels and objects the abuse tests aim at."""

    intruder: User  # an author on channel A only
    victim: User  # an author on channel B, on the release's access list
    outsider_approver: User  # approver on both channels, NOT on the release's access list
    co_author: User  # an author on channel B, NOT on the release's access list
    admin: User  # NOT on the release's access list either
    channel_a: Channel
    channel_b: Channel
    release: Release
    embargoed: Post  # victim's post in the release, text carries EMBARGO_MARKER
    victim_draft: Post  # victim's draft with an XSS payload in it
    thread: Thread  # victim's release-day thread, its title and each part carrying EMBARGO_MARKER
    victim_token: ApiToken
    victim_notification: Notification
    quiet_period: QuietPeriod
    intruder_secret: str
    outsider_secret: str
    victim_secret: str
    admin_secret: str
    path_values: dict[str, object] = field(default_factory=dict)


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    """Seed the world through the real domain operations."""
    now = datetime.now(UTC)
    make = Factory(session, settings, now=now)
    channel_a = make.channel("channela")
    channel_b = make.channel("channelb")
    intruder = make.author(channel_a)
    victim = make.author(channel_b)
    outsider = make.approver(channel_a, channel_b)
    enrol(session, outsider)
    co_author = make.author(channel_b)
    admin = make.user("admin", name=XSS_PAYLOADS[1])
    enrol(session, admin)
    release = make.release(
        embargo_at=now + timedelta(days=3),
        access=[victim],
        title=f"Figures {XSS_PAYLOADS[0]}",
    )
    embargoed = make.post(
        channel_b, victim, text=f"Unemployment fell {EMBARGO_MARKER} to 4%", release=release
    )
    victim_draft = make.post(channel_b, victim, text=f"Draft {XSS_PAYLOADS[2]} {SQL_PAYLOAD}")
    thread = create_thread(
        session,
        channel=channel_b,
        texts=[f"Part one {EMBARGO_MARKER}", f"Part two {EMBARGO_MARKER}"],
        by=victim,
        settings=settings,
        release=release,
        title=f"Release day {EMBARGO_MARKER} {XSS_PAYLOADS[1]}",
        now=now,
    )
    victim_token, victim_secret = create_token(
        session, victim, scopes="read,write", by=None, now=now
    )
    _, intruder_secret = create_token(session, intruder, scopes="read,write", by=None, now=now)
    _, outsider_secret = create_token(
        session, outsider, scopes="read,write,approve", by=None, now=now
    )
    _, admin_secret = create_token(session, admin, scopes="read,write", by=None, now=now)
    victim_notification = Notification(
        user_id=victim.id, kind="sent_back", post_id=embargoed.id, message="Post sent back"
    )
    session.add(victim_notification)
    quiet_period = QuietPeriod(
        name="Pre-election period", starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=60), created_by_id=admin.id,
    )  # fmt: skip
    session.add(quiet_period)
    session.flush()
    world = World(
        intruder=intruder,
        victim=victim,
        outsider_approver=outsider,
        co_author=co_author,
        admin=admin,
        channel_a=channel_a,
        channel_b=channel_b,
        release=release,
        embargoed=embargoed,
        victim_draft=victim_draft,
        thread=thread,
        victim_token=victim_token,
        victim_notification=victim_notification,
        quiet_period=quiet_period,
        intruder_secret=intruder_secret,
        outsider_secret=outsider_secret,
        victim_secret=victim_secret,
        admin_secret=admin_secret,
    )
    world.path_values = route_policy.path_values(world)
    return world


@pytest.fixture
def routes(app: Flask) -> list[Rule]:
    """Return every rule in the app's URL map, in a stable order."""
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def methods_of(rule: Rule) -> list[str]:
    """Return the methods worth attacking on a rule (not HEAD or OPTIONS)."""
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def is_api(rule: Rule) -> bool:
    """Return whether the rule belongs to the JSON API."""
    return rule.endpoint.startswith("api.")


def build_path(rule: Rule, values: dict[str, object], **override: object) -> str:
    """Return the rule's path with each parameter replaced by a seeded value."""
    arguments = {
        name: override[name] if name in override else value_for(rule.endpoint, name, values)
        for name in rule.arguments
    }
    return rule.build(arguments, append_unknown=False)[1]


@pytest.fixture
def bearer() -> Callable[[str], dict[str, str]]:
    """Return a function giving the Authorization header for a token."""
    return lambda secret: {"Authorization": f"Bearer {secret}"}


def read(response: TestResponse) -> str:
    """Return the whole body as text (replacing bytes that are not UTF-8), closing any file."""
    with response:
        return response.get_data().decode("utf-8", "replace")


@pytest.fixture
def fresh_client(app: Flask) -> Iterator[Callable[[], FlaskClient]]:
    """Return a factory of new test clients (separate cookie jars)."""
    return app.test_client
