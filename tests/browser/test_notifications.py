"""Grouped notifications and the e-mail choice in a real browser: axe, and no sideways scroll."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from config import Settings, load_settings
from scheduler.clearance import submit
from scheduler.clearance.threads import create_thread
from scheduler.models import AccessRole, PostState, Role, User
from scheduler.notifications.operations import notify_from_audit
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import (
    assert_accessible,
    assert_no_sideways_scroll,
    page_title,
    screenshot,
)
from tests.support.factories import NOW, Factory

RUNS = itertools.count(1)


@pytest.fixture(scope="module")
def factory_settings(live_server: LiveServer) -> Settings:
    return load_settings({}, overrides={"database_url": live_server.database.url})


def labour_market_day(
    live_server: LiveServer, settings: Settings, author: Account, approver: Account
) -> str:
    """Commit a thread of 8 with Welsh twins and a post, both sent for clearance; say its handle."""
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, settings)
        number = next(RUNS)
        welsh = factory.channel(f"ystadegau{number}", language="cy")
        english = factory.channel(f"statistics{number}", twin=welsh, requires_twin=True)
        writer, officer = session.get(User, author.id), session.get(User, approver.id)
        assert writer is not None
        assert officer is not None
        factory.grant(writer, [english, welsh], AccessRole.AUTHOR)
        factory.grant(officer, [english, welsh], AccessRole.APPROVER)
        thread = create_thread(
            session, channel=english, texts=[f"Labour market post {n}" for n in range(1, 9)],
            twin_texts=[f"Marchnad lafur {n}" for n in range(1, 9)], by=writer,
            settings=settings, title="Labour market, December", now=NOW,
        )  # fmt: skip
        submit(session, thread.posts[0], by=writer, settings=settings, now=NOW)
        factory.move(factory.post(english, writer, twin_text="Gwerthiant"), PostState.IN_REVIEW)
        notify_from_audit(session, now=NOW)
        return english.handle


def test_a_thread_of_8_is_one_notification_read_as_a_unit(
    page: Page,
    live_server: LiveServer,
    factory_settings: Settings,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    author, approver = make_account(Role.AUTHOR), make_account(Role.APPROVER, two_factor=True)
    handle = labour_market_day(live_server, factory_settings, author, approver)
    sign_in_as(page, approver)

    page.get_by_role("link", name="Notifications (2 unread)").click()
    expect(page).to_have_title(page_title("Notifications"))
    thread = (
        f"Thread 'Labour market, December' on @{handle} (8 posts and their Welsh twins) "
        "is waiting for your clearance"
    )
    expect(page.get_by_role("link", name=thread, exact=True)).to_be_visible()
    twins = re.compile(
        rf"^Post \d+ on @{handle} with its Welsh twin is waiting for your clearance$"
    )
    expect(page.get_by_role("link", name=twins)).to_be_visible()
    inbox = page.get_by_role("link", name="Clear it in your inbox").filter(has_text=thread)
    expect(inbox).to_have_attribute("href", "/inbox")
    assert_accessible(page)
    screenshot(page, "notifications-grouped")
    assert_no_sideways_scroll(page)

    page.get_by_role("button", name="Mark as read").filter(has_text=thread).click()
    expect(page.get_by_role("link", name="Notifications (1 unread)")).to_be_visible()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("link", name="Notifications (0 unread)")).to_be_visible()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Marked all your notifications as read"
    )
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_choosing_a_daily_digest_on_the_account_page(
    page: Page, make_account: Callable[..., Account], sign_in_as: Callable[[Page, Account], None]
) -> None:
    sign_in_as(page, make_account(Role.AUTHOR))

    page.goto("/account")
    expect(page.locator("#email-choice")).to_have_text("Each notification as it happens")
    page.get_by_role("link", name="Change how notifications are e-mailed").click()
    expect(page).to_have_title(page_title("E-mail notifications"))
    assert_accessible(page)
    screenshot(page, "email-notifications")
    assert_no_sideways_scroll(page)

    page.get_by_label("One daily digest").check()
    page.get_by_label("Hour").fill("")
    page.get_by_label("Minute").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_title(page_title("E-mail notifications", error=True))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the time of your daily digest"
    )
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.get_by_label("Hour").fill("07")
    page.get_by_label("Minute").fill("30")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_title(page_title("Your account"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "E-mail notifications: one daily digest at 07:30"
    )
    expect(page.locator("#email-choice")).to_have_text("One daily digest at 07:30")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
