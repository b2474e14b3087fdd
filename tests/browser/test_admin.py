"""The admin pages in a real browser: people, a channel's access list, releases, quiet periods."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import time, timedelta

from playwright.sync_api import Page, expect

from config.settings import load_settings
from scheduler.access.rules import read_text
from scheduler.core.local_time import at_local
from scheduler.models import AccessRole, PostState, Role, utcnow
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import assert_accessible, page_title, screenshot
from tests.support.factories import Factory

MakeAccount = Callable[..., Account]
SignInAs = Callable[[Page, Account], None]


def unique(word: str) -> str:
    return f"{word}{uuid.uuid4().hex[:6]}"


def test_an_admin_adds_a_person_and_makes_them_an_approver(
    page: Page, make_account: MakeAccount, sign_in_as: SignInAs
) -> None:
    admin = make_account(Role.ADMIN, two_factor=True, name="Alys Admin")
    make_account(Role.AUTHOR, name="Ben Author")
    sign_in_as(page, admin)
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page).to_have_title(page_title("Admin"))
    assert_accessible(page)
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    assert_accessible(page)
    screenshot(page, "admin-users")

    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Full name").fill("Nia Jones")
    page.get_by_label("Email address").fill("nia at example")
    page.get_by_label("First password").fill("a long first passphrase")
    page.get_by_label("Author").check()
    page.get_by_role("button", name="Add person").click()
    expect(page).to_have_title(page_title("Add a person", error=True))
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not an e-mail address")
    expect(page.get_by_label("Full name")).to_have_value("Nia Jones")
    assert_accessible(page)

    email = f"{unique('nia')}@example.gov.uk"
    page.get_by_label("Email address").fill(email)
    page.get_by_label("First password").fill("a long first passphrase")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text(f"{email} can now sign in as author")).to_be_visible()
    page.get_by_label("Approver").check()
    page.get_by_role("button", name="Change role").click()
    expect(page.get_by_text("they must set up two-factor authentication")).to_be_visible()
    expect(page.locator("#two-factor")).to_contain_text("Not set up yet")
    assert_accessible(page)


def test_an_admin_adds_a_channel_and_its_access_list(
    page: Page, make_account: MakeAccount, sign_in_as: SignInAs
) -> None:
    admin = make_account(Role.ADMIN, two_factor=True)
    approver = make_account(Role.APPROVER, two_factor=True, name="Carys Approver")
    author = make_account(Role.AUTHOR, name="Dylan Author")
    handle = unique("StatsWales")
    sign_in_as(page, admin)
    page.goto("/admin/channels")
    assert_accessible(page)
    page.get_by_role("link", name="Add a channel").click()
    page.get_by_label("mock").check()
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Display name").fill("Welsh Government statistics")
    page.get_by_label("Approvals needed before a post can be scheduled").fill("2")
    page.get_by_role("button", name="Add channel").click()
    expect(page.get_by_text(f"Channel @{handle} added")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Who may write and clear on @{handle}").click()
    for person, access in ((author, "Author"), (approver, "Approver")):
        page.get_by_label("Email address").fill(person.email)
        page.get_by_label(access, exact=True).check()
        page.get_by_role("button", name="Add to access list").click()
        expect(page.get_by_text(f"{person.email} is now {access.lower()}")).to_be_visible()
    expect(page.locator("#access-list tbody tr")).to_have_count(2)
    assert_accessible(page)
    screenshot(page, "admin-channel-access")

    page.get_by_label("Email address").fill(author.email)
    page.get_by_label("Approver", exact=True).check()
    page.get_by_role("button", name="Add to access list").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("only approvers and admins")
    assert_accessible(page)

    page.get_by_role("button", name=f"Remove {author.email} as author").click()
    expect(page.locator("#access-list tbody tr")).to_have_count(1)


def test_an_admin_moves_an_embargo_and_sees_which_posts_moved(
    page: Page, live_server: LiveServer, make_account: MakeAccount, sign_in_as: SignInAs
) -> None:
    admin = make_account(Role.ADMIN, two_factor=True)
    settings = load_settings({})
    zone = settings.timezone
    day = (utcnow() + timedelta(days=20)).astimezone(zone).date()
    embargo_at = at_local(day, time(9, 30), zone)
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, settings, now=utcnow())
        channel = factory.channel(unique("ONS"))
        writer = factory.grant(
            factory.user(Role.AUTHOR, email=f"{unique('w')}@example.gov.uk"),
            [channel],
            AccessRole.AUTHOR,
        )
        clearer = factory.grant(
            factory.user(Role.APPROVER, email=f"{unique('c')}@example.gov.uk"),
            [channel],
            AccessRole.APPROVER,
        )
        release = factory.release(
            title="Labour market overview, UK", embargo_at=embargo_at, access=[writer, clearer]
        )
        post = factory.post(channel, writer, release=release, send_at=embargo_at)
        factory.move(post, PostState.SCHEDULED, approvers=[clearer])
        read_text(session, post, reader=clearer, now=utcnow())
        release_id, post_id, handle = release.id, post.id, channel.handle

    sign_in_as(page, admin)
    page.goto("/admin/releases")
    assert_accessible(page)
    page.get_by_role("link", name="Labour market overview, UK").first.click()
    expect(page.locator("#embargo")).to_contain_text("09:30")
    page.locator("#embargo_time-hour").fill("10")
    page.get_by_role("button", name="Move embargo").click()
    expect(
        page.get_by_text(f"1 post moved with it to that time: post {post_id} on @{handle}")
    ).to_be_visible()
    expect(page.locator("#embargo")).to_contain_text("10:30")
    expect(page.locator("#release-posts")).to_contain_text("10:30")
    expect(page.locator("#embargo-viewings")).to_contain_text(f"Post {post_id}")
    assert_accessible(page)
    screenshot(page, "admin-release")
    assert page.url.endswith(f"/admin/releases/{release_id}")


def test_an_admin_is_asked_which_time_when_the_clocks_go_back(
    page: Page, make_account: MakeAccount, sign_in_as: SignInAs
) -> None:
    admin = make_account(Role.ADMIN, two_factor=True)
    sign_in_as(page, admin)
    page.goto("/admin/releases/new")
    page.get_by_label("Title").fill("Population estimates")
    page.locator("#embargo_date-day").fill("31")
    page.locator("#embargo_date-month").fill("10")
    page.locator("#embargo_date-year").fill("2027")
    page.locator("#embargo_time-hour").fill("01")
    page.locator("#embargo_time-minute").fill("30")
    page.get_by_role("button", name="Add release").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("happens twice")
    assert_accessible(page)
    page.get_by_label("The second time (after the clocks go back)").check()
    page.get_by_role("button", name="Add release").click()
    expect(
        page.get_by_text(re.compile("embargoed until Sun 31 Oct 2027 01:30 GMT"))
    ).to_be_visible()


def test_an_admin_adds_and_cancels_a_quiet_period(
    page: Page, make_account: MakeAccount, sign_in_as: SignInAs
) -> None:
    admin = make_account(Role.ADMIN, two_factor=True)
    name = unique("Pre-election period ")
    sign_in_as(page, admin)
    page.goto("/admin/quiet-periods")
    assert_accessible(page)
    page.get_by_label("Name").fill(name)
    for prefix, (day, month, hour) in (("starts", ("1", "4", "00")), ("ends", ("7", "5", "22"))):
        page.locator(f"#{prefix}_date-day").fill(day)
        page.locator(f"#{prefix}_date-month").fill(month)
        page.locator(f"#{prefix}_date-year").fill("2030")
        page.locator(f"#{prefix}_time-hour").fill(hour)
        page.locator(f"#{prefix}_time-minute").fill("00")
    page.get_by_label("Reason").fill("Local elections")
    page.get_by_role("button", name="Add quiet period").click()
    expect(page.get_by_text(f"Quiet period “{name}” added")).to_be_visible()
    row = page.locator("#quiet-periods tr", has_text=name)
    expect(row).to_contain_text("Mon 1 Apr 2030 00:00 BST")
    assert_accessible(page)
    page.get_by_role("button", name=f"Cancel {name}").click()
    expect(page.get_by_text(f"Quiet period “{name}” cancelled")).to_be_visible()
    expect(page.locator("#quiet-periods tr", has_text=name)).to_contain_text("Cancelled")
