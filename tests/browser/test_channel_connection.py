"""Connecting a Mastodon channel with an access token, then checking it, in a real browser."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from scheduler.models import Channel, Role
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import assert_accessible
from tests.support.emulators.mastodon import MastodonEmulator

MakeAccount = Callable[..., Account]
SignInAs = Callable[[Page, Account], None]


@pytest.fixture
def mastodon_channel(live_server: LiveServer) -> Iterator[tuple[int, MastodonEmulator]]:
    """Commit a Mastodon channel on an emulated instance."""
    with MastodonEmulator() as instance:
        with live_server.database.unit_of_work() as session:
            channel = Channel(
                platform="mastodon",
                handle=f"stats{uuid.uuid4().hex[:6]}",
                language="en",
                instance_url=instance.base_url,
            )
            session.add(channel)
            session.flush()
            channel_id = channel.id
        yield channel_id, instance


def test_an_admin_connects_a_mastodon_channel_with_a_token_and_checks_it(
    page: Page,
    make_account: MakeAccount,
    sign_in_as: SignInAs,
    mastodon_channel: tuple[int, MastodonEmulator],
) -> None:
    channel_id, instance = mastodon_channel
    sign_in_as(page, make_account(Role.ADMIN, two_factor=True))

    page.goto(f"/admin/channels/{channel_id}")
    expect(page.locator("#connection-status")).to_contain_text("Not connected")
    assert_accessible(page)
    page.get_by_label("Access token").fill("not-a-token")
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Mastodon refused the token")
    assert_accessible(page)

    page.get_by_label("Access token").fill(instance.issue_token())
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.locator("#connection-status")).to_contain_text(
        "Connected as @gatepost@mastodon.example, checked"
    )
    expect(page.get_by_label("Access token")).to_have_value("")  # never shown again
    assert_accessible(page)

    instance.revoke(next(iter(instance.tokens)))
    page.get_by_role("button", name="Check connection").click()
    expect(page.locator("#connection-status")).to_contain_text("Not working")
    assert_accessible(page)
