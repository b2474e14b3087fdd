"""Every page of Gatepost at 320 CSS pixels wide, without scrolling sideways (WCAG 2.2 reflow).

The pages are the Flask URL map's GET routes, walked at collection time: a route added later is
checked automatically, and one that renders no HTML page must be named in NOT_PAGES with why.
Each page is opened with ids from a seeded database, signed in as someone who may see it, at
320 px wide (SC 1.4.10: 1280 px at 400% zoom), and fails if the document is wider than that.
"""

from __future__ import annotations

import functools
import itertools
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from config import load_settings
from scheduler.channels.quiet_periods import add_quiet_period
from scheduler.core.database import Database
from scheduler.models import AccessRole, PostState, Role, User
from tests.browser.conftest import Account, LiveServer
from tests.support.factories import NOW, Factory
from web import create_app

WIDTH = 320

#: Routes that answer with no HTML page of their own, with why.
NOT_PAGES: dict[str, str] = {
    "static": "the site's CSS, JavaScript and images",
    "govuk_frontend.asset": "the GOV.UK Frontend stylesheet and script",
    "health.health": "JSON for load balancers",
    "metrics.metrics": "Prometheus text",
    "calendar.feed": "an iCalendar file",
    "admin.export_access": "a CSV or JSON download",
    "admin.export_channel_access": "a CSV or JSON download",
    "audit.download": "a CSV or JSON download",
    "admin.channel_oauth_start": "a redirect to X's consent page",
    "admin.channel_oauth_callback": "only X's redirect back; it redirects on",
}


#: Who opens each page that an admin, fully signed in, is not the one to open.
VISITORS: dict[str, str] = {
    "auth.sign_in": "anonymous",
    "auth.two_factor": "password_typed",
    "auth.recovery_code": "password_typed",
    "auth.set_up_two_factor": "must_set_up",
    "account.set_up_two_factor": "author",
    "account.turn_off_two_factor": "author_with_two_factor",
    "account.replace_recovery_codes": "author_with_two_factor",
}


@functools.cache
def _get_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    """Return (endpoint, rule, arguments) of every GET route outside the API, by path."""
    settings = load_settings(
        {},
        overrides={
            "instance_path": tempfile.mkdtemp(prefix="gatepost-reflow-"),
            "database_url": "sqlite://",
            "secret_key": "reflow-route-walk-secret-key-long-enough",
        },
    )
    app = create_app(settings, database=Database("sqlite://"))
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in (rule.methods or set()) or rule.endpoint.startswith("api."):
            continue
        routes.append((rule.endpoint, rule.rule, tuple(sorted(rule.arguments))))
    return routes


def _params() -> Iterator[object]:
    for endpoint, rule, arguments in _get_routes():
        if endpoint in NOT_PAGES:
            continue
        yield pytest.param(endpoint, rule, arguments, id=endpoint)


@dataclass(frozen=True)
class World:
    """The seeded objects whose ids fill the routes' parameters, and the people who visit."""

    values: dict[str, object]
    people: dict[str, Account]


RUNS = itertools.count(1)


@pytest.fixture(scope="module")
def world(live_server: LiveServer, make_account: Callable[..., Account]) -> World:
    """Commit people, channels, a release, posts in several states and a quiet period."""
    people = {
        "admin": make_account(Role.ADMIN, two_factor=True, name="Angharad Lloyd-Fitzgerald"),
        "author": make_account(Role.AUTHOR, name="Bartholomew Okonkwo-Henderson"),
        "author_with_two_factor": make_account(Role.AUTHOR, two_factor=True),
        "password_typed": make_account(Role.APPROVER, two_factor=True),
        "must_set_up": make_account(Role.APPROVER),
    }
    settings = load_settings({}, overrides={"database_url": live_server.database.url})
    number = next(RUNS)
    with live_server.database.unit_of_work() as session:
        factory = Factory(session, settings)
        admin = session.get(User, people["admin"].id)
        author = session.get(User, people["author"].id)
        assert admin is not None
        assert author is not None
        welsh = factory.channel(f"YstadegauCymruSwyddogol{number}", language="cy")
        english = factory.channel(f"StatisticsWalesOfficial{number}", twin=welsh, owner=admin)
        factory.grant(author, [english, welsh], AccessRole.AUTHOR)
        approver = factory.approver(english, welsh)
        release = factory.release(
            title="Labour market overview, UK: March 2027 (including regional estimates)",
            access=[author, approver, admin],
        )
        words = (
            "Employment in Wales rose to 73.9% in the three months to January, the highest "
            "since comparable records began: https://www.gov.wales/labour-market-overview-2027"
        )
        draft = factory.post(english, author, text=words, send_at=NOW + timedelta(days=3))
        embargoed = factory.post(
            english, author, text="Unemployment fell to 3.8%", release=release,
            send_at=release.embargo_at + timedelta(minutes=5),
        )  # fmt: skip
        factory.move(embargoed, PostState.IN_REVIEW)
        sent = factory.post(english, author, text=words, send_at=NOW + timedelta(days=1))
        factory.move(sent, PostState.SCHEDULED, approvers=[approver])
        factory.worker_sets(sent, PostState.PUBLISHED)
        add_quiet_period(
            session,
            by=admin,
            name="Pre-election period for the Senedd Cymru general election",
            starts_at=NOW + timedelta(days=20),
            ends_at=NOW + timedelta(days=62),
            reason="Purdah: no announcements that could affect the election",
            now=NOW,
        )
        values: dict[str, object] = {
            "post_id": draft.id,
            "channel_id": english.id,
            "release_id": release.id,
            "user_id": author.id,
        }
    return World(values=values, people=people)


def _context(browser: Browser, live_server: LiveServer) -> BrowserContext:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": WIDTH, "height": 640},
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="module")
def visitors(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    current_code: Callable[[Account], str],
) -> Iterator[Callable[[str], Page]]:
    """Return a function giving a 320 px page signed in (or part way) as a kind of visitor.

    Fully signed-in visitors sign in once for the module; the part-way states (password typed,
    two-factor still to set up) start afresh for each page, as they end when used.
    """
    contexts: list[BrowserContext] = []
    signed_in: dict[str, Page] = {}

    def password_step(page: Page, account: Account) -> None:
        page.goto("/sign-in")
        page.get_by_label("Email address").fill(account.email)
        page.get_by_label("Password", exact=True).fill(account.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    def visitor(kind: str) -> Page:
        if kind in signed_in:
            return signed_in[kind]
        context = _context(browser, live_server)
        contexts.append(context)
        page = context.new_page()
        if kind == "anonymous":
            return page
        account = world.people[kind]
        password_step(page, account)
        if kind in ("password_typed", "must_set_up"):
            return page
        if page.url.endswith("/sign-in/two-factor"):
            page.get_by_label("Code from your authenticator app").fill(current_code(account))
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state()
        assert "/sign-in" not in page.url, f"{kind} is still signing in at {page.url}"
        signed_in[kind] = page
        return page

    yield visitor
    for context in contexts:
        context.close()


def _path(rule: str, arguments: tuple[str, ...], values: dict[str, object]) -> str:
    path = rule
    for name in arguments:
        converter_start = path.index("<")
        end = path.index(">", converter_start)
        assert path[converter_start:end].split(":")[-1] == name, rule
        path = path[:converter_start] + str(values[name]) + path[end + 1 :]
    return path


#: The elements whose right edge lies beyond the viewport, to say what made the page too wide.
_TOO_WIDE = """
(width) => [...document.querySelectorAll('body *')]
  .filter((element) => element.getBoundingClientRect().right > width + 0.5)
  .filter((element) => ![...element.children].some(
    (child) => child.getBoundingClientRect().right > width + 0.5))
  .slice(0, 5)
  .map((element) => `${element.tagName.toLowerCase()}`
    + (element.id ? `#${element.id}` : '')
    + (element.className && typeof element.className === 'string'
       ? '.' + element.className.trim().split(/\\s+/).join('.') : '')
    + ` (right edge ${Math.round(element.getBoundingClientRect().right)} px)`)
"""


def test_every_get_route_is_a_page_here_or_named_as_not_one() -> None:
    """Fail on a route that is neither checked below nor listed as answering no HTML page."""
    endpoints = {endpoint for endpoint, _, _ in _get_routes()}
    assert not set(NOT_PAGES) - endpoints, "NOT_PAGES names routes that are gone"
    assert "audit.index" in endpoints
    assert "queue.index" in endpoints


@pytest.mark.parametrize(("endpoint", "rule", "arguments"), list(_params()))
def test_the_page_fits_320_px_without_scrolling_sideways(
    visitors: Callable[[str], Page],
    world: World,
    endpoint: str,
    rule: str,
    arguments: tuple[str, ...],
) -> None:
    missing = [name for name in arguments if name not in world.values]
    assert not missing, f"seed an object for {missing} in `world` so that {rule} can be opened"
    kind = VISITORS.get(endpoint, "admin")
    page = visitors(kind)
    path = _path(rule, arguments, world.values)
    response = page.goto(path)
    page.wait_for_load_state()
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status} for {kind}"
    assert page.url.endswith(path), f"{path} sent {kind} on to {page.url}"
    width = page.evaluate("document.documentElement.scrollWidth")
    too_wide = page.evaluate(_TOO_WIDE, WIDTH) if width > WIDTH else []
    assert width <= WIDTH, (
        f"{path} is {width} px wide at {WIDTH} px, so it scrolls sideways; widest: "
        + "; ".join(too_wide)
    )
