"""API tokens on the account page in a real browser: created, shown once, revoked."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from scheduler.models import Role
from tests.browser.conftest import Account
from tests.support.browser import assert_accessible, page_title


def test_an_author_creates_a_token_sees_it_once_and_revokes_it(
    page: Page,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
    current_code: Callable[[Account], str],
) -> None:
    author = make_account(Role.AUTHOR, two_factor=True)
    sign_in_as(page, author)
    page.goto("/account")
    page.get_by_role("link", name="Manage your API tokens").click()
    expect(page).to_have_title(page_title("API tokens"))
    assert_accessible(page)

    page.get_by_role("link", name="Create a token").click()
    expect(page.get_by_label("Approve and schedule posts")).to_have_count(0)
    page.get_by_label("Name").fill("Release-day script")
    page.get_by_label("Create and edit drafts, and submit them").check()
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a current code")
    expect(page.get_by_label("Name")).to_have_value("Release-day script")
    assert_accessible(page)

    page.get_by_label("Code from your authenticator app").fill(current_code(author))
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Token created")
    secret = page.get_by_label("Your token").input_value()
    assert re.fullmatch(r"gp_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", secret)
    expect(page.get_by_text("You will not be able to see it again")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="I have copied it").click()
    row = page.locator("tr", has_text="Release-day script")
    expect(row).to_contain_text("Active")
    expect(page.locator("body")).not_to_contain_text(secret)
    page.reload()
    expect(page.locator("body")).not_to_contain_text(secret)

    row.get_by_role("button", name="Revoke Release-day script").click()
    expect(page.get_by_text("is revoked and no longer works")).to_be_visible()
    expect(page.locator("tr", has_text="Release-day script")).to_contain_text("Revoked")
    assert_accessible(page)
