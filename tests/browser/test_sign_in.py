"""Signing in and out in a real browser, checked with axe on every page."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from scheduler.models import Role
from tests.browser.conftest import Account
from tests.support.browser import assert_accessible, page_title, screenshot


def test_an_author_signs_in_and_out(
    page: Page,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    author = make_account(Role.AUTHOR, name="Ada Author")
    page.goto("/")
    expect(page).to_have_url("/sign-in?next=%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)
    screenshot(page, "sign-in")

    # govuk-frontend's JavaScript runs under the Content-Security-Policy: its password toggle works.
    page.get_by_label("Password", exact=True).fill("secret words")
    page.get_by_role("button", name="Show password").click()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("type", "text")
    page.get_by_role("button", name="Hide password").click()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("type", "password")

    sign_in_as(page, author)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ada Author")
    expect(page).to_have_title(page_title("Home"))
    navigation = page.get_by_role("navigation", name="Sections")
    expect(navigation.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    assert_accessible(page)
    page.set_viewport_size({"width": 360, "height": 740})  # a phone
    assert_accessible(page)
    page.set_viewport_size({"width": 1024, "height": 768})

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("You have been signed out")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url("/sign-in?next=%2F")


def test_a_wrong_password_is_summarised_and_what_was_typed_kept(
    page: Page, make_account: Callable[..., Account]
) -> None:
    author = make_account(Role.AUTHOR)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(author.email)
    page.get_by_label("Password", exact=True).fill("not my password")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title(page_title("Sign in", error=True))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()  # govuk-frontend moves focus to the summary
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(page.get_by_label("Email address")).to_have_value(author.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.locator("#email-error")).to_have_text(
        "Error: Enter a correct email address and password"
    )
    assert_accessible(page)
    screenshot(page, "sign-in-error")

    summary.get_by_role("link", name="Enter a correct email address and password").click()
    expect(page.get_by_label("Email address")).to_be_focused()


def test_empty_fields_are_each_named_in_the_summary(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    links = page.locator(".govuk-error-summary__list a")
    expect(links).to_have_text(["Enter your email address", "Enter your password"])
    expect(links.nth(1)).to_have_attribute("href", "#password")


def test_five_wrong_passwords_lock_the_account_for_a_while(
    page: Page, make_account: Callable[..., Account]
) -> None:
    author = make_account(Role.AUTHOR)
    page.goto("/sign-in")
    statuses = []
    for attempt in range(5):
        page.get_by_label("Email address").fill(author.email)
        page.get_by_label("Password", exact=True).fill(f"wrong password {attempt}")
        with page.expect_response(lambda response: response.request.method == "POST") as posted:
            page.get_by_role("button", name="Sign in").click()
        statuses.append(posted.value.status)
    assert statuses == [200, 200, 200, 200, 429]
    expect(page.locator("#email-error")).to_contain_text("Too many attempts; try again after ")
    assert_accessible(page)

    # Even the right password is refused until the lock ends.
    page.get_by_label("Password", exact=True).fill(author.password)
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Sign in").click()
    assert posted.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
