"""A whole release day in a browser: compose, thread, clear in the inbox, publish at the embargo."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from config import Settings, load_settings
from scheduler.channels.operations import grant_access
from scheduler.core.clock import FixedClock
from scheduler.models import AccessRole, Post, PostState, Role, User
from scheduler.publishing.worker.service import run_once
from scheduler.releases.operations import create_release, grant_release_access
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import assert_accessible, page_title, screenshot
from tests.support.factories import Factory

SignInAs = Callable[[Page, Account], None]
LONDON = "Europe/London"


def next_weekday_embargo() -> datetime:
    """Return 09:30 London time on a weekday at least two days ahead (inside office hours)."""
    day = datetime.now(UTC) + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    from zoneinfo import ZoneInfo

    local = datetime(day.year, day.month, day.day, 9, 30, tzinfo=ZoneInfo(LONDON))
    return local.astimezone(UTC)


def grant(live_server: LiveServer, account: Account, channels: list[int], role: AccessRole) -> None:
    with live_server.database.unit_of_work() as session:
        user = session.get(User, account.id)
        for channel_id in channels:
            from scheduler.models import Channel

            channel = session.get(Channel, channel_id)
            assert user is not None
            assert channel is not None
            grant_access(session, channel=channel, user=user, role=role)


@dataclass(frozen=True)
class ReleaseDay:
    """What the test set up: the worker's settings, the embargo, channels and release."""

    settings: Settings
    embargo: datetime
    english: int
    welsh: int
    release: int
    english_handle: str
    title: str


@pytest.fixture
def release_day(live_server: LiveServer, tmp_path: Path) -> ReleaseDay:
    """Twin channels and a release embargoed to 09:30 on a coming weekday."""
    settings = load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path / "worker"),
            "database_url": live_server.database.url,
            "secret_key": "browser-test-secret-key-long-enough",
        },
    )
    embargo = next_weekday_embargo()
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, settings, now=datetime.now(UTC))
        run = uuid.uuid4().hex[:8]
        welsh = factory.channel(f"cymraeg_{run}", language="cy")
        english = factory.channel(f"english_{run}", twin=welsh, requires_twin=True)
        release = create_release(session, title=f"Labour market {run}", embargo_at=embargo, by=None)
        return ReleaseDay(
            settings=settings,
            embargo=embargo,
            english=english.id,
            welsh=welsh.id,
            release=release.id,
            english_handle=english.handle,
            title=release.title,
        )


def on_release_list(live_server: LiveServer, account: Account, release_id: int) -> None:
    with live_server.database.unit_of_work() as session:
        from scheduler.models import Release

        release = session.get(Release, release_id)
        user = session.get(User, account.id)
        assert release is not None
        assert user is not None
        grant_release_access(session, release=release, user=user, by=None)


def fill_send_time(page: Page, when: datetime) -> None:
    from zoneinfo import ZoneInfo

    local = when.astimezone(ZoneInfo(LONDON))
    page.locator("#send_date-day").fill(str(local.day))
    page.locator("#send_date-month").fill(str(local.month))
    page.locator("#send_date-year").fill(str(local.year))
    page.locator("#send_time-hour").fill(f"{local.hour:02d}")
    page.locator("#send_time-minute").fill(f"{local.minute:02d}")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_a_release_day_from_draft_to_published(
    page: Page,
    live_server: LiveServer,
    make_account: Callable[..., Account],
    sign_in_as: SignInAs,
    release_day: ReleaseDay,
) -> None:
    english, welsh = release_day.english, release_day.welsh
    release_id = release_day.release
    embargo = release_day.embargo
    author = make_account(Role.AUTHOR, name="Sam Statistician")
    approver = make_account(Role.APPROVER, two_factor=True, name="Cath Comms")
    grant(live_server, author, [english, welsh], AccessRole.AUTHOR)
    grant(live_server, approver, [english, welsh], AccessRole.APPROVER)
    on_release_list(live_server, author, release_id)
    on_release_list(live_server, approver, release_id)

    # The author writes a post with its Welsh twin, for the release, at the embargo.
    sign_in_as(page, author)
    page.get_by_role("link", name="Compose").click()
    expect(page).to_have_title(page_title("Compose"))
    page.get_by_label("Channel").select_option(str(english))
    page.get_by_label("Post text").fill("Unemployment fell to 4.1% in the three months to May.")
    expect(page.locator("#text-length")).to_contain_text("of 280 characters")
    page.get_by_label("Twin text").fill("Gostyngodd diweithdra i 4.1% yn y tri mis hyd at fis Mai.")
    page.get_by_label("Release", exact=True).select_option(str(release_id))
    fill_send_time(page, embargo)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Embargoed until")
    expect(page.get_by_label("Post text")).to_have_value(re.compile("Unemployment fell"))
    assert_accessible(page)
    screenshot(page, "compose")
    page.get_by_role("button", name="Submit for clearance").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Submitted for clearance")
    expect(page.get_by_role("heading", level=1)).to_contain_text("In review")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert_accessible(page)
    post_url = page.url

    # And a release-day thread, reordered with the buttons.
    page.goto("/compose/thread")
    expect(page).to_have_title(page_title("Build a thread"))
    page.get_by_label("Channel").select_option(str(english))
    page.get_by_label("Release", exact=True).select_option(str(release_id))
    fill_send_time(page, embargo)
    page.get_by_label("Text of post 1").fill("Then the detail: wages grew 5%.")
    page.get_by_label("Twin of post 1").fill("Yna'r manylion: tyfodd cyflogau 5%.")
    page.get_by_label("Text of post 2").fill("Labour market figures out now. A thread.")
    page.get_by_label("Twin of post 2").fill("Ffigurau'r farchnad lafur allan nawr. Edefyn.")
    page.get_by_role("button", name="Move down post 1").click()
    expect(page.get_by_label("Text of post 1")).to_have_value(re.compile("A thread"))
    assert_accessible(page)
    screenshot(page, "thread-builder")
    page.get_by_role("button", name="Submit thread for clearance").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Submitted for clearance")
    sign_out(page)

    # The approver clears both in the inbox, each as one unit with its twins.
    sign_in_as(page, approver)
    page.get_by_role("link", name="Inbox").click()
    expect(page).to_have_title(page_title("Inbox"))
    expect(page.get_by_text("Gostyngodd diweithdra")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Approve"))).to_have_count(2)
    assert_accessible(page)
    screenshot(page, "inbox")
    page.get_by_role("button", name=re.compile("^Approve")).first.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("cheduled")
    page.get_by_role("button", name=re.compile("^Approve")).first.click()
    expect(page.get_by_text("Nothing is waiting for your clearance")).to_be_visible()

    # The worker runs at the embargo and publishes everything.
    run_once(live_server.database, release_day.settings, clock=FixedClock(embargo))
    page.goto(post_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Published")
    expect(page.get_by_role("table")).to_contain_text("Cath Comms")
    assert_accessible(page)
    screenshot(page, "post")
    with live_server.database.read_session_factory() as session:
        post = session.get(Post, int(post_url.rsplit("/", 1)[1]))
        assert post is not None
        assert post.state is PostState.PUBLISHED


def test_embargoed_text_and_other_channels_stay_closed(
    page: Page,
    live_server: LiveServer,
    make_account: Callable[..., Account],
    sign_in_as: SignInAs,
    release_day: ReleaseDay,
) -> None:
    english, welsh = release_day.english, release_day.welsh
    release_id = release_day.release
    author = make_account(Role.AUTHOR)
    outsider = make_account(Role.APPROVER, two_factor=True)
    stranger = make_account(Role.AUTHOR)
    grant(live_server, author, [english, welsh], AccessRole.AUTHOR)
    grant(live_server, outsider, [english, welsh], AccessRole.APPROVER)
    on_release_list(live_server, author, release_id)
    with live_server.database.unit_of_work() as session:
        from scheduler.clearance import create_post, submit
        from scheduler.models import Channel, Release

        writer = session.get(User, author.id)
        channel = session.get(Channel, english)
        release = session.get(Release, release_id)
        assert writer is not None
        assert channel is not None
        post = create_post(
            session,
            channel=channel,
            text="Secret figures",
            twin_text="Ffigurau cyfrinachol",
            by=writer,
            settings=release_day.settings,
            release=release,
        )
        submit(session, post, by=writer, settings=release_day.settings)
        post_id = post.id

    sign_in_as(page, outsider)
    page.goto(f"/posts/{post_id}")
    expect(page.get_by_test_id("post-text")).to_contain_text("Embargoed until")
    expect(page.get_by_text("Secret figures")).to_have_count(0)
    # Someone who cannot read the text is not offered to clear it.
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert_accessible(page)
    sign_out(page)

    sign_in_as(page, stranger)
    response = page.goto(f"/posts/{post_id}")
    assert response is not None
    assert response.status == 403
    assert_accessible(page)
