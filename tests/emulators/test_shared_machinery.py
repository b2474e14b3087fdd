"""What every emulator shares: grapheme counting, endpoint-scoped faults, the call record."""

from __future__ import annotations

import pytest
import requests

from tests.support.emulators.base import FaultKind
from tests.support.emulators.graphemes import grapheme_length
from tests.support.emulators.mastodon import MastodonEmulator


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("abc", 3),
        ("e\u0301", 1),  # combining acute accent
        ("\U0001f44d\U0001f3fd", 1),  # thumbs up with a skin tone
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", 1),  # family (ZWJ)
        ("\U0001f1ec\U0001f1e7\U0001f1e8\U0001f1fe", 2),  # two flags from regional indicators
        ("\U0001f1ec\U0001f1e7\U0001f1e8", 2),  # a flag and a lone indicator
        ("\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f", 1),  # Wales
        ("\u2764\ufe0f", 1),  # heart with emoji presentation
        ("a\r\nb", 3),
        ("Croeso i Gymru", 14),
    ],
)
def test_grapheme_length(text: str, expected: int) -> None:
    assert grapheme_length(text) == expected


def test_fault_for_one_endpoint_leaves_the_others_alone() -> None:
    with MastodonEmulator() as emulator:
        token = emulator.issue_token()
        headers = {"Authorization": f"Bearer {token}"}
        fault = emulator.fail_next(500, times=1, endpoint="statuses.create")
        instance = requests.get(f"{emulator.base_url}/api/v2/instance", timeout=5)
        me = requests.get(
            f"{emulator.base_url}/api/v1/accounts/verify_credentials", headers=headers, timeout=5
        )
        failed = requests.post(
            f"{emulator.base_url}/api/v1/statuses", data={"status": "x"}, headers=headers, timeout=5
        )
        assert (instance.status_code, me.status_code, failed.status_code) == (200, 200, 500)
        assert fault.times == 0
        recorded = emulator.calls_to("statuses.create")
        assert [(c.status, c.fault) for c in recorded] == [(500, FaultKind.SERVER_ERROR)]
        assert [c.endpoint for c in emulator.calls] == [
            "instance",
            "accounts.verify_credentials",
            "statuses.create",
        ]


def test_base_url_before_start_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = MastodonEmulator().base_url
