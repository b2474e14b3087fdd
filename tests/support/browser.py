"""Helpers for browser tests: accessibility checks, page titles and screenshots.

Fixtures (a live server, a page, accounts, sign_in_as) are in tests/browser/conftest.py; these
plain functions can be imported by any test: `from tests.support.browser import ...`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.support.processes import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS_DIR = PROJECT_ROOT / "docs" / "screenshots"
#: Set to 1 to (re)write the PNGs in docs/screenshots/ that the README shows.
SCREENSHOTS_VARIABLE = "GATEPOST_TEST_SCREENSHOTS"
#: Where a failing browser test leaves a screenshot and the page's HTML (ignored by git).
ARTIFACTS_DIR = PROJECT_ROOT / "test-artifacts"
BLOCKING_IMPACTS = ("serious", "critical")
#: Findings axe calls moderate that still fail a Gatepost page: content outside landmarks, and
#: landmarks that cannot be told apart.
LANDMARK_RULES = ("region", "landmark-unique")
#: The width every page must fit without scrolling sideways (WCAG 2.2 reflow, 1.4.10).
NARROW = 320

_axe = Axe()


def assert_accessible(page: Page, *, context: Any = None) -> None:
    """Run axe-core on the page and fail, listing them, on serious, critical or landmark issues."""
    results = _axe.run(page, context=context)
    problems = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING_IMPACTS or violation["id"] in LANDMARK_RULES
    ]
    if not problems:
        return
    lines = [f"{len(problems)} accessibility problem(s) on {page.url}:"]
    for violation in problems:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    pytest.fail("\n".join(lines), pytrace=False)


def assert_no_sideways_scroll(page: Page, *, width: int = NARROW) -> None:
    """Fail if the page scrolls sideways at `width` CSS pixels, naming the widest elements."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": 640})
    try:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            """(width) => [...document.querySelectorAll('body *')]
                .filter((element) => element.getBoundingClientRect().right > width + 1)
                .slice(0, 5)
                .map((element) => element.tagName + '.' + element.className + ' '
                    + Math.round(element.getBoundingClientRect().right))""",
            width,
        )
        assert scroll_width <= width, f"{page.url} is {scroll_width} px wide at {width} px: {wide}"
    finally:
        if size is not None:
            page.set_viewport_size(size)


def page_title(name: str, *, error: bool = False) -> str:
    """Return the <title> Gatepost gives a page: ["Error: "] NAME, an en dash, "Gatepost"."""
    return f"{'Error: ' if error else ''}{name} \N{EN DASH} Gatepost"


def screenshots_wanted() -> bool:
    """Return whether this run should write the README's screenshots."""
    return os.environ.get(SCREENSHOTS_VARIABLE) == "1"


def screenshot(page: Page, name: str) -> Path | None:
    """Save a full-page PNG as docs/screenshots/NAME.png when GATEPOST_TEST_SCREENSHOTS=1."""
    if not screenshots_wanted():
        return None
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path
