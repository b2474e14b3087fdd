"""The demo as an evaluator tries it: `serve --demo`, then an approver signs in without a phone."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import assert_accessible, assert_no_sideways_scroll, page_title
from tests.support.processes import (
    GATEPOST,
    free_port,
    gatepost_env,
    start_gatepost,
    stop,
    wait_for_http,
)

APPROVER = "approver@demo.gatepost.test"


@dataclass
class DemoServer:
    """A real `gatepost serve --demo` process and the settings a second command needs."""

    url: str
    env: dict[str, str]
    cwd: Path


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[DemoServer]:
    """Start `gatepost serve --demo` on an empty instance, as `make run` does."""
    port = free_port()
    env = {"GATEPOST_INSTANCE_PATH": str(tmp_path / "instance")}
    process = start_gatepost(["serve", "--demo", "--port", str(port)], env, cwd=tmp_path)
    server = DemoServer(url=f"http://127.0.0.1:{port}", env=env, cwd=tmp_path)
    try:
        # Migrating and seeding take seconds; far longer on a busy machine.
        wait_for_http(f"{server.url}/sign-in", process, timeout=120)
        yield server
    finally:
        stop(process)


def demo_code(server: DemoServer, email: str) -> str:
    """Run `gatepost demo code --user EMAIL` beside the server, as the demo's output says."""
    result = subprocess.run(
        [*GATEPOST, "demo", "code", "--user", email],
        env=gatepost_env(server.env),
        cwd=server.cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_an_approver_signs_in_to_the_demo_with_a_code_from_the_command_line(
    page: Page, demo_server: DemoServer
) -> None:
    page.goto(f"{demo_server.url}/sign-in")
    expect(page).to_have_title(page_title("Sign in"))
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.get_by_label("Email address").fill(APPROVER)
    page.get_by_label("Password", exact=True).fill("demo-approver-password")
    page.get_by_role("button", name="Sign in").click()
    # The demo set up Owen's authenticator app: no set-up page, straight to the code.
    expect(page).to_have_url(f"{demo_server.url}/sign-in/two-factor")
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.get_by_label("Code from your authenticator app").fill(demo_code(demo_server, APPROVER))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Owen Officer")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    # The statistician's regions thread, readable by Owen (he is on the release's access list),
    # and the author's bilingual guide; the cleared headlines are not waiting for anyone.
    expect(
        page.get_by_role("heading", name="6 posts cleared together, from Siân Statistician")
    ).to_be_visible()
    expect(
        page.get_by_role("heading", name="2 posts cleared together, from Ada Author")
    ).to_be_visible()
    expect(page.get_by_text("Labour market in the regions and nations")).to_be_visible()
    expect(page.get_by_text("Y farchnad lafur yn y rhanbarthau a'r gwledydd")).to_be_visible()
    expect(page.get_by_role("button", name="Approve all 6")).to_be_visible()
    expect(page.get_by_text("Labour market overview, out now")).to_have_count(0)
    assert_accessible(page)
