"""A whole release day through the API alone, against a database whose commits are real."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from config import Settings
from scheduler.channels.operations import create_channel, grant_access
from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.identity.api_tokens import create_token
from scheduler.models import AccessRole, EmbargoViewing, Role
from scheduler.publishing.worker.service import run_once
from tests.web.api.conftest import ApiClient
from web.api.endpoints import CLOCK_CONFIG

#: The day before a Thursday release at 09:30 London time (GMT in March, before the clocks go).
EVE = datetime(2027, 3, 10, 14, 0, tzinfo=UTC)
EMBARGO = datetime(2027, 3, 11, 9, 30, tzinfo=UTC)


@pytest.fixture
def release_day(committed_app: Flask, committed_database: Database) -> dict[str, str]:
    """Set up, as an admin would (by the domain), two twinned channels, people and tokens."""
    suffix = uuid.uuid4().hex[:8]
    from scheduler.identity.accounts import create_user
    from tests.conftest import TEST_PASSWORD

    secrets: dict[str, str] = {}
    with committed_database.unit_of_work() as session:
        welsh = create_channel(session, platform="mock", handle=f"ystadegau{suffix}", language="cy")
        english = create_channel(
            session,
            platform="mock",
            handle=f"stats{suffix}",
            language="en",
            twin_handle=welsh.handle,
            requires_twin=True,
        )
        people = {}
        for name, role in (
            ("statistician", Role.AUTHOR),
            ("officer", Role.APPROVER),
            ("public", Role.AUTHOR),
        ):
            people[name] = create_user(
                session,
                email=f"{name}-{suffix}@example.gov.uk",
                password=TEST_PASSWORD,
                role=role,
            )
        for channel in (english, welsh):
            grant_access(
                session, channel=channel, user=people["statistician"], role=AccessRole.AUTHOR
            )
            grant_access(session, channel=channel, user=people["officer"], role=AccessRole.APPROVER)
            # A colleague on the channel but not on the release's list: sees posts, not the text.
            grant_access(session, channel=channel, user=people["public"], role=AccessRole.AUTHOR)
        for name, scopes in (
            ("statistician", "read,write"),
            ("officer", "read,approve"),
            ("public", "read"),
        ):
            _token, secrets[name] = create_token(
                session, people[name], scopes=scopes, by=None, now=EVE - timedelta(days=1)
            )
        secrets["english"] = english.handle
        secrets["welsh"] = welsh.handle
        secrets["officer_email"] = people["officer"].email
    return secrets


def test_a_release_day_through_the_api_alone(
    committed_app: Flask,
    committed_database: Database,
    settings: Settings,
    release_day: dict[str, str],
) -> None:
    clock = FixedClock(EVE)
    committed_app.config[CLOCK_CONFIG] = clock
    api = ApiClient(committed_app.test_client())
    statistician, officer, public = (
        release_day["statistician"],
        release_day["officer"],
        release_day["public"],
    )

    release = api.post(
        "/releases",
        token=statistician,
        json={
            "title": "Labour market overview, March 2027",
            "embargo_at": "2027-03-11T09:30:00+00:00",
            "access": [release_day["officer_email"]],
        },
    )
    assert release.status_code == 201, release.get_json()
    release_id = release.get_json()["id"]
    assert release_day["officer_email"] in release.get_json()["access"]

    thread = api.post(
        "/threads",
        token=statistician,
        json={
            "channel": release_day["english"],
            "texts": ["Unemployment fell to 4.1%", "Employment rose to 75.5%"],
            "twin_texts": ["Gostyngodd diweithdra i 4.1%", "Cododd cyflogaeth i 75.5%"],
            "release_id": release_id,
            "send_at": "2027-03-11T09:30:00+00:00",
            "title": "Labour market",
        },
        headers={"Idempotency-Key": f"thread-{release_id}"},
    )
    assert thread.status_code == 201, thread.get_json()
    created = thread.get_json()
    posts = created["posts"] + created["twin_posts"]
    assert len(posts) == 4
    assert {post["state"] for post in posts} == {"draft"}

    first = created["posts"][0]
    assert api.post(f"/posts/{first['id']}/submit", token=statistician).status_code == 200
    # Before the embargo the public token sees no text; the officer (on the list) does.
    hidden = api.get(f"/posts/{first['id']}", token=public).get_json()
    assert hidden["text"] is None
    assert hidden["embargoed_until"].startswith("2027-03-11T09:30:00")
    shown = api.get(f"/posts/{first['id']}", token=officer).get_json()
    assert shown["text"] == "Unemployment fell to 4.1%"
    assert shown["state"] == "in_review"

    approved = api.post(
        f"/posts/{first['id']}/approve", token=officer, json={"version": shown["version"]}
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["state"] == "scheduled"
    thread_view = api.get(f"/threads/{created['id']}", token=officer).get_json()
    assert {post["state"] for post in thread_view["posts"] + thread_view["twin_posts"]} == {
        "scheduled"
    }

    # The worker runs at the embargo and publishes the thread and its Welsh twin.
    report, _recovered = run_once(committed_database, settings, clock=FixedClock(EMBARGO))
    assert report.published == 4

    clock.set(EMBARGO + timedelta(minutes=5))
    for post in posts:
        after = api.get(f"/posts/{post['id']}", token=public).get_json()
        assert after["state"] == "published"
        assert after["external_id"]
        assert after["published_at"] >= "2027-03-11T09:30:00"
        assert after["text"] is not None
    ledger = [
        json.loads(line)
        for line in settings.mock_ledger_path.read_text().splitlines()
        if line.strip()
    ]
    assert {entry["text"] for entry in ledger} >= {
        "Unemployment fell to 4.1%",
        "Gostyngodd diweithdra i 4.1%",
    }

    audit = api.get(f"/posts/{first['id']}/audit", token=public)
    assert audit.status_code == 200
    transitions = [(event["from_state"], event["to_state"]) for event in audit.get_json()]
    assert transitions[:3] == [(None, "draft"), ("draft", "in_review"), ("in_review", "scheduled")]
    assert ("scheduled", "publishing") in transitions
    assert transitions[-1][1] == "published"
    assert all("Unemployment" not in json.dumps(event) for event in audit.get_json())

    with committed_database.unit_of_work() as session:
        viewings = session.scalars(
            select(EmbargoViewing).where(EmbargoViewing.post_id == first["id"])
        ).all()
        assert {viewing.via for viewing in viewings} == {"api"}
        assert len(viewings) >= 1
