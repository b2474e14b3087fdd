"""Connecting an X channel through X's sign-in, in a real browser, against the X emulator."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from scheduler.models import Channel, Role
from tests.browser.conftest import X_CLIENT_ID, X_CLIENT_SECRET, Account, LiveServer
from tests.support.browser import assert_accessible, page_title
from tests.support.emulators.x import XClient, XEmulator
from tests.support.x_channels import register_x

MakeAccount = Callable[..., Account]
SignInAs = Callable[[Page, Account], None]


@pytest.fixture
def x_channel(
    live_server: LiveServer, x_emulator: XEmulator, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    """Commit an X channel on the emulator, which knows the live server's X app."""
    register_x(monkeypatch)
    callback = f"{live_server.url}/admin/channels/oauth/callback"
    x_emulator.clients[X_CLIENT_ID] = XClient(X_CLIENT_ID, X_CLIENT_SECRET, [callback])
    handle = f"onsx{uuid.uuid4().hex[:6]}"
    with live_server.database.unit_of_work() as session:
        channel = Channel(
            platform="x", handle=handle, language="en", instance_url=x_emulator.base_url
        )
        session.add(channel)
        session.flush()
        return channel.id, handle


def test_an_admin_connects_an_x_channel_through_xs_sign_in(
    page: Page,
    live_server: LiveServer,
    make_account: MakeAccount,
    sign_in_as: SignInAs,
    x_channel: tuple[int, str],
    x_emulator: XEmulator,
) -> None:
    channel_id, handle = x_channel
    sign_in_as(page, make_account(Role.ADMIN, two_factor=True))

    page.goto(f"/admin/channels/{channel_id}/connect/oauth")
    expect(page).to_have_title(page_title(f"Connect @{handle}"))
    assert_accessible(page)
    page.get_by_role("button", name="Continue to 127.0.0.1").click()

    # The emulator approves at once and sends the browser back to Gatepost.
    expect(page).to_have_url(f"{live_server.url}/admin/channels/{channel_id}")
    expect(page.locator(".govuk-notification-banner__heading")).to_have_text(
        "Connected as @gatepost"
    )
    expect(page.locator("#connection-status")).to_contain_text("Connected as @gatepost")
    assert_accessible(page)
    assert len(x_emulator.calls_to("oauth2.token")) == 1
    with live_server.database.read_session_factory() as session:
        channel = session.get(Channel, channel_id)
        assert channel is not None
        assert channel.connected_as == "@gatepost"


def test_refusing_on_x_explains_that_nothing_was_saved(
    page: Page,
    live_server: LiveServer,
    make_account: MakeAccount,
    sign_in_as: SignInAs,
    x_channel: tuple[int, str],
    x_emulator: XEmulator,
) -> None:
    channel_id, handle = x_channel
    sign_in_as(page, make_account(Role.ADMIN, two_factor=True))

    x_emulator.approves = False  # the person presses Cancel on X's page
    page.goto(f"/admin/channels/{channel_id}/connect/oauth")
    page.get_by_role("button", name="Continue to 127.0.0.1").click()

    expect(page).to_have_title(page_title(f"@{handle} was not connected"))
    expect(page.get_by_test_id("problem")).to_contain_text("Nothing was saved")
    assert_accessible(page)
    page.get_by_role("link", name=f"Connect @{handle} again").click()
    expect(page).to_have_title(page_title(f"Connect @{handle}"))
    with live_server.database.read_session_factory() as session:
        channel = session.get(Channel, channel_id)
        assert channel is not None
        assert channel.connected_as is None
