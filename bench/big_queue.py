"""Workload 4: page times over a big queue, through a real HTTP client and the production server.

The server (`gatepost serve --no-worker`, waitress) runs with the `server_timing` setting on, so
each response says how long the app spent on it and how many SQL statements it ran. Pages are
found by endpoint name; those this build does not have are reported as such.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import requests
from flask import Flask, url_for

from bench.environment import Scratch, gatepost_command, scratch
from bench.outcome import percentile
from bench.seeding import (
    BENCH_PASSWORD,
    People,
    grant_channels,
    seed_big_queue,
    seed_channels,
    seed_people,
    settle_after_seeding,
)
from config import load_settings
from scheduler.identity.api_tokens import create_token
from scheduler.models import User
from web.app import create_app

TIMING = re.compile(r'app;dur=([\d.]+), sql;dur=([\d.]+);desc="(\d+) queries"')


@dataclass(frozen=True)
class Page:
    """A page to time: its label, endpoint (or API path), URL arguments and how to authenticate."""

    label: str
    endpoint: str
    arguments: dict[str, str]
    auth: str  # "session", "token" or "none"


PAGES = (
    Page("queue (first page)", "queue.index", {}, "session"),
    Page("queue (filtered: scheduled)", "queue.index", {"state": "scheduled"}, "session"),
    Page("calendar week", "calendar.index", {"view": "week"}, "session"),
    Page("calendar month", "calendar.index", {"view": "month"}, "session"),
    Page("clearance inbox", "inbox.index", {}, "session"),
    Page("home", "main.home", {}, "session"),
    Page("health", "health.health", {}, "none"),
    Page("API posts list", "/api/v1/posts", {}, "token"),
    Page("API me", "/api/v1/me", {}, "token"),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _urls(app: Flask) -> dict[str, str]:
    """Return the URL of each page this build has, by label."""
    found: dict[str, str] = {}
    known = set(app.view_functions)
    paths = {rule.rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    with app.test_request_context():
        for page in PAGES:
            if page.endpoint.startswith("/"):
                if page.endpoint in paths:
                    found[page.label] = page.endpoint
            elif page.endpoint in known:
                found[page.label] = url_for(page.endpoint, **page.arguments)
    return found


def _sign_in(http: requests.Session, base: str, people: People) -> None:
    form = http.get(f"{base}/sign-in", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token, "the sign-in page has no CSRF token"
    answer = http.post(
        f"{base}/sign-in",
        data={
            "csrf_token": token.group(1),
            "email": people.approver_email,
            "password": BENCH_PASSWORD,
        },
        timeout=30,
    )
    if "two-factor" in answer.url:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', answer.text)
        assert token, "the two-factor page has no CSRF token"
        code = pyotp.TOTP(people.approver_totp_secret).now()
        http.post(
            f"{base}/sign-in/two-factor",
            data={"csrf_token": token.group(1), "code": code},
            timeout=30,
        )


def _api_token(run: Scratch, people: People) -> str:
    with run.database.session_factory() as session:
        approver = session.get(User, people.approver_id)
        assert approver is not None
        _, secret = create_token(session, approver, scopes="read", name="bench", by=None)
        session.commit()
    return secret


def _time(
    http: requests.Session, url: str, requests_per_page: int, headers: dict[str, str]
) -> dict[str, Any]:
    server_ms: list[float] = []
    queries: set[int] = set()
    status = 0
    for _ in range(requests_per_page):
        response = http.get(url, headers=headers, timeout=60, allow_redirects=False)
        status = response.status_code
        match = TIMING.search(response.headers.get("Server-Timing", ""))
        if match:
            server_ms.append(float(match.group(1)))
            queries.add(int(match.group(3)))
    return {
        "status": status,
        "p50_ms": percentile(server_ms, 0.5),
        "p95_ms": percentile(server_ms, 0.95),
        "queries": sorted(queries),
    }


def run_big_queue(
    *, backend: str, root: Path, postgres_url: str | None, posts: int, requests_per_page: int
) -> dict[str, Any]:
    """Seed a big queue, start the production server, and time each page this build has."""
    with scratch(backend, root, postgres_url) as run:
        people = seed_people(run.database)
        channel_ids = seed_channels(run.database, 50)
        # The approver is on every channel's access list: the pages list the whole queue.
        grant_channels(run.database, people.approver_id, channel_ids)
        seed_big_queue(run.database, people, channel_ids, posts, centre=datetime.now(UTC))
        settle_after_seeding(run.database)
        token = _api_token(run, people)
        config = run.write_config(server_timing=True)
        environment = run.environment(config)
        app = create_app(load_settings(environment), database=run.database)
        urls = _urls(app)
        port = _free_port()
        log = (run.folder / "serve.log").open("w")
        server = subprocess.Popen(
            [*gatepost_command(), "serve", "--no-worker", "--port", str(port), "--threads", "4"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        results: dict[str, Any] = {}
        try:
            _wait_for(base, server)
            with requests.Session() as signed_in, requests.Session() as anonymous:
                _sign_in(signed_in, base, people)
                for page in PAGES:
                    if page.label not in urls:
                        results[page.label] = {"available": False}
                        continue
                    headers = {"Authorization": f"Bearer {token}"} if page.auth == "token" else {}
                    client = signed_in if page.auth == "session" else anonymous
                    results[page.label] = {
                        "available": True,
                        "url": urls[page.label],
                        **_time(client, base + urls[page.label], requests_per_page, headers),
                    }
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
            run.database.engine.dispose()
    return {
        "backend": backend,
        "posts": posts,
        "requests_per_page": requests_per_page,
        "pages": results,
    }


def _wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gatepost serve exited at start")
        try:
            requests.get(f"{base}/health", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("gatepost serve did not answer within 60 s")
