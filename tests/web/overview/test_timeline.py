"""The mock platform timeline page: signed-in people only, threads, deletions, channel filter."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskClient

from config import Settings
from scheduler.models import User
from tests.support.factories import Factory
from tests.web.conftest import fetch


def write_ledger(settings: Settings, *events: dict) -> None:
    settings.mock_ledger_path.parent.mkdir(parents=True, exist_ok=True)
    settings.mock_ledger_path.write_text("".join(json.dumps(e) + "\n" for e in events))


def published(external_id: str, channel: str, text: str, reply_to: str | None = None) -> dict:
    return {
        "event": "published", "external_id": external_id, "idempotency_key": external_id,
        "channel": channel, "text": text, "reply_to": reply_to,
        "published_at": "2027-03-12T09:30:00+00:00",
    }  # fmt: skip


def test_anonymous_people_are_sent_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/platforms/mock").status_code == 302


def test_signed_in_people_see_threads_and_deletions(
    client: FlaskClient, settings: Settings, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    write_ledger(
        settings,
        published("mock-1", "ONS", "GDP grew 0.3%"),
        published("mock-2", "ONS", "Services led growth", reply_to="mock-1"),
        published("mock-3", "StatsWales", "Twf CMC"),
        {"event": "deleted", "external_id": "mock-3", "deleted_at": "2027-03-12T10:00:00+00:00"},
    )
    signed_in(factory.author(factory.channel()))

    html = fetch(client, "/platforms/mock").get_data(as_text=True)
    only_ons = fetch(client, "/platforms/mock?channel=ONS").get_data(as_text=True)

    assert "GDP grew 0.3%" in html
    assert '<ol class="gp-timeline__replies" aria-label="Replies">' in html
    assert "Services led growth" in html
    assert "Twf CMC" not in html
    assert "<strong>Deleted</strong> Fri 12 Mar 2027 10:00 GMT" in html
    assert "GDP grew" in only_ons
    assert "Deleted" not in only_ons


def test_an_empty_ledger_says_so(
    client: FlaskClient, factory: Factory, signed_in: Callable[[User], User]
) -> None:
    signed_in(factory.author(factory.channel()))

    assert "Nothing has been published yet" in fetch(client, "/platforms/mock").get_data(
        as_text=True
    )
