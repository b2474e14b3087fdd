"""Crawl every GET route as each kind of person: embargoed text never leaks, payloads stay inert.

The crawl reads `app.url_map`, so pages added later (post pages, the queue, calendars, feeds,
exports) are covered without editing this file.
"""

from __future__ import annotations

import io
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from scheduler.channels.operations import access_list
from scheduler.models import User
from scheduler.reports.access_export import write_access_list
from scheduler.reports.audit_export import AuditFilter, export_chunks
from tests.abuse.conftest import (
    EMBARGO_MARKER,
    XSS_PAYLOADS,
    World,
    build_path,
    is_api,
    methods_of,
    read,
)
from tests.conftest import TEST_PASSWORD
from tests.support.totp import totp_code
from tests.web.conftest import csrf_token_from


def signed_in(app: Flask, session: Session, user: User) -> FlaskClient:
    """Return a client signed in as the person, through both steps when they use 2FA."""
    client = app.test_client()
    token = csrf_token_from(read(client.get("/sign-in")))
    response = client.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    read(response)
    if response.headers["Location"] == "/sign-in/two-factor":
        session.refresh(user)
        assert user.totp_secret
        token = csrf_token_from(read(client.get("/sign-in/two-factor")))
        code = totp_code(user.totp_secret, user.totp_last_counter)
        response = client.post("/sign-in/two-factor", data={"code": code, "csrf_token": token})
        read(response)
    assert response.status_code == 302
    assert not response.headers["Location"].startswith("/sign-in"), response.headers
    return client


def crawl(
    client: FlaskClient, routes: list[Rule], world: World, **kwargs: object
) -> dict[str, str]:
    """GET every route (and a missing page) and return each body by path."""
    bodies: dict[str, str] = {}
    for rule in routes:
        if "GET" not in methods_of(rule):
            continue
        path = build_path(rule, world.path_values)
        bodies[path] = read(client.get(path, **kwargs))  # type: ignore[arg-type]
    for path in ("/no-such-page", "/api/v1/no-such-thing", f"/api/v1/posts/{world.embargoed.id}"):
        bodies[path] = read(client.get(path, **kwargs))  # type: ignore[arg-type]
    return bodies


def test_no_page_api_answer_export_or_log_shows_embargoed_text_to_outsiders(
    app: Flask,
    routes: list[Rule],
    world: World,
    session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: dict[str, dict[str, str]] = {
        "anonymous": crawl(app.test_client(), routes, world),
        "another author": crawl(signed_in(app, session, world.intruder), routes, world),
        "an approver not on the list": crawl(
            signed_in(app, session, world.outsider_approver), routes, world
        ),
        "an author of the channel not on the list": crawl(
            signed_in(app, session, world.co_author), routes, world
        ),
        # Pre-release access is for the people named on the list: admins included.
        "an admin not on the list": crawl(signed_in(app, session, world.admin), routes, world),
    }
    for who, secret in (
        ("intruder", world.intruder_secret),
        ("outsider", world.outsider_secret),
        ("admin", world.admin_secret),
    ):
        api_routes = [rule for rule in routes if is_api(rule)]
        seen[f"the API as the {who}"] = crawl(
            app.test_client(), api_routes, world, headers={"Authorization": f"Bearer {secret}"}
        )
    audit = "".join(
        "".join(export_chunks(session, AuditFilter(), export_format))
        for export_format in ("csv", "json")
    )
    access = io.StringIO()
    write_access_list(access_list(session), access, "csv")
    seen["exports"] = {"audit export": audit, "access export": access.getvalue()}
    seen["logs"] = {"log records": "\n".join(record.getMessage() for record in caplog.records)}
    leaks = [
        f"{who}: {where}"
        for who, bodies in seen.items()
        for where, body in bodies.items()
        if EMBARGO_MARKER in body
    ]
    assert leaks == [], leaks
    assert len(seen["another author"]) >= 5  # the crawl really visited pages


def test_script_payloads_in_every_text_field_render_inert(
    app: Flask, routes: list[Rule], world: World, session: Session
) -> None:
    readers = [world.victim, world.admin, world.outsider_approver]
    raw: list[str] = []
    for reader in readers:
        for path, body in crawl(signed_in(app, session, reader), routes, world).items():
            raw += [f"{reader.email} {path}: {p}" for p in XSS_PAYLOADS if p in body]
    assert raw == []
