"""The GOV.UK Frontend files: served from node_modules, versioned, and only what may be used."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from scheduler.core.database import Database
from tests.support.page_assets import requested_assets
from tests.web.conftest import fetch
from web import create_app
from web.ui import govuk_frontend


def test_the_compiled_css_and_js_are_served_with_the_pinned_version(client: FlaskClient) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/assets/govuk-frontend.min.css?v=6.6.0"' in page
    assert 'data-govuk-frontend="/assets/govuk-frontend.min.js?v=6.6.0"' in page
    css = fetch(client, "/assets/govuk-frontend.min.css?v=6.6.0")
    assert css.status_code == 200
    assert css.mimetype == "text/css"
    assert b"govuk-generic-header" in css.data
    script = fetch(client, "/assets/govuk-frontend.min.js")
    assert script.mimetype == "text/javascript"
    assert b"initAll" in script.data


@pytest.mark.parametrize(
    "path",
    [
        "/assets/fonts/bold-b542beb274-v2.woff2",  # GDS Transport: for GOV.UK services only
        "/assets/images/govuk-crest.svg",
        "/assets/images/favicon.ico",
        "/assets/manifest.json",
        "/assets/../package.json",
        "/assets/govuk-frontend.min.css/../../package.json",
    ],
)
def test_fonts_images_and_anything_else_are_not_served(client: FlaskClient, path: str) -> None:
    assert fetch(client, path).status_code == 404


def test_the_font_name_is_pointed_at_system_fonts(client: FlaskClient) -> None:
    css = fetch(client, "/static/css/gatepost.css").get_data(as_text=True)
    assert css.count('font-family: "GDS Transport"') == 2
    assert "url(" not in css


def test_every_file_a_page_asks_for_is_served(client: FlaskClient) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    urls = requested_assets(page)
    assert "/assets/govuk-frontend.min.css?v=6.6.0" in urls
    assert "/assets/govuk-frontend.min.js?v=6.6.0" in urls
    assert {url: fetch(client, url).status_code for url in urls} == dict.fromkeys(urls, 200)


def test_without_npm_ci_pages_still_work_ask_for_nothing_missing_and_one_warning_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    settings: Settings,
    database: Database,
    session_factory: sessionmaker[Session],
) -> None:
    monkeypatch.setattr(govuk_frontend, "PROJECT_ROOT", tmp_path)
    with caplog.at_level(logging.WARNING, logger="web.ui.govuk_frontend"):
        app = create_app(settings, database=database.with_session_factory(session_factory))
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1
    assert "Run `npm ci`" in warnings[0]
    client = app.test_client()
    page = client.get("/sign-in")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Sign in</h1>' in html
    assert "/assets/" not in html
    assert 'type="module"' not in html  # gatepost.js would only import the missing script
    urls = requested_assets(html)
    assert urls  # the favicon, Gatepost's own stylesheet and js-enabled.js are still there
    assert {url: fetch(client, url).status_code for url in urls} == dict.fromkeys(urls, 200)
    assert fetch(client, "/assets/govuk-frontend.min.css").status_code == 404
