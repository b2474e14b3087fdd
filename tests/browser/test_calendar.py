"""The calendar in a real browser: drafts and posts in review styled apart, quiet periods and
bank holidays shaded, a post written from a slot, posts moved by drag-and-drop and from the
keyboard (each confirmed), axe on every view, and no sideways scroll or colliding day names on
phones."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from config import Settings, load_settings
from scheduler.channels.quiet_periods import add_quiet_period
from scheduler.models import AccessRole, AuditEvent, Post, PostState, Role, User
from tests.browser.conftest import Account, LiveServer
from tests.support.browser import assert_accessible, page_title, screenshot
from tests.support.factories import Factory

RUNS = itertools.count(1)
#: The week of Good Friday 2027 (26 March), whose Sunday the clocks go forward.
WEEK = "2027-03-22"
PHONES = [320, 390]
#: Tall enough to hold a post and the slot it is dragged to: Playwright scrolls the target into
#: view between pressing and moving the mouse, which Chromium treats as no drag at all.
TALL = {"width": 1024, "height": 2400}


@pytest.fixture(scope="module")
def factory_settings(live_server: LiveServer) -> Settings:
    return load_settings({}, overrides={"database_url": live_server.database.url})


@dataclass(frozen=True)
class Team:
    """An author (who signs in) and what their channel holds in the week of Good Friday."""

    author: Account
    handle: str
    draft: int
    in_review: int
    scheduled: int
    quiet_period: str


@pytest.fixture
def team(
    live_server: LiveServer, factory_settings: Settings, make_account: Callable[..., Account]
) -> Team:
    """Commit a channel with a draft, a post in review and a scheduled post, and a quiet period."""
    author, officer, lead = (
        make_account(role) for role in (Role.AUTHOR, Role.APPROVER, Role.ADMIN)
    )
    number = next(RUNS)
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, factory_settings)
        channel = factory.channel(f"Cal{number}")
        writer, approver, admin = (session.get(User, who.id) for who in (author, officer, lead))
        assert writer is not None
        assert approver is not None
        assert admin is not None
        factory.grant(writer, [channel], AccessRole.AUTHOR)
        factory.grant(approver, [channel], AccessRole.APPROVER)
        draft = factory.post(
            channel, writer, text="Draft about GDP", send_at=datetime(2027, 3, 23, 10, tzinfo=UTC)
        )
        in_review = factory.move(
            factory.post(
                channel,
                writer,
                text="Jobs in review",
                send_at=datetime(2027, 3, 23, 11, tzinfo=UTC),
            ),
            PostState.IN_REVIEW,
        )
        scheduled = factory.move(
            factory.post(
                channel,
                writer,
                text="Prices scheduled",
                send_at=datetime(2027, 3, 24, 14, tzinfo=UTC),
            ),
            PostState.SCHEDULED,
            approvers=[approver],
        )
        name = f"Purdah {number}"
        add_quiet_period(
            session,
            by=admin,
            name=name,
            starts_at=datetime(2027, 3, 25, 12, tzinfo=UTC),
            ends_at=datetime(2027, 3, 25, 14, tzinfo=UTC),
            now=factory.now,
        )
        return Team(author, channel.handle, draft.id, in_review.id, scheduled.id, name)


def post_item(page: Page, post_id: int) -> Any:
    return page.locator(f"#post-{post_id}")


def hour(page: Page, label: str) -> Any:
    """Return the hour slot whose time reads `label` ("Wed 24 Mar 2027 14:00 GMT")."""
    return page.locator(f'[data-slot-label="{label}"]')


def test_drafts_in_review_quiet_periods_and_holidays_are_marked(
    page: Page, team: Team, sign_in_as: Callable[[Page, Account], None]
) -> None:
    sign_in_as(page, team.author)

    page.goto(f"/calendar?view=week&date={WEEK}")
    expect(page).to_have_title(page_title("Calendar"))
    draft, in_review = post_item(page, team.draft), post_item(page, team.in_review)
    scheduled = post_item(page, team.scheduled)
    # Each has its tag's words and a border of its own, not a colour alone.
    expect(draft.locator(".govuk-tag")).to_have_text("Draft")
    expect(in_review.locator(".govuk-tag")).to_have_text("In review")
    expect(scheduled.locator(".govuk-tag")).to_have_text("Scheduled")
    styles = [
        item.evaluate("element => getComputedStyle(element).borderTopStyle")
        for item in (draft, in_review, scheduled)
    ]
    assert styles == ["dashed", "dotted", "solid"]
    expect(hour(page, "Tue 23 Mar 2027 10:00 GMT")).to_contain_text("Draft about GDP")
    # The quiet period shades its two hours, and names itself in each.
    for shaded in ("Thu 25 Mar 2027 12:00 GMT", "Thu 25 Mar 2027 13:00 GMT"):
        slot = hour(page, shaded)
        expect(slot).to_have_class(re.compile(r"\bgp-calendar-slot--quiet\b"))
        expect(slot).to_contain_text(f"Quiet period: {team.quiet_period}")
    expect(hour(page, "Thu 25 Mar 2027 14:00 GMT")).not_to_have_class(
        re.compile(r"gp-calendar-slot--quiet")
    )
    good_friday = hour(page, "Fri 26 Mar 2027 10:00 GMT")
    expect(good_friday).to_have_class(re.compile(r"\bgp-calendar-slot--holiday\b"))
    expect(page.get_by_text("Bank holiday: Good Friday")).to_be_visible()
    # The day the clocks go forward has 23 hours: 00:00 GMT, then 02:00 BST.
    expect(page.locator('[aria-label="Hours of Sun 28 Mar 2027"] > li')).to_have_count(23)
    assert_accessible(page)

    page.goto(f"/calendar?view=month&date={WEEK}")
    friday = page.locator('td[data-slot-date="2027-03-26"]')
    expect(friday).to_have_class(re.compile(r"\bgp-calendar-slot--holiday\b"))
    expect(friday).to_contain_text("Good Friday")
    thursday = page.locator('td[data-slot-date="2027-03-25"]')
    expect(thursday).to_have_class(re.compile(r"\bgp-calendar-slot--quiet\b"))
    expect(thursday).to_contain_text(team.quiet_period)
    expect(
        page.locator('td[data-slot-date="2027-03-23"] .gp-calendar__post--draft')
    ).to_be_visible()
    assert_accessible(page)

    page.goto("/calendar?view=day&date=2027-03-23")
    expect(page.get_by_role("heading", level=2, name="Tue 23 Mar 2027")).to_be_visible()
    expect(hour(page, "Tue 23 Mar 2027 11:00 GMT")).to_contain_text("Jobs in review")
    assert_accessible(page)


def test_previous_today_and_next_sit_side_by_side(
    page: Page, team: Team, sign_in_as: Callable[[Page, Account], None]
) -> None:
    sign_in_as(page, team.author)
    for width in [320, 390, 1024]:
        page.set_viewport_size({"width": width, "height": 800})
        for view in ("day", "week", "month"):
            page.goto(f"/calendar?view={view}&date={WEEK}")
            boxes = [
                page.get_by_role("link", name=name).bounding_box()
                for name in (f"Previous {view}", "Today", f"Next {view}")
            ]
            assert all(boxes), (width, view)
            tops = [box["y"] for box in boxes if box]
            lefts = [box["x"] for box in boxes if box]
            assert max(tops) - min(tops) < 10, (width, view, boxes)
            assert lefts == sorted(lefts), (width, view, boxes)


def test_write_a_post_from_a_slot(
    page: Page, team: Team, sign_in_as: Callable[[Page, Account], None]
) -> None:
    sign_in_as(page, team.author)

    page.goto(f"/calendar?view=week&date={WEEK}")
    page.get_by_role("link", name=re.compile(r"^New post at 15:00 GMT\W+Wed 24 Mar 2027$")).click()
    expect(page).to_have_title(page_title("Compose"))
    for label, value in (("Day", "24"), ("Month", "3"), ("Year", "2027")):
        expect(page.locator("#send_date").get_by_label(label)).to_have_value(value)
    expect(page.locator("#send_time").get_by_label("Hour")).to_have_value("15")
    expect(page.locator("#send_time").get_by_label("Minute")).to_have_value("00")
    page.get_by_label("Channel").select_option(label=f"@{team.handle} (en)")
    page.get_by_label("Post text").fill("Written from a slot")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()

    page.goto(f"/calendar?view=week&date={WEEK}")
    expect(hour(page, "Wed 24 Mar 2027 15:00 GMT")).to_contain_text("Written from a slot")

    # The month's day slots give the date, and leave the time to choose.
    page.goto(f"/calendar?view=month&date={WEEK}")
    page.get_by_role("link", name="New post on Thu 25 Mar 2027").click()
    expect(page.locator("#send_date").get_by_label("Day")).to_have_value("25")
    expect(page.locator("#send_time").get_by_label("Hour")).to_have_value("")


def confirm_move(
    page: Page,
    live_server: LiveServer,
    team: Team,
    *,
    to: str,
    slot: str | None = None,
    scripts: bool = True,
) -> None:
    """On the confirmation, check what it says a move voids, confirm, and see the post moved.

    Without scripts axe cannot run (it is a script); the pages are checked with them.
    """
    expect(page).to_have_title(page_title(f"Move post {team.scheduled} on @{team.handle}"))
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "Moving it sends it back to draft and its 1 approval stops counting"
    )
    if scripts:
        assert_accessible(page)
        screenshot(page, "calendar-move")
    page.get_by_role("button", name="Move it").click()
    expect(page.get_by_text(f"Moved to {to}.")).to_be_visible()
    moved = hour(page, slot or to).locator(f"#post-{team.scheduled}")
    expect(moved.locator(".govuk-tag")).to_have_text("Draft")
    with live_server.database.read_session_factory() as session:
        post = session.get(Post, team.scheduled)
        assert post is not None
        assert post.state is PostState.DRAFT
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.post_id == post.id).order_by(AuditEvent.id)
        ).all()
        assert actions[-1] == "edit"


def test_drag_a_post_to_another_hour_and_confirm(
    page: Page,
    live_server: LiveServer,
    team: Team,
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    sign_in_as(page, team.author)
    page.goto(f"/calendar?view=week&date={WEEK}")

    page.set_viewport_size({"width": 1024, "height": 2400})
    post_item(page, team.scheduled).drag_to(hour(page, "Thu 25 Mar 2027 10:00 GMT"))

    expect(page.locator("#send_date").get_by_label("Day")).to_have_value("25")
    expect(page.locator("#send_time").get_by_label("Hour")).to_have_value("10")
    confirm_move(page, live_server, team, to="Thu 25 Mar 2027 10:00 GMT")


def test_drag_a_post_to_another_day_of_the_month_keeps_its_time(
    page: Page,
    live_server: LiveServer,
    team: Team,
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    sign_in_as(page, team.author)
    page.set_viewport_size(TALL)
    page.goto(f"/calendar?view=month&date={WEEK}")

    post_item(page, team.scheduled).drag_to(page.locator('td[data-slot-date="2027-03-30"]'))

    expect(page.locator("#send_date").get_by_label("Day")).to_have_value("30")
    # 14:00 GMT on 24 March is 15:00 BST on 30 March: the same time on the wall.
    expect(page.locator("#send_time").get_by_label("Hour")).to_have_value("14")
    page.get_by_role("button", name="Move it").click()
    expect(page.get_by_text("Moved to Tue 30 Mar 2027 14:00 BST.")).to_be_visible()


def test_move_a_post_from_the_keyboard(
    page: Page,
    live_server: LiveServer,
    team: Team,
    sign_in_as: Callable[[Page, Account], None],
) -> None:
    sign_in_as(page, team.author)
    page.goto(f"/calendar?view=week&date={WEEK}")

    move = page.get_by_role("button", name=f"Move post {team.scheduled} on @{team.handle}")
    move.focus()
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_contain_text("to Wed 24 Mar 2027 14:00 GMT")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    expect(status).to_contain_text(
        f"Moving post {team.scheduled} on @{team.handle} to Thu 25 Mar 2027 16:00 GMT"
    )
    assert_accessible(page)
    # Escape puts it back; a second try goes through.
    page.keyboard.press("Escape")
    expect(status).to_contain_text("Not moved")
    expect(move).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")

    confirm_move(page, live_server, team, to="Thu 25 Mar 2027 16:00 GMT")


def test_without_javascript_the_move_link_opens_the_same_form(
    browser: Any,
    live_server: LiveServer,
    team: Team,
) -> None:
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/sign-in")
        page.get_by_label("Email address").fill(team.author.email)
        page.get_by_label("Password", exact=True).fill(team.author.password)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"/calendar?view=week&date={WEEK}")
        page.get_by_role("link", name=f"Move post {team.scheduled} on @{team.handle}").click()
        expect(page.locator("#send_date").get_by_label("Day")).to_have_value("24")
        page.locator("#send_date").get_by_label("Day").fill("25")
        page.locator("#send_time").get_by_label("Hour").fill("09")
        page.locator("#send_time").get_by_label("Minute").fill("45")
        confirm_move(
            page,
            live_server,
            team,
            to="Thu 25 Mar 2027 09:45 GMT",
            slot="Thu 25 Mar 2027 09:00 GMT",
            scripts=False,
        )
    finally:
        context.close()


def overlaps(first: dict[str, float], second: dict[str, float]) -> bool:
    return (
        first["x"] < second["x"] + second["width"]
        and second["x"] < first["x"] + first["width"]
        and first["y"] < second["y"] + second["height"]
        and second["y"] < first["y"] + first["height"]
    )


def visible_day_names(page: Page) -> list[dict[str, float]]:
    """Return the boxes of the day names a sighted person sees: the header row, or each day's."""
    boxes = page.evaluate(
        """() => Array.from(
            document.querySelectorAll(
              '.gp-calendar-month thead abbr, .gp-calendar__day-number, .gp-calendar__full-date'
            ),
            (element) => {
              const box = element.getBoundingClientRect();
              // Visually hidden (clipped to nothing, here or in an ancestor) or not shown.
              let clipped = false;
              for (let node = element; node; node = node.parentElement) {
                const style = getComputedStyle(node);
                clipped ||= style.clipPath === 'inset(50%)' || style.display === 'none';
              }
              const hidden = clipped || box.width <= 1 || box.height <= 1;
              return hidden ? null : {
                x: box.x, y: box.y, width: box.width, height: box.height,
                header: element.tagName === 'ABBR',
              };
            },
          ).filter(Boolean)"""
    )
    return list(boxes)


@pytest.mark.parametrize("width", PHONES)
def test_phones_scroll_no_wider_than_the_screen_and_day_names_do_not_collide(
    page: Page, team: Team, sign_in_as: Callable[[Page, Account], None], width: int
) -> None:
    sign_in_as(page, team.author)
    page.set_viewport_size({"width": width, "height": 800})
    for view in ("month", "week", "day"):
        page.goto(f"/calendar?view={view}&date={WEEK}")
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client, f"{view} at {width} px scrolls sideways: {scroll} > {client}"
        if view == "month":
            names = visible_day_names(page)
            assert len(names) >= 28  # every day of March says which day it is
            for first, second in itertools.combinations(names, 2):
                assert not overlaps(first, second), (width, first, second)
            assert all(box["x"] >= 0 and box["x"] + box["width"] <= client for box in names)
        assert_accessible(page)


@pytest.mark.parametrize("width", [641, 768, 1024])
def test_the_month_grid_names_its_days_without_collisions(
    page: Page, team: Team, sign_in_as: Callable[[Page, Account], None], width: int
) -> None:
    sign_in_as(page, team.author)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"/calendar?view=month&date={WEEK}")

    header = [box for box in visible_day_names(page) if box["header"]]
    assert len(header) == 7
    for first, second in itertools.combinations(header, 2):
        assert not overlaps(first, second), (width, first, second)
    scroll, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client
