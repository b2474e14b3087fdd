"""The account page in a real browser: password, 2FA on and off, codes, signing out everywhere."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import pyotp
from playwright.sync_api import Browser, Page, expect

from scheduler.models import Role
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import assert_accessible, page_title, screenshot


def test_an_author_changes_their_password(
    page: Page,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    author = make_account(Role.AUTHOR, name="Ada Author")
    sign_in_as(page, author)
    page.get_by_role("link", name=re.compile("your account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator("#two-factor-status")).to_have_text("Off")
    assert_accessible(page)
    screenshot(page, "account")

    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Confirm new password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_title(page_title("Change your password", error=True))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Your current password is not correct"
    )
    assert_accessible(page)

    page.get_by_label("Current password").fill(author.password)
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Confirm new password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url("/account")
    expect(page.get_by_text("Your password has been changed")).to_be_visible()

    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in_as(page, dataclasses.replace(author, password="a brand new passphrase"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ada Author")


def test_an_author_turns_two_factor_on_and_off(
    page: Page,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    author = make_account(Role.AUTHOR)
    sign_in_as(page, author)
    page.goto("/account")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved my codes: continue").click()
    expect(page.locator("#two-factor-status")).to_contain_text("On since")

    page.get_by_role("link", name="Turn off two-factor authentication").click()
    assert_accessible(page)
    page.get_by_label("Current password").fill(author.password)
    page.get_by_role("button", name="Turn off two-factor authentication").click()
    expect(page.get_by_text("Two-factor authentication is off")).to_be_visible()
    expect(page.locator("#two-factor-status")).to_have_text("Off")


def test_an_approver_can_replace_but_not_turn_off_their_app(
    page: Page,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    approver = make_account(Role.APPROVER, two_factor=True)
    sign_in_as(page, approver)
    page.goto("/account")
    expect(page.get_by_role("link", name="Turn off two-factor authentication")).to_have_count(0)
    expect(page.locator("#recovery-codes-left")).to_have_text("10 of 10 unused")

    page.get_by_role("link", name="Create new codes").click()
    page.get_by_label("Current password").fill(approver.password)
    page.get_by_role("button", name="Create new codes").click()
    # all_inner_texts() does not wait for the next page: wait for its list first.
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    new_codes = page.locator("#recovery-codes li").all_inner_texts()
    assert not set(new_codes) & set(approver.recovery_codes)
    page.get_by_role("link", name="I have saved my codes: continue").click()

    page.get_by_role("link", name="Use a new app for two-factor authentication").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up a new authenticator app")
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator("#current_password-error")).to_have_text(
        "Error: Enter your current password"
    )
    assert_accessible(page)
    page.get_by_label("Current password").fill(approver.password)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)

    page.goto("/account/two-factor/turn-off")
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    expect(page.get_by_text("Approvers and admins must use two-factor")).to_be_visible()


def test_signing_out_everywhere_ends_the_other_devices_session(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    author = make_account(Role.AUTHOR)
    other_device = browser.new_context(base_url=live_server.url)
    try:
        other_page = other_device.new_page()
        sign_in_as(other_page, author)
        sign_in_as(page, author)
        page.goto("/account")
        page.get_by_role("button", name="Sign out everywhere").click()
        expect(page.get_by_text("You have been signed out on every device")).to_be_visible()
        other_page.goto("/account")
        expect(other_page).to_have_url("/sign-in?next=%2Faccount")
    finally:
        other_device.close()
