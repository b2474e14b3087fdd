"""The audit trail page and the queue's date filter in a real browser, checked with axe."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from config import load_settings
from scheduler.clearance import request_changes, submit
from scheduler.models import PostState, Role, User
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import assert_accessible, page_title, screenshot
from tests.support.factories import NOW, Factory


def _seed(live_server: LiveServer, owner: Account) -> str:
    """Commit the owner's channel, a post sent back and an embargoed one; name the approver."""
    settings = load_settings({}, overrides={"database_url": live_server.database.url})
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, settings)
        person = session.get(User, owner.id)
        assert person is not None
        channel = factory.channel(f"AuditStats{owner.id}", owner=person)
        author = factory.author(channel)
        approver = factory.approver(channel)
        post = factory.post(channel, author, text="Retail sales rose in February")
        submit(session, post, by=author, settings=settings, now=NOW)
        request_changes(
            session, post, comment="Give the percentage", by=approver, settings=settings, now=NOW
        )
        release = factory.release(access=[author, approver], title="Labour market 4.4%")
        embargoed = factory.post(channel, author, text="Unemployment 4.4%", release=release)
        factory.move(embargoed, PostState.IN_REVIEW)
        request_changes(
            session, embargoed, comment="Say 4.4% once", by=approver, settings=settings, now=NOW
        )
        return f"{approver.display_name} ({approver.email})"


def test_a_channel_owner_reads_and_filters_the_audit_trail(
    page: Page,
    live_server: LiveServer,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    owner = make_account(Role.APPROVER, two_factor=True)
    approver_choice = _seed(live_server, owner)
    sign_in_as(page, owner)

    page.goto("/audit")
    expect(page).to_have_title(page_title("Audit trail"))
    table = page.get_by_role("table", name="Events, newest first")
    expect(table).to_contain_text("Sent back: In review to draft")
    expect(table).to_contain_text("Give the percentage")
    expect(table).to_contain_text("Withheld until the embargo at")
    expect(table).not_to_contain_text("4.4")
    assert_accessible(page)
    screenshot(page, "audit-trail")

    page.get_by_label("Person").select_option(label=approver_choice)
    page.get_by_role("button", name="Filter").click()
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two sent back
    expect(page.get_by_role("link", name=re.compile("^CSV"))).to_have_attribute(
        "href", re.compile("person=")
    )

    page.get_by_role("group", name="From (inclusive)").get_by_label("Day").fill("31")
    page.get_by_role("group", name="From (inclusive)").get_by_label("Month").fill("2")
    page.get_by_role("group", name="From (inclusive)").get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_title(page_title("Audit trail", error=True))
    page.get_by_role("link", name="From (inclusive) must be a real date").click()
    expect(page.get_by_role("group", name="From (inclusive)").get_by_label("Day")).to_be_focused()
    assert_accessible(page)

    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/audit")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_the_queue_date_filter_is_day_month_year_boxes(
    page: Page,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    sign_in_as(page, make_account(Role.ADMIN, two_factor=True))

    page.goto("/queue")
    assert page.locator('input[type="date"]').count() == 0
    from_date = page.get_by_role("group", name="Send date from")
    from_date.get_by_label("Day").fill("18")
    from_date.get_by_label("Month").fill("3")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_title(page_title("Queue", error=True))
    page.get_by_role("link", name="Send date from must include a year").click()
    expect(from_date.get_by_label("Year")).to_be_focused()
    expect(from_date.get_by_label("Day")).to_have_value("18")
    assert_accessible(page)
    from_date.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_title(page_title("Queue"))
    expect(from_date.get_by_label("Year")).to_have_value("2027")
    assert "from-day=18" in page.url
