"""Clearing in seconds in a browser: what changed, the conversation, @mentions, warnings, 320 px."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from config import Settings, load_settings
from scheduler.clearance import edit_post, request_changes, submit
from scheduler.models import AccessRole, Channel, Post, PostState, User
from scheduler.notifications.operations import notify_from_audit
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import (
    assert_accessible,
    assert_no_sideways_scroll,
    page_title,
    screenshot,
)
from tests.support.factories import Factory

SignInAs = Callable[[Page, Account], None]


@dataclass(frozen=True)
class Scene:
    """A post sent back, edited and submitted again, and the people around it."""

    post_id: int
    handle: str
    author: Account
    approver: Account
    colleague: Account
    colleague_mention: str
    settings: Settings


def in_days(days: int, hour: int) -> datetime:
    """Return a weekday instant some days ahead at the hour (UTC), inside office hours."""
    day = datetime.now(UTC) + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


@pytest.fixture
def scene(live_server: LiveServer, make_account: Callable[..., Account], tmp_path: Path) -> Scene:
    """Set up a post that was sent back, then edited (text and time) and submitted again."""
    settings = load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path / "instance"),
            "database_url": live_server.database.url,
            "secret_key": "browser-test-secret-key-long-enough",
        },
    )
    author = make_account("author", name="Alex Author")
    approver = make_account("approver", two_factor=True, name="Alma Approver")
    colleague = make_account("approver", two_factor=True, name="Cai Colleague")
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, settings, now=datetime.now(UTC))
        channel = factory.channel(f"ons_{uuid.uuid4().hex[:8]}")
        people = {
            account.id: session.get(User, account.id) for account in (author, approver, colleague)
        }
        factory.grant(people[author.id], [channel], AccessRole.AUTHOR)  # type: ignore[arg-type]
        for account in (approver, colleague):
            factory.grant(people[account.id], [channel], AccessRole.APPROVER)  # type: ignore[arg-type]
        writer, checker = people[author.id], people[approver.id]
        assert writer is not None
        assert checker is not None
        send_at = in_days(3, 10)
        post = factory.post(
            channel, writer, text="Unemployment fell to 4% in the quarter", send_at=send_at
        )
        factory.move(post, PostState.IN_REVIEW)
        request_changes(session, post, by=checker, comment="Give the exact rate", settings=settings)
        edit_post(
            session,
            post,
            by=writer,
            settings=settings,
            text="Unemployment fell to 4.1% in the quarter to October",
            send_at=send_at + timedelta(hours=1),
        )
        submit(session, post, by=writer, settings=settings)
        return Scene(
            post_id=post.id,
            handle=channel.handle,
            author=author,
            approver=approver,
            colleague=colleague,
            colleague_mention=colleague.email.partition("@")[0],
            settings=settings,
        )


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def deliver_notifications(live_server: LiveServer) -> None:
    """Make the notifications from the audit trail, as the worker's notification job does."""
    with live_server.database.unit_of_work() as session:
        notify_from_audit(session)


def test_an_approver_sees_what_changed_talks_with_the_author_and_mentions_a_colleague(
    page: Page, live_server: LiveServer, scene: Scene, sign_in_as: SignInAs
) -> None:
    sign_in_as(page, scene.approver)

    # The inbox shows the diff: the old figure struck through, the new words added.
    page.goto("/inbox")
    expect(page).to_have_title(page_title("Inbox"))
    changes = page.get_by_test_id(f"inbox-changes-{scene.post_id}")
    expect(changes.locator("del").first).to_contain_text("4%")
    expect(changes.locator("ins").first).to_contain_text("4.1%")
    expect(changes).to_contain_text("Send time")
    # Screen readers hear the change, not only see a colour.
    expect(changes.locator("ins").first).to_contain_text("added:")
    assert_accessible(page)
    screenshot(page, "inbox-changes")
    assert_no_sideways_scroll(page)

    # The post page shows the same, and the approver asks the author and a colleague.
    page.get_by_role("link", name=f"Post {scene.post_id}").first.click()
    expect(page).to_have_title(page_title(f"Post {scene.post_id}"))
    expect(page.get_by_test_id("changes")).to_contain_text("What changed since it was sent back")
    expect(page.get_by_test_id("changes").locator("del").first).to_contain_text("4%")
    page.get_by_label("Add a comment").fill(
        f"@{scene.colleague_mention} can you check 4.1% against the bulletin?"
    )
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Cai Colleague will be told you mentioned them")).to_be_visible()
    conversation = page.get_by_test_id("conversation")
    expect(conversation).to_contain_text("Give the exact rate")
    expect(conversation).to_contain_text("can you check 4.1% against the bulletin?")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    sign_out(page)

    # The colleague reads the mention in their notifications and follows it to the post.
    deliver_notifications(live_server)
    sign_in_as(page, scene.colleague)
    page.goto("/notifications")
    mention = page.get_by_role(
        "link",
        name=f"Post {scene.post_id} on @{scene.handle} has a comment mentioning you by "
        "Alma Approver",
        exact=True,
    )
    expect(mention).to_be_visible()
    expect(page.get_by_text("Mentioned", exact=True)).to_be_visible()
    mention.click()
    expect(page.get_by_test_id("conversation")).to_contain_text("against the bulletin")
    sign_out(page)

    # The author answers; the approver sends it back, and the author sees why at the top.
    sign_in_as(page, scene.author)
    page.goto(f"/posts/{scene.post_id}")
    expect(page.get_by_test_id("sent-back")).to_have_count(0)  # submitted again since
    page.get_by_label("Add a comment").fill("4.1% is the published rate")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_test_id("conversation")).to_contain_text("4.1% is the published rate")
    sign_out(page)

    sign_in_as(page, scene.approver)
    page.goto(f"/posts/{scene.post_id}")
    page.get_by_label("Comment", exact=True).fill("Name the month, not the quarter")
    page.get_by_role("button", name="Request changes").click()
    sign_out(page)

    sign_in_as(page, scene.author)
    page.goto(f"/posts/{scene.post_id}")
    banner = page.get_by_test_id("sent-back")
    expect(banner).to_contain_text("Sent back for changes")
    expect(banner).to_contain_text("Name the month, not the quarter")
    expect(banner).to_contain_text("Alma Approver")
    # The banner comes before the text, at the top of the page.
    banner_top = banner.bounding_box()
    text_top = page.get_by_test_id("post-text").bounding_box()
    assert banner_top is not None
    assert text_top is not None
    assert banner_top["y"] < text_top["y"]
    assert_accessible(page)
    screenshot(page, "post-sent-back")
    assert_no_sideways_scroll(page)


def test_an_approver_is_warned_before_approving_a_post_the_window_will_hold(
    page: Page, live_server: LiveServer, scene: Scene, sign_in_as: SignInAs
) -> None:
    with live_server.database.unit_of_work() as session:
        post = session.get(Post, scene.post_id)
        author = session.get(User, scene.author.id)
        assert post is not None
        assert author is not None
        evening = in_days(3, 19)
        edit_post(session, post, by=author, settings=scene.settings, send_at=evening)
        submit(session, post, by=author, settings=scene.settings)
    sign_in_as(page, scene.approver)

    page.goto("/inbox")
    warning = page.get_by_test_id(f"approval-warning-{scene.post_id}")
    expect(warning).to_contain_text("If you approve it, it will be held until")
    expect(warning).to_contain_text("After office hours")
    page.goto(f"/posts/{scene.post_id}")
    expect(page.get_by_test_id("approval-warning")).to_contain_text("09:00")
    assert_accessible(page)
    assert_no_sideways_scroll(page)


@pytest.fixture
def long_post(live_server: LiveServer, scene: Scene) -> int:
    """Give the scene's post an unbroken long link and a long comment, the widest content."""
    with live_server.database.unit_of_work() as session:
        post = session.get(Post, scene.post_id)
        author = session.get(User, scene.author.id)
        channel = session.scalars(select(Channel).where(Channel.handle == scene.handle)).one()
        assert post is not None
        assert author is not None
        assert channel is not None
        edit_post(
            session,
            post,
            by=author,
            settings=scene.settings,
            text="Read it at https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork/"
            "employmentandemployeetypes/bulletins/uklabourmarket/october2027",
        )
    return scene.post_id


def test_the_post_page_does_not_scroll_sideways_at_320_px(
    page: Page, scene: Scene, long_post: int, sign_in_as: SignInAs
) -> None:
    sign_in_as(page, scene.author)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/posts/{long_post}")
    expect(page.get_by_test_id("changes")).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)
