"""The live counter in a real browser: it counts as the server saves, and never goes blank."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect

from config import load_settings
from scheduler.models import AccessRole, Role
from tests.browser.conftest import Account, LiveServer
from tests.browser.test_release_day import grant
from tests.support.factories import Factory

SignInAs = Callable[[Page, Account], None]


def test_the_counter_matches_the_saved_text_and_explains_a_twin_it_cannot_count(
    page: Page,
    live_server: LiveServer,
    make_account: Callable[..., Account],
    sign_in_as: SignInAs,
    tmp_path: Path,
) -> None:
    settings = load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path),
            "database_url": live_server.database.url,
            "secret_key": "browser-test-secret-key-long-enough",
        },
    )
    with live_server.database.unit_of_work() as session:
        lone = Factory(session, settings, now=datetime.now(UTC)).channel(
            f"lone_{uuid.uuid4().hex[:8]}"
        )
        lone_id, lone_handle = lone.id, lone.handle
    author = make_account(Role.AUTHOR, name="Counter Author")
    grant(live_server, author, [lone_id], AccessRole.AUTHOR)
    sign_in_as(page, author)
    page.goto(f"{live_server.url}/compose")
    page.get_by_label("Channel").select_option(str(lone_id))

    page.get_by_label("Post text").fill("x" * 279 + " ")
    expect(page.locator("#text-length")).to_have_text("279 of 280 characters; 1 left")

    page.get_by_label("Twin text").fill("Helo")
    expect(page.locator("#twin_text-length")).to_have_text(
        f"@{lone_handle} has no twin channel, so a post on it cannot have a twin"
    )
