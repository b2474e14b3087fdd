"""The release readiness board in a real browser: the list, the board with its countdown (written
by the server, kept current by the script), text only for the access list, axe, and no sideways
scrolling at 320 px."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from config import Settings, load_settings
from scheduler.clearance import create_thread, submit
from scheduler.models import AccessRole, Role, User, utcnow
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import assert_accessible, page_title, screenshot
from tests.support.factories import Factory

RUNS = itertools.count(1)
TEXTS = ("Unemployment fell to 4.1%", "Employment rose to 75.3%")
WELSH = ("Gostyngodd diweithdra i 4.1%", "Cododd cyflogaeth i 75.3%")


@pytest.fixture(scope="module")
def factory_settings(live_server: LiveServer) -> Settings:
    return load_settings({}, overrides={"database_url": live_server.database.url})


@dataclass(frozen=True)
class Team:
    statistician: Account
    reader: Account  # an approver on the access list
    outsider: Account  # an approver not on it
    release_id: int
    title: str
    #: Whether the embargo falls on today's local date (not so when the test runs late at night).
    embargo_is_today: bool


@pytest.fixture
def team(
    live_server: LiveServer, factory_settings: Settings, make_account: Callable[..., Account]
) -> Team:
    number = next(RUNS)
    statistician = make_account(Role.AUTHOR, name=f"Sam Statistician {number}")
    reader = make_account(Role.APPROVER, two_factor=True, name=f"Rhian Reader {number}")
    outsider = make_account(Role.APPROVER, two_factor=True, name=f"Owen Outsider {number}")
    title = f"Labour market overview {number}"
    now = utcnow()
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, factory_settings, now=now)
        welsh = factory.channel(f"ONSCymruBoard{number}", language="cy")
        english = factory.channel(f"ONSBoard{number}", twin=welsh, requires_twin=True)
        accounts = (statistician, reader, outsider)
        writer, officer, other = (session.get(User, account.id) for account in accounts)
        assert writer is not None
        assert officer is not None
        assert other is not None
        factory.grant(writer, [english, welsh], AccessRole.AUTHOR)
        factory.grant(officer, [english, welsh], AccessRole.APPROVER)
        factory.grant(other, [english, welsh], AccessRole.APPROVER)
        # 2 hours 14 minutes (and some seconds) away, on the minute: the countdown's example.
        embargo = (now + timedelta(hours=2, minutes=15)).replace(second=0, microsecond=0)
        release = factory.release(embargo_at=embargo, by=writer, access=[officer], title=title)
        thread = create_thread(
            session,
            channel=english,
            texts=TEXTS,
            twin_texts=WELSH,
            by=writer,
            settings=factory_settings,
            send_at=embargo,
            release=release,
            title="Figures for March",
            now=now,
        )
        submit(session, thread.posts[0], by=writer, settings=factory_settings, now=now)
        london = ZoneInfo("Europe/London")
        is_today = embargo.astimezone(london).date() == now.astimezone(london).date()
        return Team(statistician, reader, outsider, release.id, title, is_today)


def test_the_statistician_follows_the_board_from_the_list(
    page: Page, team: Team, sign_in_as: Callable[[Page, Account], None]
) -> None:
    sign_in_as(page, team.statistician)

    page.goto("/releases")
    expect(page).to_have_title(page_title("Releases"))
    today = page.locator("#upcoming-releases li", has_text=team.title)
    if team.embargo_is_today:
        expect(today).to_contain_text("Release day: today")
    else:
        expect(today).not_to_contain_text("Release day: today")
    assert_accessible(page)

    today.get_by_role("link", name=team.title).click()
    expect(page).to_have_title(page_title(f"{team.title}: readiness"))
    expect(page.locator("#countdown")).to_have_text(
        re.compile(r"^2 hours 1[34] minutes to the embargo \(\d\d:\d\d (GMT|BST)\)$")
    )
    expect(page.get_by_text("Clear it: " + team.reader.name).first).to_be_visible()
    approvers = page.locator("#release-approvers .govuk-summary-list__row")
    expect(approvers.filter(has_text=team.outsider.name)).to_contain_text("Cannot read the text")
    expect(approvers.filter(has_text=team.reader.name)).to_contain_text("Can read the text")
    expect(page.locator("#release-channels")).to_contain_text("Needs no connection")
    # The statistician wrote the text, so may read it before the embargo.
    expect(page.get_by_text(TEXTS[0])).to_be_visible()
    assert_accessible(page)
    screenshot(page, "release-board")


def test_an_approver_off_the_list_sees_who_acts_but_no_text(
    page: Page, team: Team, sign_in_as: Callable[[Page, Account], None]
) -> None:
    sign_in_as(page, team.outsider)

    page.goto(f"/releases/{team.release_id}")
    expect(page.get_by_text("In review").first).to_be_visible()
    expect(page.get_by_text("Embargoed: only people on the access list").first).to_be_visible()
    for text in (*TEXTS, *WELSH, "Figures for March"):
        expect(page.locator("main")).not_to_contain_text(text)
    assert_accessible(page)


def test_the_countdown_keeps_time_with_the_script_and_without_it(
    browser: Browser,
    live_server: LiveServer,
    page: Page,
    team: Team,
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    page.clock.install()
    sign_in_as(page, team.reader)
    page.goto(f"/releases/{team.release_id}")
    countdown = page.locator("#countdown")
    expect(countdown).to_have_text(re.compile(r"^2 hours 1[34] minutes to the embargo"))
    page.clock.fast_forward("10:00")
    expect(countdown).to_have_text(re.compile(r"^2 hours [34] minutes to the embargo"))
    page.clock.fast_forward("02:10:00")
    expect(countdown).to_have_text(re.compile(r"^The embargo passed at \d\d:\d\d (GMT|BST)$"))

    # Without JavaScript the server's words are there all the same.
    cookies = page.context.cookies()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        context.add_cookies(cookies)  # type: ignore[arg-type]
        plain = context.new_page()
        plain.goto(f"/releases/{team.release_id}")
        expect(plain.locator("#countdown")).to_have_text(
            re.compile(r"^2 hours 1[34] minutes to the embargo \(\d\d:\d\d (GMT|BST)\)$")
        )
        expect(plain.get_by_text(TEXTS[0])).to_be_visible()  # the reader is on the list
    finally:
        context.close()


def test_the_pages_do_not_scroll_sideways_at_320_pixels(
    page: Page, team: Team, sign_in_as: Callable[[Page, Account], None]
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in_as(page, team.reader)
    for path in ("/releases", f"/releases/{team.release_id}"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide at 320 px"
        assert_accessible(page)
