"""Two-factor authentication in a real browser: forced enrolment, codes, recovery codes."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyotp
from playwright.sync_api import Page, expect

from scheduler.models import Role
from tests.browser.conftest import Account
from tests.support.browser import assert_accessible, page_title, screenshot


def test_an_approver_must_set_up_an_app_before_going_anywhere(
    page: Page,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    approver = make_account(Role.APPROVER, name="Owen Officer")
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(approver.email)
    page.get_by_label("Password", exact=True).fill(approver.password)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url("/sign-in/set-up-two-factor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("navigation", name="Sections")).to_have_count(0)  # not signed in
    qr_code = page.get_by_role("img", name="QR code for adding Gatepost to an authenticator app")
    expect(qr_code).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    assert_accessible(page)
    screenshot(page, "two-factor-set-up")

    # The password alone does not sign anyone in.
    page.goto("/")
    expect(page).to_have_url("/sign-in?next=%2F")
    page.goto("/sign-in/set-up-two-factor")

    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page).to_have_title(page_title("Set up two-factor authentication", error=True))
    assert_accessible(page)

    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    expect(codes.first).to_have_text(re.compile(r"^[a-z2-9]{4}(-[a-z2-9]{4}){3}$"))
    assert_accessible(page)
    screenshot(page, "two-factor-recovery-codes")

    page.get_by_role("link", name="I have saved my codes: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Owen Officer")

    # Next time, the password is followed by a code from the app.
    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in_as(page, approver)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Owen Officer")


def test_signing_in_with_a_code_from_the_app(
    page: Page,
    make_account: Callable[..., Account],
    current_code: Callable[[Account], str],
) -> None:
    admin = make_account(Role.ADMIN, two_factor=True, name="Lowri Lead")
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url("/sign-in/two-factor")
    assert_accessible(page)
    screenshot(page, "two-factor-code")

    page.get_by_label("Code from your authenticator app").fill("123 45")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#code-error")).to_have_text(
        "Error: Enter the current 6-digit code from your authenticator app"
    )
    page.get_by_label("Code from your authenticator app").fill(current_code(admin))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Lowri Lead")


def test_signing_in_with_a_recovery_code_spends_it(
    page: Page, make_account: Callable[..., Account]
) -> None:
    approver = make_account(Role.APPROVER, two_factor=True)

    def sign_in_with_recovery_code(code: str) -> None:
        page.goto("/sign-in")
        page.get_by_label("Email address").fill(approver.email)
        page.get_by_label("Password", exact=True).fill(approver.password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="use a recovery code").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Use a recovery code")
        page.get_by_label("Recovery code").fill(code)
        page.get_by_role("button", name="Continue").click()

    sign_in_with_recovery_code(approver.recovery_codes[0].upper())
    expect(page).to_have_url("/account")
    expect(page.get_by_text("You have 9 recovery codes left")).to_be_visible()
    expect(page.locator("#recovery-codes-left")).to_have_text("9 of 10 unused")
    assert_accessible(page)

    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in_with_recovery_code(approver.recovery_codes[0])
    expect(page.locator("#code-error")).to_contain_text("Enter one of your unused recovery codes")
    assert_accessible(page)
