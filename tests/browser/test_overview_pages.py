"""Queue, calendar (week and month), notifications and the mock timeline in a real browser."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from config import Settings, load_settings
from scheduler.models import AccessRole, PostState, Role, User
from scheduler.notifications.operations import notify_from_audit
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import assert_accessible, page_title, screenshot
from tests.support.factories import NOW, Factory

RUNS = itertools.count(1)


@pytest.fixture(scope="module")
def factory_settings(live_server: LiveServer) -> Settings:
    return load_settings({}, overrides={"database_url": live_server.database.url})


def release_day(
    live_server: LiveServer, settings: Settings, author: Account, approver: Account
) -> None:
    """Commit a week of posts around a 09:30 release on channels the two people work on."""
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, settings)
        number = next(RUNS)
        english, welsh = (
            factory.channel(f"ONS{number}"),
            factory.channel(f"ONSCymru{number}", language="cy"),
        )
        writer = session.get(User, author.id)
        officer = session.get(User, approver.id)
        assert writer is not None
        assert officer is not None
        factory.grant(writer, [english, welsh], AccessRole.AUTHOR)
        factory.grant(officer, [english, welsh], AccessRole.APPROVER)
        release = factory.release(
            embargo_at=datetime(2027, 3, 11, 9, 30, tzinfo=UTC),
            access=[writer, officer],
            title="Labour market overview",
        )
        embargoed = factory.post(
            english, writer, text="Unemployment rose to 4.4%", release=release,
            send_at=release.embargo_at,
        )  # fmt: skip
        factory.move(embargoed, PostState.SCHEDULED, approvers=[officer])
        for day in range(5):
            post = factory.post(
                english if day % 2 else welsh,
                writer,
                text=f"Weekly round-up {day}: the figures you need this week",
                send_at=NOW.replace(hour=11) + timedelta(days=day + 1),
            )
            factory.move(post, PostState.SCHEDULED, approvers=[officer])
        factory.post(english, writer, text="A draft about retail sales in February")
        factory.move(factory.post(welsh, writer), PostState.IN_REVIEW)
        notify_from_audit(session, now=NOW)


@dataclass(frozen=True)
class ReleaseTeam:
    """An author and an approver (with 2FA) who work on a week of posts around a release."""

    author: Account
    approver: Account


@pytest.fixture
def release_team(
    live_server: LiveServer, factory_settings: Settings, make_account: Callable[..., Account]
) -> ReleaseTeam:
    """Return a new author and approver with their release week committed."""
    team = ReleaseTeam(make_account(Role.AUTHOR), make_account(Role.APPROVER, two_factor=True))
    release_day(live_server, factory_settings, team.author, team.approver)
    return team


def test_the_queue_lists_filters_and_hides_embargoed_text(
    page: Page, release_team: ReleaseTeam, sign_in_as: Callable[[Page, Account], None]
) -> None:
    sign_in_as(page, release_team.author)

    page.get_by_role("link", name="Queue", exact=True).click()
    expect(page).to_have_title(page_title("Queue"))
    expect(page.get_by_role("table")).to_contain_text("Embargoed until Thu 11 Mar 2027 09:30 GMT")
    expect(page.get_by_role("table")).not_to_contain_text("Unemployment rose")
    assert_accessible(page)
    screenshot(page, "queue")

    page.get_by_label("State").select_option("draft")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table")).to_contain_text("A draft about retail sales")
    expect(page.get_by_role("table")).not_to_contain_text("Weekly round-up")

    page.goto("/queue?from=2027-02-30")
    expect(page).to_have_title(page_title("Queue", error=True))
    assert_accessible(page)


def test_the_calendar_week_and_month(
    page: Page,
    live_server: LiveServer,
    factory_settings: Settings,
    release_team: ReleaseTeam,
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    author, approver = release_team.author, release_team.approver
    sign_in_as(page, author)

    page.goto("/calendar?view=week&date=2027-03-10")
    expect(page).to_have_title(page_title("Calendar"))
    expect(page.get_by_role("heading", level=2, name="Week of Mon 8 Mar 2027")).to_be_visible()
    expect(page.get_by_text("Embargo ends 09:30 GMT:").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "calendar-week")

    page.get_by_role("link", name="Next week").click()
    expect(page.get_by_role("heading", level=2, name="Week of Mon 15 Mar 2027")).to_be_visible()

    # A busy day: the month view lists its first five posts and links to the rest in the queue.
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, factory_settings)
        writer, officer = session.get(User, author.id), session.get(User, approver.id)
        assert writer is not None
        assert officer is not None
        channel = factory.channel(f"ONSBusy{next(RUNS)}")
        factory.grant(writer, [channel], AccessRole.AUTHOR)
        factory.grant(officer, [channel], AccessRole.APPROVER)
        for minute in range(7):
            busy = factory.post(
                channel,
                writer,
                text=f"Busy day post {minute}",
                send_at=datetime(2027, 3, 24, 10, minute, tzinfo=UTC),
            )
            factory.move(busy, PostState.SCHEDULED, approvers=[officer])

    page.goto("/calendar?view=month&date=2027-03-10")
    expect(page.get_by_role("heading", level=2, name="March 2027")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("this day has 23 hours")
    more = page.get_by_role(
        "link", name=re.compile(r"^2 more posts on this day\W+Wed 24 Mar 2027\W+in the queue$")
    )
    expect(more).to_be_visible()
    assert_accessible(page)
    screenshot(page, "calendar-month")

    more.click()
    expect(page).to_have_title(page_title("Queue"))
    for minute in range(7):
        expect(page.get_by_role("table")).to_contain_text(f"Busy day post {minute}")

    page.goto("/calendar?view=month&date=2027-03-10")

    page.get_by_role("link", name="Subscribe in your own calendar").click()
    page.get_by_role("button", name="Make a feed address").click()
    expect(page.get_by_label("Feed address")).to_have_value(re.compile(r"/calendar/feed/.+\.ics$"))
    assert_accessible(page)


def test_notifications_count_in_the_header_and_can_be_read(
    page: Page, release_team: ReleaseTeam, sign_in_as: Callable[[Page, Account], None]
) -> None:
    sign_in_as(page, release_team.approver)

    header_link = page.get_by_role("link", name=re.compile(r"Notifications \(\d+ unread\)"))
    unread = int(re.findall(r"\d+", header_link.inner_text())[0])
    assert unread == 7  # every post the author sent for clearance on the approver's channels
    header_link.click()
    expect(page).to_have_title(page_title("Notifications"))
    expect(page.get_by_text("is waiting for your clearance").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "notifications")

    page.get_by_role("button", name=re.compile("Mark as read")).first.click()
    expect(page.get_by_role("link", name="Notifications (6 unread)")).to_be_visible()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("link", name="Notifications (0 unread)")).to_be_visible()
    assert_accessible(page)


def test_the_mock_platform_timeline(
    page: Page, make_account: Callable[..., Account], sign_in_as: Callable[[Page, Account], None]
) -> None:
    sign_in_as(page, make_account(Role.AUTHOR))

    page.get_by_role("link", name="Mock platform").click()
    expect(page).to_have_title(page_title("Mock platform"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mock platform timeline")
    assert_accessible(page)
