"""Attack every route in the URL map: anonymous, another's objects, no CSRF token, bad bodies.

Routes are read from `app.url_map`, so routes added later are covered without editing this file;
the reviewed exceptions live in `route_policy.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from scheduler.models import AuditEvent, ChannelAccess, Post, ReleaseAccess
from tests.abuse import route_policy
from tests.abuse.conftest import (
    EMBARGO_MARKER,
    SQL_PAYLOAD,
    World,
    build_path,
    is_api,
    methods_of,
    read,
)
from tests.web.conftest import csrf_token_from

BODY_METHODS = {"POST", "PUT", "PATCH"}


def call(client: FlaskClient, method: str, path: str, **kwargs: object) -> TestResponse:
    """Send one request and read its body."""
    response = client.open(path, method=method, **kwargs)  # type: ignore[arg-type]
    read(response)
    return response


def sign_in_as(
    client: FlaskClient, user: object, code_for: Callable[..., str] | None = None
) -> None:
    """Sign a person in through the form on this client (password only: authors)."""
    from tests.conftest import TEST_PASSWORD

    form = client.get("/sign-in")
    if form.status_code == 302:  # still signed in
        read(form)
        return
    token = csrf_token_from(read(form))
    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302, read(response)


def test_anonymous_visitors_reach_only_the_public_routes(
    app: Flask, routes: list[Rule], world: World
) -> None:
    client = app.test_client()
    token = csrf_token_from(read(client.get("/sign-in")))
    wrong: list[str] = []
    for rule in routes:
        if rule.endpoint in route_policy.PUBLIC_ENDPOINTS:
            continue
        path = build_path(rule, world.path_values)
        for method in methods_of(rule):
            data = None if is_api(rule) or method == "GET" else {"csrf_token": token}
            response = call(client, method, path, data=data)
            where = f"{method} {path} ({rule.endpoint}) -> {response.status_code}"
            if is_api(rule):
                if response.status_code != 401 or response.mimetype != "application/problem+json":
                    wrong.append(f"{where}, expected a 401 problem")
            elif response.status_code != 302 or not response.headers["Location"].startswith(
                "/sign-in"
            ):
                wrong.append(f"{where}, expected a redirect to sign in")
    assert wrong == []


def test_every_web_form_route_refuses_a_post_without_its_csrf_token(
    app: Flask, routes: list[Rule], world: World
) -> None:
    anonymous = app.test_client()
    signed_in = app.test_client()
    sign_in_as(signed_in, world.intruder)
    wrong: list[str] = []
    for rule in routes:
        if is_api(rule) or rule.endpoint in route_policy.CSRF_EXEMPT_WEB_ENDPOINTS:
            continue
        path = build_path(rule, world.path_values)
        for method in set(methods_of(rule)) & BODY_METHODS | ({"DELETE"} & set(methods_of(rule))):
            for who, client in (("anonymous", anonymous), ("signed in", signed_in)):
                response = call(client, method, path, data={"text": "no token"})
                if response.status_code != 400:
                    wrong.append(f"{who} {method} {path} -> {response.status_code}")
    assert wrong == []


def victims_state(session: Session, world: World) -> list[object]:
    """Return everything an intruder must not be able to change about the victim's things."""
    session.expire_all()
    posts = session.scalars(
        select(Post).where(Post.channel_id == world.channel_b.id).order_by(Post.id)
    ).all()
    return [
        [(p.id, p.state, p.version, p.content_version, p.text, p.send_at) for p in posts],
        world.victim_token.revoked_at,
        world.release.embargo_at,
        world.release.title,
        sorted(session.scalars(select(ReleaseAccess.user_id)).all()),
        sorted(
            tuple(row)
            for row in session.execute(select(ChannelAccess.user_id, ChannelAccess.channel_id))
        ),
        session.scalar(
            select(AuditEvent.id)
            .where(AuditEvent.post_id.in_([p.id for p in posts]))
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ),
    ]


def test_an_author_cannot_read_or_change_anothers_objects_on_any_route(
    app: Flask, routes: list[Rule], world: World, session: Session
) -> None:
    before = victims_state(session, world)
    web = app.test_client()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {world.intruder_secret}"}
    leaks: list[str] = []
    for rule in routes:
        path = build_path(rule, world.path_values)
        for method in methods_of(rule):
            if is_api(rule):
                kwargs: dict[str, object] = {"headers": headers}
                if method in BODY_METHODS:
                    kwargs["json"] = {"version": world.embargoed.version, "text": "hijacked"}
                response = call(api, method, path, **kwargs)
            else:
                sign_in_as(web, world.intruder)  # every time: a POST may have signed us out
                data = None
                if method != "GET":
                    token = csrf_token_from(read(web.get("/account/password")))
                    data = {"csrf_token": token, "text": "hijacked"}
                response = call(web, method, path, data=data)
            body = response.get_data(as_text=True)
            if EMBARGO_MARKER in body or world.victim_secret in body:
                leaks.append(f"{method} {path} -> {response.status_code} shows the victim's text")
            if rule.arguments & {"post_id", "thread_id", "token_id"} and response.status_code < 300:
                leaks.append(f"{method} {path} -> {response.status_code} for another's object")
    assert leaks == []
    assert victims_state(session, world) == before


def test_malformed_oversized_and_hostile_bodies_get_4xx_never_5xx(
    app: Flask, routes: list[Rule], world: World
) -> None:
    api = app.test_client()
    web = app.test_client()
    sign_in_as(web, world.intruder)
    headers = {"Authorization": f"Bearer {world.intruder_secret}"}
    too_big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    bodies: list[tuple[str, bytes, str]] = [
        ("invalid JSON", b'{"text": ', "application/json"),
        ("invalid UTF-8", b'{"text": "\xff\xfe\xc3"}', "application/json"),
        ("JSON not an object", b"[1, 2, 3]", "application/json"),
        ("deep nesting", b"[" * 5000 + b"]" * 5000, "application/json"),
        ("wrong type", b"text=hello", "application/x-www-form-urlencoded"),
        (
            "SQL metacharacters",
            f'{{"text": "{SQL_PAYLOAD.replace(chr(34), "")}"}}'.encode(),
            "application/json",
        ),
        ("oversized", too_big, "application/json"),
    ]
    server_errors: list[str] = []
    for rule in routes:
        path = build_path(rule, world.path_values)
        query = (
            "?q=%27%20OR%201%3D1--&page=%27%22%3B&next=%ff%fe&limit=-1&before=%00"
            "&channel=a%00b&state=%00&after=%00&date=%00&view=%00&show=%00&release=%00"
            "&thread=%00&cursor=%00&author=%00&download=1&start=%00&end=%00&from=%00&to=%00"
        )
        for method in methods_of(rule):
            client = api if is_api(rule) else web
            extra = headers if is_api(rule) else {}
            if method in BODY_METHODS:
                for name, body, content_type in bodies:
                    if not is_api(rule):
                        token = csrf_token_from(read(web.get("/account/password")))
                        body = b"csrf_token=" + token.encode() + b"&text=%ff%fe" + body[:2000]
                        content_type = "application/x-www-form-urlencoded"
                        if name == "oversized":
                            body = too_big
                    response = call(
                        client, method, path, data=body, content_type=content_type, headers=extra
                    )
                    if response.status_code >= 500 or response.status_code < 200:
                        server_errors.append(f"{method} {path} {name} -> {response.status_code}")
                    if not is_api(rule):
                        sign_in_as(web, world.intruder)
            else:
                response = call(client, method, path + query, headers=extra)
                unhealthy = (
                    rule.endpoint in route_policy.MAY_ANSWER_503 and response.status_code == 503
                )
                if response.status_code >= 500 and not unhealthy:
                    server_errors.append(f"{method} {path}{query} -> {response.status_code}")
    assert server_errors == []


def test_file_name_parameters_refuse_path_traversal(
    app: Flask, routes: list[Rule], world: World
) -> None:
    client = app.test_client()
    sign_in_as(client, world.intruder)
    attempts = [
        "../../setup.cfg",
        "..%2F..%2Fsetup.cfg",
        "%2e%2e/%2e%2e/setup.cfg",
        "/etc/passwd",
        "....//....//setup.cfg",
        "css/../../../setup.cfg",
        "..\\..\\setup.cfg",
    ]
    escaped: list[str] = []
    file_rules = [r for r in routes if r.arguments & route_policy.FILE_NAME_PARAMETERS]
    assert file_rules, "the static and asset routes take file names"
    for rule in file_rules:
        prefix = rule.rule.split("<", 1)[0]
        for attempt in attempts:
            response = call(client, "GET", prefix + attempt)
            body = response.get_data(as_text=True)
            if response.status_code == 200 or "[metadata]" in body or "root:" in body:
                escaped.append(f"{prefix}{attempt} -> {response.status_code}")
    assert escaped == []


def test_every_response_carries_the_security_headers(
    app: Flask, routes: list[Rule], world: World
) -> None:
    client = app.test_client()
    missing: list[str] = []
    for rule in routes:
        path = build_path(rule, world.path_values)
        response = call(client, "GET" if "GET" in methods_of(rule) else methods_of(rule)[0], path)
        headers = response.headers
        policy = headers.get("Content-Security-Policy", "")
        if "frame-ancestors 'none'" not in policy or "script-src 'self'" not in policy:
            missing.append(f"{path}: CSP {policy!r}")
        if headers.get("X-Content-Type-Options") != "nosniff":
            missing.append(f"{path}: no nosniff")
        if "Strict-Transport-Security" in headers:
            missing.append(f"{path}: HSTS sent over plain HTTP")
    assert missing == []
