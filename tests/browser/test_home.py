"""The home page in a real browser: what waits for an approver and an author, each item's next
action followed, checked with axe and at 320 px wide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import Page, expect

from config import load_settings
from scheduler.clearance import create_thread, request_changes, submit
from scheduler.models import AccessRole, PostState, Role, User, utcnow
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import (
    assert_accessible,
    assert_no_sideways_scroll,
    page_title,
    screenshot,
)
from tests.support.factories import Factory


def test_an_approver_and_an_author_see_what_waits_and_follow_the_next_action(
    page: Page,
    live_server: LiveServer,
    make_account: Callable[..., Account],
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    approver_account = make_account(Role.APPROVER, two_factor=True)
    author_account = make_account(Role.AUTHOR)
    settings = load_settings({}, overrides={"database_url": live_server.database.url})
    with live_server.database.unit_of_work() as session:
        make = Factory(session, settings, now=utcnow())
        channel = make.channel("HomeDesk")
        approver = session.get(User, approver_account.id)
        author = session.get(User, author_account.id)
        assert approver is not None
        assert author is not None
        make.grant(approver, [channel], AccessRole.APPROVER)
        make.grant(author, [channel], AccessRole.AUTHOR)
        release = make.release(
            embargo_at=make.now + timedelta(hours=3), access=[author], title="Labour market"
        )
        thread = create_thread(
            session,
            channel=channel,
            texts=[f"Part {number}: https://example.gov.uk/figures" for number in range(8)],
            by=author,
            settings=settings,
            now=make.now,
            release=release,
        )
        submit(session, thread.posts[0], by=author, settings=settings, now=make.now)
        # A long word: the page must still not scroll sideways at 320 px.
        long_text = f"See https://example.gov.uk/{'x' * 80}"
        sent_back = make.move(make.post(channel, author, text=long_text), PostState.IN_REVIEW)
        request_changes(
            session,
            sent_back,
            comment="Say which quarter",
            by=approver,
            settings=settings,
            now=make.now,
        )
        make.post(channel, author, text="A draft about the census")
        failed = make.post(channel, author, send_at=make.now + timedelta(days=1))
        make.move(failed, PostState.FAILED, approvers=[approver])
        lead_id, sent_back_id = thread.posts[0].id, sent_back.id

    sign_in_as(page, approver_account)
    page.goto("/")
    expect(page).to_have_title(page_title("Home"))
    to_clear = page.locator("section", has=page.get_by_role("heading", name="To clear"))
    expect(to_clear.get_by_role("listitem")).to_have_count(1)
    expect(to_clear).to_contain_text("8 posts cleared together")
    # Not on the release's list: the approver sees the embargo, not the text.
    expect(to_clear).to_contain_text("Embargoed until")
    expect(to_clear).not_to_contain_text("example.gov.uk")
    expect(to_clear).to_contain_text("You cannot clear these posts yet")
    troubles = page.locator(
        "section", has=page.get_by_role("heading", name="Failed, unknown, missed or held")
    )
    expect(troubles).to_contain_text("The platform refused the post")
    assert_accessible(page)
    screenshot(page, "home")
    assert_no_sideways_scroll(page)
    to_clear.get_by_role("link", name="See who wrote it and when it goes").click()
    expect(page).to_have_url(f"{live_server.url}/posts/{lead_id}")

    page.context.clear_cookies()
    sign_in_as(page, author_account)
    page.goto("/")
    expect(page.get_by_role("heading", name="To clear")).to_have_count(0)
    expect(page.get_by_text("Say which quarter")).to_be_visible()
    expect(page.get_by_text("A draft about the census")).to_be_visible()
    expect(page.get_by_role("heading", name="Labour market", exact=True)).to_be_visible()
    expect(page.get_by_text("0 of 8 posts cleared")).to_be_visible()
    expect(page.get_by_role("link", name="Import a release-day thread from a file")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="Make the changes and submit again").click()
    expect(page).to_have_url(f"{live_server.url}/posts/{sent_back_id}")
