"""The page layout: header, navigation, notification banners, error pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, flash, redirect, render_template_string
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse
from werkzeug.wrappers import Response

from config import Settings
from scheduler.channels.operations import create_channel, grant_access
from scheduler.core.database import Database
from scheduler.core.errors import PermissionDenied
from scheduler.models import AccessRole, Channel, Role, User
from tests.conftest import TEST_PASSWORD
from tests.web.conftest import csrf_token_from
from web import create_app

SignIn = Callable[..., TestResponse]
SECTION_PAGE = '{% extends "base.html" %}{% block content %}A section{% endblock %}'


def sign_in_on(client: FlaskClient, user: User, code: Callable[[User], str]) -> None:
    """Sign in through the forms on a client of an app other than the `app` fixture."""
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    if response.headers["Location"] == "/sign-in/two-factor":
        token = csrf_token_from(client.get("/sign-in/two-factor").get_data(as_text=True))
        client.post("/sign-in/two-factor", data={"code": code(user), "csrf_token": token})
    assert client.get("/account").status_code == 200


def app_with_sections(
    settings: Settings, database: Database, session_factory: sessionmaker[Session]
) -> Flask:
    """Build an app as later rounds will: extra blueprints named for their sections."""
    app = create_app(settings, database=database.with_session_factory(session_factory))
    for name in ("compose", "admin"):
        if name in app.blueprints:
            # The real section exists: add a page to it (an endpoint named in its blueprint).
            app.add_url_rule(
                f"/{name}/other", f"{name}.other", lambda: render_template_string(SECTION_PAGE)
            )
            continue
        section = Blueprint(name, __name__, url_prefix=f"/{name}")
        section.add_url_rule("", "index", lambda: render_template_string(SECTION_PAGE))
        section.add_url_rule("/other", "other", lambda: render_template_string(SECTION_PAGE))
        app.register_blueprint(section)
    extra = Blueprint("probe", __name__)

    @extra.route("/probe/flash")
    def flash_twice() -> Response:
        flash("Post cleared", "success")
        flash("The worker is paused")
        return redirect("/account")

    @extra.route("/probe/forbidden")
    def forbidden() -> str:
        raise PermissionDenied("Only admins can manage channels")

    @extra.route("/probe/broken")
    def broken() -> str:
        raise RuntimeError("something broke")

    app.register_blueprint(extra)
    return app


def channel_named(session: Session, handle: str) -> Channel:
    """Add an active mock channel."""
    channel = create_channel(session, platform="mock", handle=handle, language="en")
    session.flush()
    return channel


def test_the_layout_is_gatepost_not_gov_uk(client: FlaskClient) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    assert '<a href="#main-content" class="govuk-skip-link"' in page
    assert 'class="govuk-generic-header__homepage-link">Gatepost</a>' in page
    assert "GOV.UK" not in page
    assert "govuk-logo" not in page  # no crown
    assert "govuk-footer__crown" not in page
    assert 'id="main-content"' in page
    assert "<script>" not in page  # no inline script: the CSP forbids it
    assert "govuk-service-navigation" not in page  # nothing to navigate before signing in


def test_signed_in_people_see_the_sections_that_exist(
    client: FlaskClient, make_user: Callable[..., User], sign_in: SignIn, session: Session
) -> None:
    author = make_user(Role.AUTHOR, name="Ada Author")
    grant_access(
        session, channel=channel_named(session, "ada"), user=author, role=AccessRole.AUTHOR
    )
    sign_in(author)
    page = client.get("/").get_data(as_text=True)
    assert 'aria-current="page"' in page
    assert ">Home</strong>" in page
    assert 'href="/compose"' in page  # authors write posts
    assert 'href="/admin"' not in page  # no such page for them
    assert "Ada Author" in page
    assert 'action="/sign-out"' in page


def test_sections_light_up_when_their_pages_exist_and_roles_allow(
    settings: Settings,
    database: Database,
    session_factory: sessionmaker[Session],
    make_user: Callable[..., User],
    make_enrolled_user: Callable[..., tuple[User, list[str]]],
    code_for: Callable[[User], str],
    session: Session,
) -> None:
    app = app_with_sections(settings, database, session_factory)

    def navigation_of(user: User, path: str) -> str:
        client = app.test_client()
        sign_in_on(client, user, code_for)
        page = client.get(path).get_data(as_text=True)
        start = page.index('<ul class="govuk-service-navigation__list"')
        return page[start : page.index("</ul>", start)]

    author = make_user(Role.AUTHOR)
    grant_access(
        session, channel=channel_named(session, "layout"), user=author, role=AccessRole.AUTHOR
    )
    author_nav = navigation_of(author, "/compose/other")
    assert 'href="/compose"' in author_nav
    assert 'aria-current="true"' in author_nav  # inside the Compose section, not its first page
    assert 'href="/admin"' not in author_nav
    admin, _ = make_enrolled_user(Role.ADMIN)
    admin_nav = navigation_of(admin, "/admin")
    assert 'href="/compose"' in admin_nav
    assert 'href="/admin" aria-current="page"' in admin_nav


def test_flashed_messages_are_notification_banners(
    settings: Settings,
    database: Database,
    session_factory: sessionmaker[Session],
    make_user: Callable[..., User],
    code_for: Callable[[User], str],
    session: Session,
) -> None:
    app = app_with_sections(settings, database, session_factory)
    client = app.test_client()
    sign_in_on(client, make_user(Role.AUTHOR), code_for)
    page = client.get("/probe/flash", follow_redirects=True).get_data(as_text=True)
    assert 'govuk-notification-banner govuk-notification-banner--success" role="alert"' in page
    assert ">Post cleared</p>" in page
    assert 'class="govuk-notification-banner" role="region"' in page
    assert ">The worker is paused</p>" in page


def test_error_pages_use_the_layout(
    settings: Settings, database: Database, session_factory: sessionmaker[Session]
) -> None:
    app = app_with_sections(settings, database, session_factory)
    client = app.test_client()

    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404
    assert "<title>Page not found \N{EN DASH} Gatepost</title>" in not_found.get_data(as_text=True)

    not_allowed = client.get("/sign-out")
    assert not_allowed.status_code == 405
    assert "That action is not allowed here" in not_allowed.get_data(as_text=True)

    forbidden = client.get("/probe/forbidden")
    assert forbidden.status_code == 403
    assert "Only admins can manage channels" in forbidden.get_data(as_text=True)

    broken = client.get("/probe/broken")
    assert broken.status_code == 500
    page = broken.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "something broke" not in page
    assert 'class="govuk-skip-link"' in page
