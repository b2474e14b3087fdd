"""The `gatepost` command line: users, migrations, and one clear line for each failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from web.cli import main


@pytest.fixture
def cli_env(tmp_path: Path, backend: str, make_database_url) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "GATEPOST_INSTANCE_PATH": str(tmp_path / "instance"),
        "GATEPOST_DATABASE_URL": make_database_url(backend),
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_then_users_create_and_list(cli_env: dict[str, str]) -> None:
    code, out, _ = run(cli_env, "db", "upgrade")
    assert code == 0
    assert "migrated from empty to" in out
    code, out, _ = run(cli_env, "db", "upgrade")
    assert "already at revision" in out

    code, out, _ = run(
        cli_env,
        "users",
        "create",
        "--email",
        "Officer@Example.gov.uk",
        "--password",
        "long enough password",
        "--role",
        "approver",
        "--name",
        "Owen",
    )
    assert code == 0
    assert "Created approver officer@example.gov.uk" in out

    code, out, _ = run(cli_env, "users", "list")
    assert code == 0
    assert "officer@example.gov.uk" in out
    assert "approver" in out


def test_duplicate_user_and_weak_password_are_refused(cli_env: dict[str, str]) -> None:
    run(cli_env, "db", "upgrade")
    args = ["users", "create", "--email", "a@example.gov.uk", "--role", "author"]
    assert run(cli_env, *args, "--password", "long enough password")[0] == 0
    code, _, err = run(cli_env, *args, "--password", "long enough password")
    assert code == 1
    assert err.strip() == "gatepost: error: There is already a user with e-mail a@example.gov.uk"
    code, _, err = run(
        cli_env,
        "users",
        "create",
        "--email",
        "b@example.gov.uk",
        "--role",
        "author",
        "--password",
        "short",
    )
    assert code == 1
    assert "at least 10 characters" in err


def test_a_user_with_markup_in_their_address_is_refused(cli_env: dict[str, str]) -> None:
    run(cli_env, "db", "upgrade")
    code, _, err = run(
        cli_env, "users", "create", "--email", "x<script>@ex.gov.uk", "--role", "author",
        "--password", "long enough password",
    )  # fmt: skip
    assert code == 1
    assert err.startswith("gatepost: error: 'x<script>@ex.gov.uk' is not an e-mail address: ")
    assert "x<script>" not in run(cli_env, "users", "list")[1]


def test_unknown_role_lists_the_choices(cli_env: dict[str, str]) -> None:
    code, _, err = run(
        cli_env,
        "users",
        "create",
        "--email",
        "c@example.gov.uk",
        "--password",
        "long enough password",
        "--role",
        "boss",
    )
    assert code == 2
    assert "'boss' is not one of 'author', 'approver', 'admin'" in err


def test_bad_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {"GATEPOST_INSTANCE_PATH": str(tmp_path), "GATEPOST_TIMEZONE": "Atlantis/Capital"}
    code, _, err = run(env, "users", "list")
    assert code == 2
    assert err == (
        "gatepost: error: bad setting: timezone: unknown time zone 'Atlantis/Capital'; "
        "use an IANA name such as Europe/London\n"
    )


def test_unreachable_database_is_one_line_and_exit_3(tmp_path: Path) -> None:
    env = {
        "GATEPOST_INSTANCE_PATH": str(tmp_path),
        "GATEPOST_DATABASE_URL": "postgresql://gatepost@127.0.0.1:9/gatepost",
    }
    code, _, err = run(env, "db", "upgrade")
    assert code == 3
    assert err.startswith("gatepost: error: cannot reach the database at ")
    assert err.count("\n") == 1
