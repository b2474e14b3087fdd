"""Load: simulated people on the web UI and API of `gatepost serve` while its worker drains.

    python -m tests.faults.load --users 50 --seconds 60 [--posts 3000] [--db URL]

Loopback only. Each simulated person signs in through the form, then loops: view pages, read
the API, and write through it (create a token, read it back, revoke some). Afterwards every
successful write must be visible (no lost update), no answer may be a 5xx, and the burst must be
published exactly once. Prints p50/p95 latency per endpoint. `make load` runs the full minute.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scheduler.accounts import create_user
from scheduler.api_tokens import create_token
from scheduler.models import PostState, Role
from tests.conftest import TEST_PASSWORD
from tests.faults.site import FaultSite, wait_until
from tests.support.processes import GATEPOST, free_port, gatepost_env, wait_for_http

#: How many people sign in at the same moment.
SIGN_IN_WAVE = 4
#: Production-like worker timings (a 1 s heartbeat would flap /health on a loaded machine).
LOAD_CONFIG = "[worker]\npoll_interval_seconds = 1\nmissed_grace_minutes = 60\n"


@dataclass
class Results:
    """What every simulated person saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    created: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (name, secret)
    revoked: set[int] = field(default_factory=set)

    def record(self, name: str, status: int, seconds: float) -> None:
        with self.lock:
            self.timings[name].append(seconds)
            self.statuses[status] += 1
            if status >= 500 or status == 0:
                self.server_errors.append(f"{name} -> {status or 'no answer in 30 s'}")


class Person:
    """One simulated person with their own cookies and API token."""

    def __init__(self, base: str, email: str, secret: str, results: Results) -> None:
        self.base = base
        self.email = email
        self.secret = secret
        self.results = results
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(
        self, name: str, method: str, path: str, *, data: bytes | None = None, api: bool = False
    ) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if api and data else {}
        if api:
            headers["Authorization"] = f"Bearer {self.secret}"
        elif data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(  # noqa: S310 - loopback http only
            self.base + path, data=data, method=method, headers=headers
        )
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except OSError as error:  # no answer within 30 s, or the connection was refused
            status, body = 0, str(error).encode()
        self.results.record(name, status, time.perf_counter() - started)
        return status, body

    def sign_in(self) -> None:
        _, page = self.request("GET /sign-in", "GET", "/sign-in")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        form = urllib.parse.urlencode(
            {"email": self.email, "password": TEST_PASSWORD, "csrf_token": token.group(1)}
        ).encode()
        status, _ = self.request("POST /sign-in", "POST", "/sign-in", data=form)
        if status != 302:
            with self.results.lock:
                self.results.server_errors.append(f"{self.email} could not sign in: {status}")

    def loop(self, until: float, rng: random.Random) -> None:
        number = 0
        while time.monotonic() < until:
            number += 1
            choice = rng.random()
            if choice < 0.3:
                self.request("GET /", "GET", "/")
            elif choice < 0.45:
                self.request("GET /account", "GET", "/account")
            elif choice < 0.6:
                self.request("GET /api/v1/me", "GET", "/api/v1/me", api=True)
            elif choice < 0.7:
                self.request("GET /health", "GET", "/health")
            elif choice < 0.8:
                self.request("GET /api/v1/tokens", "GET", "/api/v1/tokens", api=True)
            else:
                self.write(number, rng)

    def write(self, number: int, rng: random.Random) -> None:
        name = f"{self.email}-{number}"
        body = json.dumps({"scopes": ["read"], "name": name}).encode()
        status, answer = self.request(
            "POST /api/v1/tokens", "POST", "/api/v1/tokens", data=body, api=True
        )
        if status != 201:
            return
        created = json.loads(answer)
        token_id = int(created["id"])
        with self.results.lock:
            self.results.created[token_id] = (name, self.email)
        if rng.random() < 0.3:
            status, _ = self.request(
                "DELETE /api/v1/tokens/{id}", "DELETE", f"/api/v1/tokens/{token_id}", api=True
            )
            if status == 200:
                with self.results.lock:
                    self.results.revoked.add(token_id)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects as they are instead of following them."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def lost_updates(base: str, people: list[Person], results: Results) -> list[str]:
    """Return each successful write that cannot be read back as written."""
    owners = {person.email: person for person in people}
    lost = []
    for token_id, (name, email) in sorted(results.created.items()):
        person = owners[email]
        status, body = person.request("check", "GET", f"/api/v1/tokens/{token_id}", api=True)
        if status != 200:
            lost.append(f"token {token_id}: {status}")
            continue
        described = json.loads(body)
        revoked = described.get("revoked_at") is not None or described.get("status") == "revoked"
        if described.get("name") != name or revoked != (token_id in results.revoked):
            lost.append(f"token {token_id}: {described}")
    return lost


def report(results: Results) -> str:
    """Return a table of request counts and p50/p95 latency per endpoint."""
    lines = [f"{'endpoint':32} {'count':>7} {'p50 ms':>8} {'p95 ms':>8}"]
    for name, timings in sorted(results.timings.items()):
        if name == "check":
            continue
        ordered = sorted(timings)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        p50 = statistics.median(ordered)
        lines.append(f"{name:32} {len(ordered):7d} {p50 * 1000:8.1f} {p95 * 1000:8.1f}")
    lines.append(f"statuses: {dict(sorted(results.statuses.items()))}")
    return "\n".join(lines)


def run(site: FaultSite, *, users: int, seconds: float, posts: int) -> Results:
    """Serve, load and drain at once; check; return the results."""
    with site.database.unit_of_work() as session:
        accounts = []
        for number in range(users):
            user = create_user(
                session,
                email=f"load{number}@example.gov.uk",
                password=TEST_PASSWORD,
                role=Role.AUTHOR,
            )
            _, secret = create_token(session, user, scopes="read,write", by=None)
            accounts.append((user.email, secret))
    site.seed(posts, 20, due_at=datetime.now(UTC))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (site.cwd / "serve.log").open("a") as log:
        server = subprocess.Popen(
            [*GATEPOST, "serve", "--port", str(port), "--threads", "16"],
            env=gatepost_env(site.env),
            cwd=site.cwd,
            text=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    results = Results()
    try:
        wait_for_http(f"{base}/health", server)
        people = [Person(base, email, secret, results) for email, secret in accounts]
        # Everyone signs in first, four at a time: Argon2 is slow on purpose (about half a second
        # of CPU each), and 50 at once on two cores took 26 s each (see docs/operations.md).
        with ThreadPoolExecutor(max_workers=SIGN_IN_WAVE) as pool:
            list(pool.map(Person.sign_in, people))
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(target=person.loop, args=(until, random.Random(number)))
            for number, person in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results.server_errors += lost_updates(base, people, results)
        wait_until(lambda: site.states()[PostState.PUBLISHED] == posts, 120, "the burst to drain")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the load test from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--db", default="", help="an empty database URL (default: SQLite in /tmp)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gatepost-load-") as folder:
        directory = Path(folder)
        url = options.db or f"sqlite:///{directory / 'gatepost.sqlite3'}"
        site = FaultSite.create(url, directory, LOAD_CONFIG)
        try:
            results = run(site, users=options.users, seconds=options.seconds, posts=options.posts)
            print(report(results))
            site.assert_exactly_once(options.posts)
        finally:
            site.database.dispose()
    if results.server_errors:
        print("FAILED:", *results.server_errors[:20], sep="\n  ")
        return 1
    print(f"load: {options.users} users for {options.seconds:.0f} s: no 5xx, no lost update")
    return 0


if __name__ == "__main__":
    sys.exit(main())
