"""Importing a release-day thread from a file, in a real browser, checked with axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from config import load_settings
from scheduler.models import AccessRole, User
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshot
from tests.support.factories import Factory


def test_a_thread_file_is_checked_row_by_row_then_imported(
    page: Page,
    live_server: LiveServer,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
    tmp_path: Path,
) -> None:
    author = make_account()
    settings = load_settings({}, overrides={"database_url": live_server.database.url})
    with live_server.database.unit_of_work() as session:
        channel = Factory(session, settings).channel("ImportDesk")
        writer = session.get(User, author.id)
        assert writer is not None
        Factory(session, settings).grant(writer, [channel], AccessRole.AUTHOR)
        handle = channel.handle
    sign_in_as(page, author)

    bad = tmp_path / "bad.csv"
    bad.write_text("position,text\n1,Unemployment fell to 4.1%\n2,\n")
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Import").click()
    expect(page).to_have_url(f"{live_server.url}/imports/thread")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_label("Channel").select_option(value=handle)
    page.get_by_label("Upload a file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file only").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Row 2")
    assert_accessible(page)

    good = tmp_path / "good.csv"
    good.write_text("position,text\n1,Unemployment fell to 4.1%\n2,Employment rose to 75.5%\n")
    page.get_by_label("Channel").select_option(value=handle)
    page.get_by_label("Upload a file").set_input_files(str(good))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".govuk-panel")).to_contain_text("2")
    assert_accessible(page)


def test_a_checked_file_is_imported_without_choosing_it_again_and_submitted(
    page: Page,
    live_server: LiveServer,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
    tmp_path: Path,
) -> None:
    author = make_account()
    settings = load_settings({}, overrides={"database_url": live_server.database.url})
    with live_server.database.unit_of_work() as session:
        make = Factory(session, settings)
        welsh = make.channel("ImportCymru", language="cy")
        channel = make.channel("ImportTwin", twin=welsh, requires_twin=True)
        writer = session.get(User, author.id)
        assert writer is not None
        make.grant(writer, [channel, welsh], AccessRole.AUTHOR)
        handle = channel.handle
    sign_in_as(page, author)
    good = tmp_path / "labour.csv"
    good.write_text(
        "position,text,twin_text\n1,Unemployment fell to 4.1%,Diweithdra 4.1%\n"
        "2,Employment rose to 75.5%,Cyflogaeth 75.5%\n"
    )

    page.goto(f"{live_server.url}/imports/thread")
    page.get_by_label("Channel").select_option(value=handle)
    page.get_by_label("Upload a file").set_input_files(str(good))
    page.get_by_role("button", name="Check the file only").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("Checked 2 of 2 rows of labour.csv")
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    # No file chosen again: the one checked is imported.
    page.get_by_role("button", name="Import this file").click()
    expect(page.locator(".govuk-panel")).to_contain_text("2 posts on @ImportTwin")
    assert_accessible(page)
    screenshot(page, "import-result")
    assert_no_sideways_scroll(page)
    links = page.locator("main ul.govuk-list--bullet a")
    expect(links).to_have_count(4)

    page.get_by_role("button", name="Submit the thread for clearance").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Submitted for clearance")
    expect(page.locator("main")).to_contain_text("In review")
