"""The clearance workflow from the command line: contract spellings, clear errors, exports."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.web.cli.conftest import Gatepost

PASSWORD = "long enough password"


def people(gatepost: Gatepost) -> None:
    for email, role in (
        ("author@example.gov.uk", "author"),
        ("officer@example.gov.uk", "approver"),
        ("second@example.gov.uk", "approver"),
        ("lead@example.gov.uk", "admin"),
    ):
        gatepost("users", "create", "--email", email, "--password", PASSWORD, "--role", role)


def bilingual_channels(gatepost: Gatepost, approvals: str = "1") -> None:
    gatepost(
        "channels", "create", "--platform", "mock", "--handle", "StatsCymru", "--language", "cy"
    )
    gatepost(
        "channels", "create", "--platform", "mock", "--handle", "StatsWales", "--language", "en",
        "--twin", "StatsCymru", "--requires-twin", "--approvals", approvals,
    )  # fmt: skip
    for handle in ("StatsWales", "StatsCymru"):
        gatepost("access", "grant", "--user", "author@example.gov.uk", "--channel", handle,
                 "--role", "author")  # fmt: skip
        for officer in ("officer@example.gov.uk", "second@example.gov.uk"):
            gatepost(
                "access", "grant", "--user", officer, "--channel", handle, "--role", "approver"
            )


def test_the_contract_commands_set_up_a_twinned_channel(gatepost: Gatepost) -> None:
    people(gatepost)
    result = gatepost(
        "channels", "create", "--platform", "mock", "--handle", "StatsCymru", "--language", "cy"
    )
    assert result.stdout == "Created channel @StatsCymru (mock, cy); 1 approval per post\n"
    result = gatepost(
        "channels", "create", "--platform", "mock", "--handle", "@StatsWales", "--language", "en",
        "--twin", "StatsCymru", "--requires-twin", "--approvals", "2",
    )  # fmt: skip
    assert result.stdout == (
        "Created channel @StatsWales (mock, en), twinned with @StatsCymru (twin required); "
        "2 approvals per post\n"
    )
    result = gatepost(
        "access", "grant", "--user", "author@example.gov.uk", "--channel", "StatsWales",
        "--role", "author",
    )  # fmt: skip
    assert result.stdout == "author@example.gov.uk now has author access to @StatsWales\n"
    listing = gatepost("channels", "list").stdout
    assert "@StatsWales  mock      en        @StatsCymru  yes            2" in listing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--user", "nobody@example.gov.uk", "--channel", "Main", "--role", "author"],
            "No user with e-mail 'nobody@example.gov.uk'; check the spelling or create them first",
        ),
        (
            ["--user", "author@example.gov.uk", "--channel", "Nowhere", "--role", "author"],
            "No channel @Nowhere; channels: @Main",
        ),
        (
            ["--user", "author@example.gov.uk", "--channel", "Main", "--role", "boss"],
            "Unknown access role 'boss'; choose one of author, approver",
        ),
    ],
)
def test_unknown_user_channel_or_role_is_one_clear_line(
    gatepost: Gatepost, args: list[str], message: str
) -> None:
    gatepost("users", "create", "--email", "author@example.gov.uk", "--password", PASSWORD,
             "--role", "author")  # fmt: skip
    gatepost("channels", "create", "--platform", "mock", "--handle", "Main", "--language", "en")
    result = gatepost("access", "grant", *args, expect=1)
    assert result.stderr == f"gatepost: error: {message}\n"
    assert result.stdout == ""


def test_unknown_platform_is_one_clear_line(gatepost: Gatepost) -> None:
    result = gatepost(
        "channels", "create", "--platform", "myspace", "--handle", "x", "--language", "en",
        expect=1,
    )  # fmt: skip
    assert result.stderr.startswith("gatepost: error: Unknown platform 'myspace'; installed")


def test_the_access_list_is_exported_for_sharing(gatepost: Gatepost, tmp_path: Path) -> None:
    people(gatepost)
    bilingual_channels(gatepost)
    table = gatepost("access", "list", "--channel", "StatsWales").stdout
    assert table.splitlines()[0].split() == [
        "CHANNEL", "EMAIL", "NAME", "ROLE", "OWNER", "GRANTED", "BY", "GRANTED",
    ]  # fmt: skip
    assert len(table.splitlines()) == 4
    # The table is for people: the day it was granted in the one date format ("Thu 3 Dec 2026").
    assert re.search(r"\b\w{3} \d{1,2} \w{3} \d{4}\s*$", table.splitlines()[1]), table
    rows = list(csv.DictReader(io.StringIO(gatepost("access", "list", "--format", "csv").stdout)))
    assert {(row["channel"], row["email"], row["role"]) for row in rows} == {
        (handle, email, role)
        for handle in ("StatsWales", "StatsCymru")
        for email, role in (
            ("author@example.gov.uk", "author"),
            ("officer@example.gov.uk", "approver"),
            ("second@example.gov.uk", "approver"),
        )
    }
    out = tmp_path / "access.json"
    result = gatepost("access", "list", "--format", "json", "--output", str(out))
    assert result.stderr == f"Wrote 6 entries to {out}\n"
    assert len(json.loads(out.read_text())) == 6

    gatepost("access", "revoke", "--user", "second@example.gov.uk", "--channel", "StatsWales",
             "--role", "approver")  # fmt: skip
    assert len(json.loads(gatepost("access", "list", "--format", "json").stdout)) == 5


def test_a_channel_owner_manages_their_own_access_list(gatepost: Gatepost) -> None:
    people(gatepost)
    gatepost("channels", "create", "--platform", "mock", "--handle", "SianONS", "--language", "en",
             "--owner", "author@example.gov.uk")  # fmt: skip
    gatepost("access", "grant", "--user", "officer@example.gov.uk", "--channel", "SianONS",
             "--role", "approver", "--as", "author@example.gov.uk")  # fmt: skip
    refused = gatepost("access", "grant", "--user", "second@example.gov.uk", "--channel",
                       "SianONS", "--role", "approver", "--as", "officer@example.gov.uk",
                       expect=1)  # fmt: skip
    assert "Only admins and the owner of @SianONS" in refused.stderr


def test_release_times_are_local_and_dst_gaps_and_repeats_are_explicit(gatepost: Gatepost) -> None:
    people(gatepost)
    result = gatepost(
        "releases", "create", "--title", "Labour market overview", "--embargo", "2030-03-12 09:30",
        "--access", "officer@example.gov.uk", "--as", "author@example.gov.uk",
    )  # fmt: skip
    assert result.stdout == (
        "Created release 1 'Labour market overview', embargoed until Tue 12 Mar 2030 09:30 GMT\n"
    )
    gap = gatepost("releases", "create", "--title", "Gap", "--embargo", "2030-03-31 01:30",
                   expect=1)  # fmt: skip
    assert gap.stderr == (
        "gatepost: error: --embargo: Sun 31 Mar 2030 01:30 does not exist in Europe/London: "
        "the clocks "
        "go forward from 01:00 to 02:00 that night. Choose a time before 01:00 or from 02:00\n"
    )
    twice = gatepost("releases", "create", "--title", "Twice", "--embargo", "2030-10-27 01:30",
                     expect=1)  # fmt: skip
    assert twice.stderr.endswith("add --fold earlier or --fold later\n")
    later = gatepost("releases", "create", "--title", "Twice", "--embargo", "2030-10-27 01:30",
                     "--fold", "later")  # fmt: skip
    assert "Sun 27 Oct 2030 01:30 GMT" in later.stdout
    listing = gatepost("releases", "list").stdout
    assert "author@example.gov.uk, officer@example.gov.uk" in listing
    gatepost("releases", "grant", "--release", "1", "--user", "second@example.gov.uk",
             "--as", "author@example.gov.uk")  # fmt: skip
    moved = gatepost("releases", "move-embargo", "--release", "1", "--embargo", "2030-03-13 09:30")
    assert moved.stdout == (
        "Embargo of 'Labour market overview' is now Wed 13 Mar 2030 09:30 GMT; 0 posts moved "
        "with it\n"
    )


def test_a_bilingual_post_is_cleared_from_the_command_line(gatepost: Gatepost) -> None:
    people(gatepost)
    bilingual_channels(gatepost, approvals="2")
    author = ("--as", "author@example.gov.uk")
    created = gatepost(
        "posts", "create", *author, "--channel", "StatsWales", "--text", "Unemployment fell",
        "--twin-text", "Gostyngodd diweithdra", "--send-at", "2030-06-01 09:30",
    )  # fmt: skip
    assert (
        created.stdout
        == "Created draft post 1 on @StatsWales with its twin, post 2 on @StatsCymru\n"
    )
    submitted = gatepost("posts", "submit", "1", *author)
    assert submitted.stdout == (
        "Submitted for clearance (with the 1 other post cleared with it).\n"
        "  post 1 on @StatsWales: in_review\n"
        "  post 2 on @StatsCymru: in_review\n"
    )
    own = gatepost("posts", "approve", "1", *author, expect=1)
    assert own.stderr == (
        "gatepost: error: You need approver access to @StatsWales, @StatsCymru (posts that clear "
        "together need it on every channel involved); ask an admin or the channel owner\n"
    )
    first = gatepost("posts", "approve", "2", "--as", "officer@example.gov.uk")
    assert "needs more approvers (@StatsWales has 1 of 2)" in first.stdout
    stale = gatepost("posts", "approve", "1", "--as", "second@example.gov.uk", "--version", "2",
                     expect=1)  # fmt: skip
    assert "changed by someone else since you opened it" in stale.stderr
    second = gatepost("posts", "approve", "1", "--as", "second@example.gov.uk")
    # A Saturday send time: the approval says the window holds it until Monday.
    assert second.stdout.splitlines()[0] == (
        "Approved and scheduled for Sat 1 Jun 2030 09:30 BST (with the 1 other post cleared "
        "with it), but it will be held until Mon 3 Jun 2030 09:00 BST, not sent at its send "
        "time, Sat 1 Jun 2030 09:30 BST: Saturday is not a publishing day (office hours are "
        "Mon-Fri 09:00-17:00)."
    )
    shown = gatepost("posts", "show", "1", *author).stdout
    assert "State:    scheduled" in shown
    assert (
        "Cleared:  2 of 2 approvals of this version: officer@example.gov.uk, second@example.gov.uk"
        in shown
    )
    assert "submit draft -> in_review by author@example.gov.uk via cli" in shown
    listing = gatepost("posts", "list", *author, "--state", "scheduled").stdout
    assert len(listing.splitlines()) == 3

    withdrawn = gatepost("posts", "withdraw", "2", "--as", "officer@example.gov.uk")
    assert "post 1 on @StatsWales: withdrawn" in withdrawn.stdout
    again = gatepost("posts", "retry", "1", *author, expect=1)
    assert again.stderr == (
        "gatepost: error: This post is withdrawn; it can no longer be retried. Nothing more can "
        "be done with it.\n"
    )


def test_an_officer_who_rewrote_a_post_cannot_approve_it(gatepost: Gatepost) -> None:
    people(gatepost)
    gatepost("channels", "create", "--platform", "mock", "--handle", "Main", "--language", "en")
    for email, role in (
        ("author@example.gov.uk", "author"),
        ("officer@example.gov.uk", "author"),
        ("officer@example.gov.uk", "approver"),
        ("second@example.gov.uk", "approver"),
    ):
        gatepost("access", "grant", "--user", email, "--channel", "Main", "--role", role)
    gatepost("posts", "create", "--as", "author@example.gov.uk", "--channel", "Main",
             "--text", "Unemployment fell", "--send-at", "2030-06-03 10:00")  # fmt: skip
    officer = ("--as", "officer@example.gov.uk")
    gatepost("posts", "edit", "1", *officer, "--text", "Unemployment fell sharply")
    gatepost("posts", "submit", "1", *officer)

    refused = gatepost("posts", "approve", "1", *officer, expect=1)

    assert refused.stderr == (
        "gatepost: error: You changed this post's text since it was last approved; someone who "
        "did not write it must clear it\n"
    )
    cleared = gatepost("posts", "approve", "1", "--as", "second@example.gov.uk")
    assert cleared.stdout.startswith("Approved and scheduled for Mon 3 Jun 2030 10:00 BST.")


def test_embargoed_text_is_hidden_from_others_and_reads_are_recorded(gatepost: Gatepost) -> None:
    people(gatepost)
    gatepost("channels", "create", "--platform", "mock", "--handle", "Main", "--language", "en")
    gatepost("access", "grant", "--user", "author@example.gov.uk", "--channel", "Main",
             "--role", "author")  # fmt: skip
    gatepost("releases", "create", "--title", "GDP", "--embargo", "2030-05-14 09:30",
             "--as", "author@example.gov.uk")  # fmt: skip
    gatepost("posts", "create", "--as", "author@example.gov.uk", "--channel", "Main", "--text",
             "GDP grew 0.3%", "--release", "1", "--send-at", "2030-05-14 09:30")  # fmt: skip
    outsider = gatepost("posts", "show", "1", "--as", "officer@example.gov.uk").stdout
    assert "GDP grew" not in outsider
    assert "Embargoed until Tue 14 May 2030 09:30 BST (GDP)" in outsider
    # Admins read it once they are on the list, like anyone: they may add themselves.
    lead = gatepost("posts", "show", "1", "--as", "lead@example.gov.uk").stdout
    assert "GDP grew" not in lead
    gatepost("releases", "grant", "--release", "1", "--user", "lead@example.gov.uk",
             "--as", "lead@example.gov.uk")  # fmt: skip
    assert "GDP grew 0.3%" in gatepost("posts", "show", "1", "--as", "lead@example.gov.uk").stdout
    viewings = gatepost("releases", "viewings", "--release", "1").stdout.splitlines()
    assert len(viewings) == 2
    assert "lead@example.gov.uk" in viewings[1]
    assert viewings[1].rstrip().endswith("1     cli")


def test_too_early_a_send_time_is_refused_in_local_time(gatepost: Gatepost) -> None:
    people(gatepost)
    gatepost("channels", "create", "--platform", "mock", "--handle", "Main", "--language", "en")
    gatepost("access", "grant", "--user", "author@example.gov.uk", "--channel", "Main",
             "--role", "author")  # fmt: skip
    gatepost("releases", "create", "--title", "GDP", "--embargo", "2030-05-14 09:30")
    refused = gatepost("posts", "create", "--as", "author@example.gov.uk", "--channel", "Main",
                       "--text", "GDP grew", "--release", "1", "--send-at", "2030-05-14 09:29",
                       expect=1)  # fmt: skip
    assert refused.stderr == (
        "gatepost: error: The send time, Tue 14 May 2030 09:29 BST, is before the embargo of "
        "'GDP' at Tue 14 May 2030 09:30 BST; choose Tue 14 May 2030 09:30 BST or later\n"
    )


def test_a_long_statement_becomes_a_thread(gatepost: Gatepost) -> None:
    people(gatepost)
    bilingual_channels(gatepost)
    statement = "The labour market continued to cool in the latest period. " * 8
    result = gatepost(
        "posts", "thread", "--as", "author@example.gov.uk", "--channel", "StatsWales", "--split",
        "--text", statement, "--twin-text", "Parhaodd y farchnad lafur i oeri. " * 8,
    )  # fmt: skip
    assert result.stdout == (
        "Created thread 1 on @StatsWales: posts 1, 2\nTwin thread 2 on @StatsCymru: posts 3, 4\n"
    )
    last_welsh = gatepost("posts", "show", "4", "--as", "author@example.gov.uk").stdout
    assert "Twin:     post 2" in last_welsh
    assert "oeri. 2/2" in last_welsh


def test_audit_export_refuses_a_post_number_no_post_can_have(gatepost: Gatepost) -> None:
    result = gatepost("audit", "export", "--post", "99999999999999999999", "--format", "csv",
                      expect=1)  # fmt: skip
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "gatepost: error: Post numbers go from 1 to 2147483647; 99999999999999999999 is none"
    ]
    everything = gatepost("audit", "export", "--since", "0001-01-01", "--until", "9999-12-31",
                          "--format", "json")  # fmt: skip
    assert json.loads(everything.stdout) == []


def test_audit_export_by_post_channel_and_dates(gatepost: Gatepost, tmp_path: Path) -> None:
    people(gatepost)
    bilingual_channels(gatepost)
    gatepost("posts", "create", "--as", "author@example.gov.uk", "--channel", "StatsWales",
             "--text", "Figures", "--twin-text", "Ffigurau")  # fmt: skip
    gatepost("posts", "submit", "1", "--as", "author@example.gov.uk")

    rows = list(csv.DictReader(io.StringIO(gatepost("audit", "export", "--post", "1",
                                                    "--format", "csv").stdout)))  # fmt: skip
    assert [(r["action"], r["actor_email"], r["actor_label"]) for r in rows] == [
        ("create", "author@example.gov.uk", "cli"),
        ("submit", "author@example.gov.uk", "cli"),
    ]
    out = tmp_path / "audit.json"
    today = datetime.now(UTC).date()
    result = gatepost(
        "audit", "export", "--channel", "StatsCymru", "--since", str(today - timedelta(days=300)),
        "--until", str(today + timedelta(days=300)), "--format", "json", "--output", str(out),
    )  # fmt: skip
    events = json.loads(out.read_text())
    assert result.stderr == f"Wrote {len(events)} audit events to {out}\n"
    assert {e["channel"] for e in events} == {"StatsCymru"}
    assert [e["action"] for e in events if e["post_id"]] == ["create", "submit"]
    nothing = gatepost("audit", "export", "--since", str(today - timedelta(days=300)),
                       "--until", str(today - timedelta(days=299)), "--format", "json")  # fmt: skip
    assert json.loads(nothing.stdout) == []
    ancient = gatepost("audit", "export", "--since", "2001-01-01", "--format", "csv")
    # History is searched with any real date: only planned times must lie within the horizon.
    assert {"create", "submit"} <= {
        r["action"] for r in csv.DictReader(io.StringIO(ancient.stdout))
    }
    bad = gatepost("audit", "export", "--since", "yesterday", "--format", "csv", expect=1)
    assert bad.stderr == (
        "gatepost: error: --since: 'yesterday' is not a date; write it as YYYY-MM-DD\n"
    )
    missing = gatepost("audit", "export", "--post", "99", "--format", "csv", expect=1)
    assert missing.stderr == "gatepost: error: No post 99\n"
