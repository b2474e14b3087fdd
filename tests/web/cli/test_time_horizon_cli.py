"""The command line accepts times within a year back and five years ahead, and says the range."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.core.time_horizon import Horizon
from tests.web.cli.conftest import Gatepost
from tests.web.cli.test_clearance_cli import bilingual_channels, people


def refusal(option: str) -> str:
    span = Horizon.around(datetime.now(UTC)).describe()
    return f"gatepost: error: {option} must be between {span}\n"


@pytest.mark.parametrize(
    "when",
    ["9999-12-31 09:00", "0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00", "2001-01-01 09:00"],
)
def test_a_post_or_release_out_of_range_is_refused_with_the_range(
    gatepost: Gatepost, when: str
) -> None:
    people(gatepost)
    bilingual_channels(gatepost)

    post = gatepost(
        "posts", "create", "--as", "author@example.gov.uk", "--channel", "StatsWales",
        "--text", "Figures", "--twin-text", "Ffigurau", "--send-at", when, expect=1,
    )  # fmt: skip
    release = gatepost(
        "releases", "create", "--title", "Far", "--embargo", when,
        "--as", "author@example.gov.uk", expect=1,
    )  # fmt: skip

    assert post.stderr == refusal("--send-at")
    assert release.stderr == refusal("--embargo")
    assert (
        "No releases" in gatepost("releases", "list").stdout
        or gatepost("releases", "list").stdout.count("Far") == 0
    )


def test_a_quiet_period_out_of_range_is_refused_with_the_range(gatepost: Gatepost) -> None:
    people(gatepost)

    result = gatepost(
        "quiet-periods", "add", "--name", "Forever", "--starts", "2027-04-01 00:00",
        "--ends", "9999-12-31 00:00", "--as", "lead@example.gov.uk", expect=1,
    )  # fmt: skip

    assert result.stderr == refusal("--ends")


def test_an_import_with_a_send_time_out_of_range_lists_it_as_a_problem(
    gatepost: Gatepost, tmp_path: Path
) -> None:
    people(gatepost)
    bilingual_channels(gatepost)
    thread = tmp_path / "thread.json"
    thread.write_text(
        '{"channel": "StatsWales", "send_at": "9999-12-31T09:00:00+00:00", '
        '"posts": [{"text": "One", "twin_text": "Un"}]}'
    )

    result = gatepost(
        "import", "thread", "--as", "author@example.gov.uk", "--file", str(thread), expect=1
    )

    assert "send_at" in result.stderr
    assert f"must be between {Horizon.around(datetime.now(UTC)).describe()}" in result.stderr


def test_a_rehearsal_at_the_end_of_time_is_refused(gatepost: Gatepost) -> None:
    result = gatepost("worker", "--once", "--now", "9999-12-31T23:59:59+00:00", expect=1)
    assert "outside the years Gatepost can rehearse" in result.stderr
