"""`gatepost serve --demo` says how to sign in; `gatepost demo code` prints a demo person's code."""

from __future__ import annotations

import importlib
import re
import shutil
import sys

import pytest
from click.testing import Result

from scheduler.core.database import Database
from scheduler.demo.people import DEMO_PEOPLE
from scheduler.identity.accounts import get_user_by_email
from scheduler.identity.two_factor import verify_code
from scheduler.models import Role, utcnow
from tests.web.cli.conftest import Gatepost
from web.cli.demo import command_prefix

APPROVER = "approver@demo.gatepost.test"


@pytest.fixture
def serve_demo(gatepost: Gatepost, monkeypatch: pytest.MonkeyPatch) -> Gatepost:
    """Return the runner, with `serve` returning once it would start serving."""
    # Everything `serve --demo` does before it listens runs for real; the long-running parts
    # (tests/web/cli/test_serve.py and tests/browser/test_demo.py run those) are left out.
    # (`web.cli.serve` is also the name of the command, hence the module from sys.modules.)
    module = importlib.import_module("web.cli.serve")
    monkeypatch.setattr(module.waitress, "serve", lambda *args, **kwargs: None)
    monkeypatch.setattr(module, "settle_long_running_process", lambda: None)
    return gatepost


def _serve_demo(gatepost: Gatepost) -> Result:
    return gatepost("serve", "--demo", "--no-worker", "--port", "8123")


def _code_is_accepted(gatepost: Gatepost, email: str, code: str) -> bool:
    database = Database(gatepost.env["GATEPOST_DATABASE_URL"])
    try:
        with database.unit_of_work() as session:
            return verify_code(get_user_by_email(session, email), code, now=utcnow())
    finally:
        database.dispose()


def test_serve_demo_prints_each_sign_in_and_how_to_get_codes_without_a_phone(
    serve_demo: Gatepost,
) -> None:
    out = _serve_demo(serve_demo).stdout
    assert out.startswith("Demo data added: people, channels and Siân Statistician's")
    assert "Sign in at http://localhost:8123/sign-in as any of the demo people:" in out
    for person in DEMO_PEOPLE:
        code = "  then a two-factor code" if person.role is not Role.AUTHOR else ""
        assert f"  {person.name} ({person.role.value}: {person.job})\n" in out
        assert f"      email {person.email}  password {person.password}{code}\n" in out
    words = " ".join(out.split())
    assert (
        "Approvers and admins then enter the 6-digit code from an authenticator app. Without a "
        "phone, print a person's current code in another terminal, in this folder and with the "
        "same GATEPOST_* settings:"
    ) in words
    assert (
        f"  gatepost demo code --user {APPROVER}\n"
        "  gatepost demo code --user welsh-approver@demo.gatepost.test\n"
        "  gatepost demo code --user lead@demo.gatepost.test\n"
    ) in out
    assert "Gatepost is running at http://localhost:8123/" in out


def test_serve_demo_twice_adds_nothing_and_prints_the_same_sign_ins(
    serve_demo: Gatepost,
) -> None:
    first = _serve_demo(serve_demo).stdout
    second = _serve_demo(serve_demo).stdout
    assert second.startswith(
        "The demo data is already here; it is added only once, so nothing changed.\n"
    )
    sign_ins = "Sign in at "
    assert second[second.index(sign_ins) :] == first[first.index(sign_ins) :]
    listing = serve_demo("users", "list").stdout
    assert len(listing.strip().splitlines()) == 1 + len(DEMO_PEOPLE)
    assert (
        len(serve_demo("posts", "list", "--as", "lead@demo.gatepost.test").stdout.splitlines())
        == 20
    )


def test_serve_demo_over_real_people_adds_nothing_and_prints_no_demo_sign_ins(
    serve_demo: Gatepost,
) -> None:
    serve_demo(
        "users", "create", "--email", "lead@example.gov.uk", "--password", "a long password",
        "--role", "admin",
    )  # fmt: skip
    result = _serve_demo(serve_demo)
    assert "so no demo data was added" in result.stderr
    assert "password" not in result.stdout
    assert "demo code" not in result.stdout
    assert "demo.gatepost.test" not in serve_demo("users", "list").stdout


def test_demo_code_prints_the_code_alone_and_sign_in_accepts_it(serve_demo: Gatepost) -> None:
    _serve_demo(serve_demo)
    for email in (APPROVER, "welsh-approver@demo.gatepost.test", "lead@demo.gatepost.test"):
        result = serve_demo("demo", "code", "--user", email)
        assert re.fullmatch(r"[0-9]{6}\n", result.stdout), result.stdout
        assert re.fullmatch(
            r"The code .+ would see in an authenticator app now; sign in with it within "
            r"[0-9]+ seconds, or run this again for a new one\.\n",
            result.stderr,
        ), result.stderr
        assert _code_is_accepted(serve_demo, email, result.stdout.strip())


def test_demo_code_refuses_anyone_the_demo_did_not_add(serve_demo: Gatepost) -> None:
    _serve_demo(serve_demo)
    serve_demo(
        "users", "create", "--email", "officer@example.gov.uk", "--password", "a long password",
        "--role", "approver",
    )  # fmt: skip
    for email in ("officer@example.gov.uk", "someone@demo.gatepost.test"):
        result = serve_demo("demo", "code", "--user", email, expect=2)
        assert result.stdout == ""
        assert result.stderr == (
            f"gatepost: error: {email} is not one of the people the demo added; codes are "
            "shown only for them, never for a real account\n"
        )


def test_demo_code_refuses_a_database_the_demo_did_not_seed(gatepost: Gatepost) -> None:
    # The same address as the demo's approver, made by hand: still not the demo's.
    gatepost(
        "users", "create", "--email", APPROVER, "--password", "a long password",
        "--role", "approver",
    )  # fmt: skip
    result = gatepost("demo", "code", "--user", APPROVER, expect=2)
    assert result.stdout == ""
    assert result.stderr == (
        "gatepost: error: This database was not set up by 'gatepost serve --demo', so it has no "
        "demo people and no codes are shown\n"
    )


def test_demo_code_refuses_an_author_who_needs_no_code(serve_demo: Gatepost) -> None:
    _serve_demo(serve_demo)
    result = serve_demo("demo", "code", "--user", "author@demo.gatepost.test", expect=2)
    assert "signs in with a password alone" in result.stderr


@pytest.mark.parametrize(
    ("argv0", "which", "expected"),
    [
        (".venv/bin/gatepost", None, ".venv/bin/gatepost"),  # `make run`, from the checkout
        ("/usr/local/bin/gatepost", "/usr/local/bin/gatepost", "gatepost"),  # on the PATH
        ("-c", "/usr/local/bin/gatepost", "gatepost"),  # python -c, python -m
    ],
)
def test_the_code_hint_runs_gatepost_the_way_it_was_started(
    monkeypatch: pytest.MonkeyPatch, argv0: str, which: str | None, expected: str
) -> None:
    monkeypatch.setattr(sys, "argv", [argv0, "serve", "--demo"])
    monkeypatch.setattr(shutil, "which", lambda name: which if name == "gatepost" else None)
    assert command_prefix() == expected
