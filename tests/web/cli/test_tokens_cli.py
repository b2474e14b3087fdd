"""`gatepost tokens ...`: `create` prints the token alone on stdout; list and revoke."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.core.database import Database
from scheduler.identity.api_tokens import check_token
from tests.support.processes import GATEPOST, gatepost_env
from web.cli import main

TOKEN_SHAPE = re.compile(r"gp_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def cli_env(
    tmp_path: Path, backend: str, make_database_url: Callable[[str], str]
) -> dict[str, str]:
    env = {
        "GATEPOST_INSTANCE_PATH": str(tmp_path / "instance"),
        "GATEPOST_DATABASE_URL": make_database_url(backend),
    }
    for args in (
        ["db", "upgrade"],
        [
            "users",
            "create",
            "--email",
            "ada@example.gov.uk",
            "--password",
            "long enough password",
            "--role",
            "author",
        ],
        [
            "users",
            "create",
            "--email",
            "owen@example.gov.uk",
            "--password",
            "long enough password",
            "--role",
            "approver",
        ],
    ):
        assert run(env, *args)[0] == 0
    return env


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def owner_of(env: dict[str, str], raw: str) -> str:
    database = Database(env["GATEPOST_DATABASE_URL"])
    try:
        with database.unit_of_work() as session:
            return check_token(session, raw, now=datetime.now(UTC)).user.email
    finally:
        database.dispose()


def test_create_prints_the_token_and_nothing_else_on_stdout(cli_env: dict[str, str]) -> None:
    # A real process, as scripts run it: `TOKEN=$(gatepost tokens create ...)`.
    result = subprocess.run(
        [
            *GATEPOST,
            "tokens",
            "create",
            "--user",
            "owen@example.gov.uk",
            "--scopes",
            "read,write,approve",
        ],
        env=gatepost_env(cli_env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert TOKEN_SHAPE.fullmatch(result.stdout[:-1])
    assert result.stdout.endswith("\n")
    assert result.stdout.count("\n") == 1
    assert "store it now" in result.stderr
    assert owner_of(cli_env, result.stdout.strip()) == "owen@example.gov.uk"


def test_create_takes_a_name_and_a_lifetime(cli_env: dict[str, str]) -> None:
    code, out, _ = run(
        cli_env,
        "tokens",
        "create",
        "--user",
        "Ada@Example.gov.uk",
        "--scopes",
        "read",
        "--name",
        "dashboard",
        "--expires-days",
        "7",
    )
    assert code == 0
    assert TOKEN_SHAPE.fullmatch(out.strip())
    code, out, _ = run(cli_env, "tokens", "list", "--user", "ada@example.gov.uk")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "USER",
        "NAME",
        "PREFIX",
        "SCOPES",
        "EXPIRES",
        "LAST",
        "USED",
        "STATUS",
    ]
    assert "dashboard" in lines[1]
    assert "active" in lines[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--user", "ada@example.gov.uk", "--scopes", "read,admin"],
            "gatepost: error: Unknown scope 'admin'; choose from read, write, approve\n",
        ),
        (
            ["--user", "ada@example.gov.uk", "--scopes", "approve"],
            "gatepost: error: Only approvers and admins can have the approve scope; "
            "ada@example.gov.uk is an author\n",
        ),
        (
            ["--user", "nobody@example.gov.uk", "--scopes", "read"],
            "gatepost: error: No user with e-mail 'nobody@example.gov.uk'; check the spelling or "
            "create them first\n",
        ),
    ],
)
def test_refusals_are_one_line_on_stderr_and_nothing_on_stdout(
    cli_env: dict[str, str], args: list[str], message: str
) -> None:
    code, out, err = run(cli_env, "tokens", "create", *args)
    assert code == 1
    assert out == ""
    assert err == message


def test_list_never_shows_secrets_and_revoke_stops_a_token(cli_env: dict[str, str]) -> None:
    _, first, _ = run(
        cli_env, "tokens", "create", "--user", "ada@example.gov.uk", "--scopes", "read"
    )
    _, second, _ = run(
        cli_env, "tokens", "create", "--user", "owen@example.gov.uk", "--scopes", "approve"
    )
    code, listing, _ = run(cli_env, "tokens", "list")
    assert code == 0
    for raw in (first.strip(), second.strip()):
        assert raw not in listing
        assert raw[:11] in listing  # the prefix identifies it
    token_id = next(
        line.split()[0] for line in listing.splitlines() if "ada@example.gov.uk" in line
    )
    code, out, _ = run(cli_env, "tokens", "revoke", "--id", token_id)
    assert code == 0
    assert out == f"Revoked token {token_id} ({first[:11]}) of ada@example.gov.uk\n"
    code, out, _ = run(cli_env, "tokens", "revoke", "--id", token_id)
    assert code == 0
    assert "was already revoked on" in out
    # People read the date in the one format, as everywhere else: "Thu 3 Dec 2026 09:30 GMT".
    assert re.search(r"revoked on \w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2}(:\d{2})? \w+\n$", out), out
    _, listing, _ = run(cli_env, "tokens", "list", "--user", "ada@example.gov.uk")
    assert "revoked" in listing
    code, _, err = run(cli_env, "tokens", "revoke", "--id", "999")
    assert code == 1
    assert (
        err
        == "gatepost: error: There is no API token with id 999; list the tokens to find its id\n"
    )
