"""Browser tests: a live Gatepost on a real SQLite file, driven by Debian's Chromium.

Fixtures:
- `live_server`: Gatepost on waitress in a background thread, on a free port, over a migrated
  SQLite database file (real commits, shared by the session's browser tests).
- `make_account(role, two_factor=False, name=None)`: a person committed to that database;
  returns an `Account` (email, password, totp_secret, recovery_codes, ...).
- `page`: a fresh browser context (no cookies) with `base_url` set, so `page.goto("/sign-in")`
  works. The test fails if the page logs a Content-Security-Policy violation or a script error,
  fails to load one of its files, or asks for the GOV.UK-only font.
- `sign_in_as(page, account)`: signs in through the real forms, typing a TOTP code if needed.
Every test here is marked `browser`, and skipped with one line if Chromium is missing.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import waitress
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, sync_playwright
from sqlalchemy import delete, select

from config import load_settings
from scheduler.core import schema
from scheduler.core.database import Database
from scheduler.identity.accounts import create_user
from scheduler.models import Role, SignInAttempt, User
from tests.conftest import TEST_PASSWORD
from tests.support.browser import ARTIFACTS_DIR, CHROMIUM, CHROMIUM_ARGS
from tests.support.totp import enrol, totp_code
from web import create_app

HERE = Path(__file__).resolve().parent
#: The live server's X app; a test registers it with its X emulator to connect X channels.
X_CLIENT_ID = "gatepost-browser-tests"
X_CLIENT_SECRET = "browser-test-x-client-secret"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    setattr(item, f"report_{call.when}", report)
    return report


@dataclass(frozen=True)
class LiveServer:
    """A running Gatepost and the database behind it."""

    url: str
    database: Database


@dataclass(frozen=True)
class Account:
    """A person in the live server's database, with what a test needs to sign in as them."""

    id: int
    email: str
    password: str
    role: Role
    name: str
    totp_secret: str | None = None
    recovery_codes: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def live_server(
    make_database_url: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Serve Gatepost from a background thread over a migrated SQLite file."""
    database = Database(make_database_url("sqlite"))
    schema.upgrade(database.engine)
    settings = load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path_factory.mktemp("instance")),
            "database_url": database.url,
            "secret_key": "browser-test-secret-key-long-enough",
            "x": {"client_id": X_CLIENT_ID, "client_secret": X_CLIENT_SECRET},
        },
    )
    app = create_app(settings, database=database)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4, ident="Gatepost")
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.effective_port}", database=database)
    server.close()
    for channel in list(server._map.values()):
        channel.close()
    server.task_dispatcher.shutdown()
    thread.join(timeout=10)
    database.dispose()


@pytest.fixture(autouse=True)
def _forget_failed_sign_ins(live_server: LiveServer) -> None:
    """Start each test with no failed attempts, as every test signs in from 127.0.0.1."""
    with live_server.database.unit_of_work() as session:
        session.execute(delete(SignInAttempt))


@pytest.fixture(scope="session")
def make_account(live_server: LiveServer) -> Callable[..., Account]:
    """Return a factory that commits a new person, optionally with an authenticator app set up."""
    numbers = itertools.count(1)
    run = uuid.uuid4().hex[:6]

    def make(
        role: Role | str = Role.AUTHOR, *, two_factor: bool = False, name: str | None = None
    ) -> Account:
        role = Role(role)
        number = next(numbers)
        with live_server.database.unit_of_work() as session:
            user = create_user(
                session,
                email=f"{role.value}{number}-{run}@example.gov.uk",
                password=TEST_PASSWORD,
                role=role,
                name=name or f"{role.value.title()} {number}",
            )
            codes = enrol(session, user) if two_factor else []
            return Account(
                id=user.id,
                email=user.email,
                password=TEST_PASSWORD,
                role=role,
                name=user.name,
                totp_secret=user.totp_secret,
                recovery_codes=codes,
            )

    return make


@pytest.fixture(scope="session")
def current_code(live_server: LiveServer) -> Callable[[Account], str]:
    """Return a function giving an authenticator code the server will accept for the account now."""

    def code_for(account: Account) -> str:
        with live_server.database.read_session_factory() as session:
            user = session.scalars(select(User).where(User.id == account.id)).one()
            secret, last = user.totp_secret, user.totp_last_counter
        assert secret, f"{account.email} has no authenticator app set up"
        return totp_code(secret, last)

    return code_for


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium, headless (Playwright's own browsers cannot be downloaded here)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found; install Debian's chromium package to run browser tests")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """Open a page in a fresh context and fail the test on script, CSP or loading errors."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1024, "height": 768},
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error: {message.text}")

    def on_response(response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            problems.append(f"{response.status} for {response.url}")

    def on_request(sent: Request) -> None:
        if "/assets/fonts/" in sent.url:
            problems.append(f"asked for the GOV.UK-only font: {sent.url}")

    new_page.on("console", on_console)
    new_page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    new_page.on("response", on_response)
    new_page.on("request", on_request)
    yield new_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _save_artifacts(new_page, request.node.name)
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def sign_in_as(current_code: Callable[[Account], str]) -> Callable[[Page, Account], None]:
    """Return a function that signs a person in through the real forms."""

    def do_sign_in(page: Page, account: Account) -> None:
        page.goto("/sign-in")
        page.get_by_label("Email address").fill(account.email)
        page.get_by_label("Password", exact=True).fill(account.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if page.url.endswith("/sign-in/two-factor"):
            page.get_by_label("Code from your authenticator app").fill(current_code(account))
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state()
        assert "/sign-in" not in page.url, f"still signing in at {page.url}"

    return do_sign_in


def _save_artifacts(page: Page, name: str) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    safe = "".join(char if char.isalnum() or char in "-_" else "_" for char in name)
    try:
        page.screenshot(path=str(ARTIFACTS_DIR / f"{safe}.png"), full_page=True)
        (ARTIFACTS_DIR / f"{safe}.html").write_text(page.content())
    except Exception as error:  # a dead page must not hide the real failure
        print(f"could not save the page of {name}: {error}")
