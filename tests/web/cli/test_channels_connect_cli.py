"""`gatepost channels create --instance`, `connect` (credential on standard input) and `check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.connected_platform import NAME, PlatformState
from tests.web.cli.conftest import Gatepost

pytestmark = pytest.mark.usefixtures("connected_platform")


def create(gatepost: Gatepost, *extra: str, expect: int = 0) -> str:
    args = ["channels", "create", "--platform", NAME, "--handle", "stats", "--language", "en"]
    result = gatepost(*args, *extra, expect=expect)
    return result.stdout + result.stderr


def test_a_channel_is_created_on_its_server_then_connected_with_a_token_from_stdin(
    gatepost: Gatepost, connected_platform: PlatformState
) -> None:
    out = create(gatepost, "--instance", "https://social.example/")
    assert "server https://social.example" in out
    assert "Connect it next: gatepost channels connect --channel stats" in out

    result = gatepost("channels", "connect", "--channel", "stats", stdin="good-token-99\n")

    assert result.stdout == "@stats is connected as @stats@social.example\n"
    assert "good-token-99" not in result.stdout + result.stderr
    listed = gatepost("audit", "export", "--format", "json").stdout
    assert "channel_connected" in listed
    assert "good-token-99" not in listed


def test_a_refused_credential_exits_non_zero_with_one_line_saying_why(
    gatepost: Gatepost, connected_platform: PlatformState
) -> None:
    create(gatepost, "--instance", "https://social.example")

    result = gatepost("channels", "connect", "--channel", "stats", stdin="bad-123456\n", expect=1)

    [line] = result.stderr.splitlines()
    assert line.startswith("gatepost: error: connected-mock refused the credential for @stats: ")
    assert "nothing was saved" in line
    assert "bad-123456" not in line
    check = gatepost("channels", "check", "--channel", "stats", expect=1)
    assert "not connected yet" in check.stderr


def test_check_reports_each_connected_channel_and_fails_when_one_is_refused(
    gatepost: Gatepost, connected_platform: PlatformState
) -> None:
    create(gatepost, "--instance", "https://social.example")
    gatepost("channels", "connect", "--channel", "stats", stdin="good-1\n")

    ok = gatepost("channels", "check", "--all")
    assert ok.stdout == "@stats: connected as @stats@social.example\n"
    connected_platform.revoked.add("good-1")
    refused = gatepost("channels", "check", "--channel", "stats", expect=1)
    assert refused.stdout.startswith("@stats: not working: The access token was revoked")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ((), "need their server's address"),
        (("--instance", "social.example"), "is not a server address"),
        (("--instance", "https://me:secret@social.example"), "must not carry a user name"),
    ],
)
def test_a_bad_server_address_is_refused_in_one_line(
    gatepost: Gatepost, extra: tuple[str, ...], expected: str
) -> None:
    out = create(gatepost, *extra, expect=1)
    assert expected in out
    assert len(out.strip().splitlines()) == 1


def test_an_unknown_platform_lists_the_installed_ones(gatepost: Gatepost) -> None:
    args = ["channels", "create", "--platform", "myspace", "--handle", "h", "--language", "en"]
    result = gatepost(*args, expect=1)
    assert "Unknown platform 'myspace'; installed platforms: " in result.stderr
    assert NAME in result.stderr
    assert "mock" in result.stderr


def test_keys_rotate_by_re_encrypting_every_channel(
    gatepost: Gatepost, connected_platform: PlatformState
) -> None:
    create(gatepost, "--instance", "https://social.example")
    gatepost("channels", "connect", "--channel", "stats", stdin="good-1\n")
    key_file = Path(gatepost.env["GATEPOST_INSTANCE_PATH"]) / "credential_key"
    old_key = key_file.read_text().strip()
    new_key = gatepost("channels", "new-credential-key").stdout.strip()
    gatepost.env["GATEPOST_CREDENTIAL_KEYS"] = f"{new_key},{old_key}"

    assert gatepost("channels", "rotate-credentials").stdout == (
        "Re-encrypted the credentials of 1 channel\n"
    )
    gatepost.env["GATEPOST_CREDENTIAL_KEYS"] = new_key
    assert gatepost("channels", "check", "--all").stdout.startswith("@stats: connected as")
