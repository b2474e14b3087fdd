"""`gatepost notifications send` from the command line."""

from __future__ import annotations

import mailbox
from pathlib import Path

from tests.conftest import TEST_PASSWORD
from tests.web.cli.conftest import Gatepost


def test_send_makes_notifications_and_writes_them_to_the_mailbox(
    gatepost: Gatepost, tmp_path: Path
) -> None:
    for email, role in (
        ("author@example.gov.uk", "author"),
        ("officer@example.gov.uk", "approver"),
    ):
        gatepost("users", "create", "--email", email, "--password", TEST_PASSWORD, "--role", role)
    gatepost("channels", "create", "--platform", "mock", "--handle", "Main", "--language", "en")
    gatepost("access", "grant", "--user", "author@example.gov.uk", "--channel", "Main",
             "--role", "author")  # fmt: skip
    gatepost("access", "grant", "--user", "officer@example.gov.uk", "--channel", "Main",
             "--role", "approver")  # fmt: skip
    gatepost("posts", "create", "--as", "author@example.gov.uk", "--channel", "Main",
             "--text", "Retail sales rose")  # fmt: skip
    gatepost("posts", "submit", "1", "--as", "author@example.gov.uk")

    result = gatepost("notifications", "send")

    mailbox_path = tmp_path / "instance" / "mailbox.mbox"
    assert result.stdout == f"1 notifications made, 1 e-mailed ({mailbox_path})\n"
    box = mailbox.mbox(str(mailbox_path))
    try:
        [message] = list(box)
    finally:
        box.close()
    assert message["To"] == "officer@example.gov.uk"
    assert gatepost("notifications", "send").stdout.startswith("0 notifications made, 0 e-mailed")
