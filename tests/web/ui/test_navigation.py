"""The navigation shows a person exactly the sections they may open: every link shown answers 200
and every section left out would refuse them (no Compose without author access, no Inbox without
approver access).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from config import Settings
from scheduler.models import AccessRole, Role, User, utcnow
from tests.conftest import TEST_PASSWORD
from tests.support.factories import Factory
from tests.support.totp import enrol
from tests.web.conftest import csrf_token_from
from web.ui.navigation import SECTIONS

PEOPLE = {
    "an author": (Role.AUTHOR, [AccessRole.AUTHOR]),
    "an author without any channel": (Role.AUTHOR, []),
    "an approver": (Role.APPROVER, [AccessRole.APPROVER]),
    "an approver who also writes": (Role.APPROVER, [AccessRole.APPROVER, AccessRole.AUTHOR]),
    "an approver without any channel": (Role.APPROVER, []),
    "an admin": (Role.ADMIN, []),
}


def signed_in(app: Flask, user: User, code: Callable[[User], str]) -> FlaskClient:
    client = app.test_client()
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    answer = client.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    if answer.headers["Location"] == "/sign-in/two-factor":
        token = csrf_token_from(client.get("/sign-in/two-factor").get_data(as_text=True))
        answer = client.post("/sign-in/two-factor", data={"code": code(user), "csrf_token": token})
    assert answer.headers["Location"] == "/", answer.headers
    return client


def navigation_hrefs(page: str) -> set[str]:
    start = page.index('<ul class="govuk-service-navigation__list"')
    listed = page[start : page.index("</ul>", start)]
    return set(re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', listed))


@pytest.mark.parametrize("who", list(PEOPLE))
def test_the_links_shown_are_exactly_the_sections_that_answer_200(
    who: str,
    app: Flask,
    session: Session,
    settings: Settings,
    code_for: Callable[[User], str],
) -> None:
    role, access = PEOPLE[who]
    make = Factory(session, settings, now=utcnow())
    channel = make.channel()
    user = make.user(role)
    for access_role in access:
        make.grant(user, [channel], access_role)
    enrol(session, user)
    session.flush()
    client = signed_in(app, user, code_for)

    with app.test_request_context():
        # Sections whose blueprint has not landed yet are never shown.
        sections = {
            url_for(section.endpoint)
            for section in SECTIONS
            if section.endpoint in app.view_functions
        }
    shown = navigation_hrefs(client.get("/").get_data(as_text=True))
    answering = {path for path in sections if client.get(path).status_code == 200}

    assert shown == answering
    assert ("/compose" in shown) == (AccessRole.AUTHOR in access or role is Role.ADMIN)
    assert ("/inbox" in shown) == (AccessRole.APPROVER in access or role is Role.ADMIN)
    assert ("/imports/thread" in shown) == (AccessRole.AUTHOR in access or role is Role.ADMIN)
