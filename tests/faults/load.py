"""Load: simulated people on the web UI and API of `gatepost serve` while its worker drains.

    python -m tests.faults.load --users 50 --seconds 60 [--posts 3000] [--db URL]

Loopback only. Each simulated author signs in through the form, then loops: view pages, read
the API, and write through it: create and revoke tokens; create posts, edit them with the version
they read (several people edit the same few posts at once, and some send a version they read a
while ago, as a person with a form left open would), and submit them. Approvers (with 2FA, and an
approve-scoped token) approve what is in review. Afterwards: no answer was a 5xx, every post write
answered 200/201 or 409, each post holds exactly its last successful write (version and text) and
every successful write was based on the one before it (no lost update), every token write reads
back, and the burst was published exactly once. Prints p50/p95 latency per endpoint. `make load`
runs the full minute.
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
from typing import Any

from scheduler.channels.operations import create_channel, grant_access
from scheduler.identity.accounts import create_user
from scheduler.identity.api_tokens import create_token
from scheduler.models import AccessRole, PostState, Role
from tests.conftest import TEST_PASSWORD
from tests.faults.edit_ledger import WRITE_STATUSES, EditLedger
from tests.faults.site import FaultSite, wait_until
from tests.support.processes import GATEPOST, free_port, gatepost_env, wait_for_http
from tests.support.totp import enrol

#: How many people sign in at the same moment.
SIGN_IN_WAVE = 4
#: Production-like worker timings (a 1 s heartbeat would flap /health on a loaded machine).
LOAD_CONFIG = "[worker]\npoll_interval_seconds = 1\nmissed_grace_minutes = 60\n"
#: The channel everyone writes posts on (its posts have no send time, so they never publish).
WRITING_CHANNEL = "loadwriting"
#: How many posts most edits go to, so that several people edit the same post at once.
HOT_POSTS = 3
#: How often a person edits with a version read earlier instead of reading the post again.
STALE_EDITS = 0.2
#: The endpoints that write posts, reported together.
POST_WRITES = (
    "POST /api/v1/posts",
    "PATCH /api/v1/posts/{id}",
    "POST /api/v1/posts/{id}/submit",
    "POST /api/v1/posts/{id}/approve",
)


@dataclass
class Results:
    """What every simulated person saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    created: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (name, secret)
    revoked: set[int] = field(default_factory=set)
    posts: list[int] = field(default_factory=list)  # on the writing channel, oldest first
    edits: EditLedger = field(default_factory=EditLedger)

    def record(self, name: str, status: int, seconds: float) -> None:
        with self.lock:
            self.timings[name].append(seconds)
            self.statuses[status] += 1
            if status >= 500 or status == 0:
                self.failures.append(f"{name} -> {status or 'no answer in 30 s'}")

    def fail(self, problem: str) -> None:
        with self.lock:
            self.failures.append(problem)

    def pick_post(self, rng: random.Random) -> int | None:
        """Return a post to write to: mostly one of the first few, so that writes collide."""
        with self.lock:
            if not self.posts:
                return None
            hot = self.posts[:HOT_POSTS]
            return rng.choice(hot if rng.random() < 0.7 else self.posts)


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
        self.seen: dict[int, int] = {}  # post id -> the version this person last saw

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

    def api(
        self, name: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Call the API; return the status and the JSON answer ({} when it is not JSON)."""
        data = json.dumps(body).encode() if body is not None else None
        status, answer = self.request(name, method, path, data=data, api=True)
        try:
            parsed = json.loads(answer)
        except ValueError:
            parsed = {}
        return status, parsed if isinstance(parsed, dict) else {}

    def sign_in(self) -> None:
        _, page = self.request("GET /sign-in", "GET", "/sign-in")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        form = urllib.parse.urlencode(
            {"email": self.email, "password": TEST_PASSWORD, "csrf_token": token.group(1)}
        ).encode()
        status, _ = self.request("POST /sign-in", "POST", "/sign-in", data=form)
        if status != 302:
            self.results.fail(f"{self.email} could not sign in: {status}")

    def loop(self, until: float, rng: random.Random) -> None:
        number = 0
        while time.monotonic() < until:
            number += 1
            choice = rng.random()
            if choice < 0.2:
                self.request("GET /", "GET", "/")
            elif choice < 0.3:
                self.request("GET /account", "GET", "/account")
            elif choice < 0.4:
                self.request("GET /api/v1/me", "GET", "/api/v1/me", api=True)
            elif choice < 0.45:
                self.request("GET /health", "GET", "/health")
            elif choice < 0.5:
                self.request("GET /api/v1/tokens", "GET", "/api/v1/tokens", api=True)
            elif choice < 0.6:
                self.write_token(number, rng)
            elif choice < 0.65:
                self.create_post(number)
            elif choice < 0.9:
                self.edit_post(number, rng)
            else:
                self.submit_post(rng)

    def write_token(self, number: int, rng: random.Random) -> None:
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

    def create_post(self, number: int) -> None:
        text = f"Created by {self.email} ({number})"
        status, answer = self.api(
            "POST /api/v1/posts",
            "POST",
            "/api/v1/posts",
            {"channel": WRITING_CHANNEL, "text": text},
        )
        self.check_write("POST /api/v1/posts", status, answer)
        self.results.edits.record("create", self.email, None, status, answer)
        if status == 201:
            with self.results.lock:
                self.results.posts.append(int(answer["id"]))

    def read_post(self, post_id: int) -> dict[str, Any] | None:
        status, answer = self.api("GET /api/v1/posts/{id}", "GET", f"/api/v1/posts/{post_id}")
        return answer if status == 200 else None

    def edit_post(self, number: int, rng: random.Random) -> None:
        post_id = self.results.pick_post(rng)
        if post_id is None:
            return
        version = self.seen.get(post_id)
        # Sometimes edit with a version read earlier, as a person with a form left open would:
        # if anyone wrote since (this person included), the answer must be 409, never a 200.
        if version is None or rng.random() >= STALE_EDITS:
            shown = self.read_post(post_id)
            if shown is None:
                return
            version = int(shown["version"])
        text = f"Edited by {self.email} ({number})"
        status, answer = self.api(
            "PATCH /api/v1/posts/{id}",
            "PATCH",
            f"/api/v1/posts/{post_id}",
            {"version": version, "text": text},
        )
        self.check_write("PATCH /api/v1/posts/{id}", status, answer)
        self.results.edits.record("edit", self.email, version, status, answer)
        self.seen[post_id] = int(answer["version"]) if status == 200 else version

    def submit_post(self, rng: random.Random) -> None:
        post_id = self.results.pick_post(rng)
        shown = self.read_post(post_id) if post_id is not None else None
        if shown is None or shown["state"] != PostState.DRAFT.value:
            return
        self.act(post_id, "submit", int(shown["version"]))

    def act(self, post_id: int, action: str, version: int) -> None:
        """Submit or approve the post as of `version`: done (200), or 409 if it moved on."""
        name = f"POST /api/v1/posts/{{id}}/{action}"
        status, answer = self.api(
            name, "POST", f"/api/v1/posts/{post_id}/{action}", {"version": version}
        )
        self.check_write(name, status, answer)
        self.results.edits.record(action, self.email, version, status, answer)

    def check_write(self, name: str, status: int, answer: dict[str, Any]) -> None:
        if status not in WRITE_STATUSES and status < 500 and status != 0:
            self.results.fail(f"{name} by {self.email} -> {status}: {answer.get('detail')}")


class Approver(Person):
    """A second-line officer (2FA on, approve-scoped token) clearing what is in review."""

    def loop(self, until: float, rng: random.Random) -> None:
        listing = f"/api/v1/posts?state=in_review&channel={WRITING_CHANNEL}&limit=20"
        while time.monotonic() < until:
            if rng.random() < 0.2:
                self.request("GET /api/v1/me", "GET", "/api/v1/me", api=True)
                continue
            status, page = self.api("GET /api/v1/posts?state=in_review", "GET", listing)
            items = page.get("items") or [] if status == 200 else []
            if not items:
                time.sleep(0.05)
                continue
            shown = rng.choice(items)
            self.act(int(shown["id"]), "approve", int(shown["version"]))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects as they are instead of following them."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def lost_token_writes(people: list[Person], results: Results) -> list[str]:
    """Return each successful token write that cannot be read back as written."""
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


def lost_post_writes(reader: Person, results: Results) -> list[str]:
    """Return each post that does not hold its last successful write, or skipped one."""

    def read(post_id: int) -> dict[str, Any] | None:
        status, answer = reader.api("check", "GET", f"/api/v1/posts/{post_id}")
        return answer if status == 200 else None

    return results.edits.lost_updates(read)


def percentile(timings: list[float], fraction: float) -> float:
    """Return the value below which `fraction` of the timings fall (nearest rank), in ms."""
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def report(results: Results) -> str:
    """Return a table of request counts and p50/p95 latency per endpoint, and the post writes."""
    lines = [f"{'endpoint':36} {'count':>7} {'p50 ms':>8} {'p95 ms':>8}"]
    for name, timings in sorted(results.timings.items()):
        if name == "check":
            continue
        p50 = statistics.median(timings) * 1000
        lines.append(f"{name:36} {len(timings):7d} {p50:8.1f} {percentile(timings, 0.95):8.1f}")
    writes = [t for name in POST_WRITES for t in results.timings.get(name, [])]
    if writes:
        lines.append(
            f"{'post writes together':36} {len(writes):7d} {'':8} {percentile(writes, 0.95):8.1f}"
        )
    edits = results.edits
    lines.append(
        "post writes: "
        + ", ".join(
            f"{action} {edits.successes(action)} done / {edits.refused.get(action, 0)} refused 409"
            for action in ("create", "edit", "submit", "approve")
        )
        + f"; {len(edits.writes)} posts, {edits.contested()} edited by more than one person"
    )
    lines.append(f"statuses: {dict(sorted(results.statuses.items()))}")
    return "\n".join(lines)


def make_people(site: FaultSite, users: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Add the authors and approvers (one in ten, 2FA on); return (email, token) of each."""
    approvers = max(1, users // 10)
    with site.database.unit_of_work() as session:
        channel = create_channel(session, platform="mock", handle=WRITING_CHANNEL, language="en")
        authors: list[tuple[str, str]] = []
        officers: list[tuple[str, str]] = []
        for number in range(users):
            officer = number < approvers
            user = create_user(
                session,
                email=f"load{number}@example.gov.uk",
                password=TEST_PASSWORD,
                role=Role.APPROVER if officer else Role.AUTHOR,
            )
            if officer:
                enrol(session, user)  # approvers must have 2FA
            grant_access(
                session,
                channel=channel,
                user=user,
                role=AccessRole.APPROVER if officer else AccessRole.AUTHOR,
            )
            scopes = "read,approve" if officer else "read,write"
            _, secret = create_token(session, user, scopes=scopes, by=None)
            (officers if officer else authors).append((user.email, secret))
    return authors, officers


def run(site: FaultSite, *, users: int, seconds: float, posts: int) -> Results:
    """Serve, load and drain at once; check; return the results."""
    authors, officers = make_people(site, users)
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
        people = [Person(base, email, secret, results) for email, secret in authors]
        approvers = [Approver(base, email, secret, results) for email, secret in officers]
        # Everyone signs in first, four at a time: Argon2 is slow on purpose (about half a second
        # of CPU each), and 50 at once on two cores took 26 s each (see docs/operations.md).
        with ThreadPoolExecutor(max_workers=SIGN_IN_WAVE) as pool:
            list(pool.map(Person.sign_in, people))
        # The posts most edits go to exist before anyone starts.
        for number, person in enumerate(people[:HOT_POSTS]):
            person.create_post(number)
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(target=person.loop, args=(until, random.Random(number)))
            for number, person in enumerate([*people, *approvers])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results.failures += lost_token_writes(people, results)
        results.failures += lost_post_writes(people[0], results)
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
            site.assert_exactly_once(options.posts, besides=WRITING_CHANNEL)
        finally:
            site.database.dispose()
    if results.failures:
        print("FAILED:", *results.failures[:20], sep="\n  ")
        return 1
    print(f"load: {options.users} users for {options.seconds:.0f} s: no 5xx, no lost update")
    return 0


if __name__ == "__main__":
    sys.exit(main())
