"""Connecting a Mastodon channel by access token or OAuth, and measuring text by its instance."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from scheduler.platforms import Account, CredentialsRefused, PermanentError
from scheduler.platforms.mastodon import MastodonPlatform
from tests.scheduler.platforms.mastodon.conftest import request
from tests.support.adapters import EmulatorTime, adapter_settings
from tests.support.emulators.bluesky import BlueskyEmulator
from tests.support.emulators.mastodon import MastodonEmulator

REDIRECT = "https://gatepost.example.gov.uk/channels/connect/callback"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_token_connects_as_the_account_on_the_instance(
    mastodon: MastodonPlatform, unconnected: Account, token: str
) -> None:
    connection = mastodon.connect(unconnected, f"  {token}\n")
    assert connection.account_name == "@gatepost@mastodon.example"
    assert dict(connection.credentials) == {"access_token": token}
    assert token not in repr(connection)


def test_a_wrong_token_is_refused_saying_how_to_make_one(
    mastodon: MastodonPlatform, unconnected: Account
) -> None:
    with pytest.raises(CredentialsRefused) as refused:
        mastodon.connect(unconnected, "not-a-token-at-all")
    assert refused.value.message == (
        "Mastodon refused the token: The access token is invalid; create one under Preferences "
        "> Development with the write:statuses, write:media and read:accounts scopes"
    )


def test_an_address_with_no_mastodon_behind_it_is_named_with_what_to_check(
    mastodon: MastodonPlatform, bluesky_emulator: BlueskyEmulator
) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(PermanentError, match="check the channel's instance URL") as refused:
        mastodon.connect(Account("@stats", instance_url=nowhere), "token")
    assert nowhere in refused.value.message
    assert not isinstance(refused.value, CredentialsRefused)
    with pytest.raises(PermanentError, match="does not answer as a Mastodon instance") as wrong:
        mastodon.connect(Account("@stats", instance_url=bluesky_emulator.base_url), "token")
    assert bluesky_emulator.base_url in wrong.value.message
    with pytest.raises(PermanentError, match="names no server"):
        mastodon.connect(Account("@stats"), "token")
    assert MastodonPlatform.default_instance is None


def test_checking_the_connection_keeps_the_stored_credentials_until_they_are_revoked(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    connection = mastodon.check_connection(account)
    assert connection.account_name == "@gatepost@mastodon.example"
    assert connection.credentials == account.credentials
    mastodon_emulator.revoke(account.credentials["access_token"])
    with pytest.raises(CredentialsRefused, match="reconnect the channel"):
        mastodon.check_connection(account)


def test_oauth_registers_an_app_signs_in_with_pkce_and_keeps_the_client(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, unconnected: Account
) -> None:
    assert MastodonPlatform.supports_authorization
    started = mastodon.start_authorization(unconnected, REDIRECT, "state-1")
    [registered] = mastodon_emulator.calls_to("apps.create")
    assert registered.json()["client_name"] == "Gatepost"
    assert registered.json()["scopes"] == "read:accounts read:statuses write:statuses write:media"
    query = parse_qs(urlsplit(started.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert set(started.kept) == {"client_id", "client_secret", "code_verifier"}
    assert started.kept["client_secret"] not in started.url
    # The person approves on the instance, which sends them back with a code and the state.
    back = httpx.get(started.url, follow_redirects=False)
    returned = parse_qs(urlsplit(back.headers["Location"]).query)
    assert returned["state"] == ["state-1"]
    connection = mastodon.finish_authorization(
        unconnected, REDIRECT, returned["code"][0], started.kept
    )
    assert connection.account_name == "@gatepost@mastodon.example"
    assert set(connection.credentials) == {"access_token", "client_id", "client_secret"}
    connected = Account(
        "@stats", instance_url=unconnected.instance_url, credentials=connection.credentials
    )
    mastodon.publish(request(connected, "Signed in through OAuth"))
    assert len(mastodon_emulator.statuses) == 1


def test_oauth_with_the_wrong_verifier_is_refused(
    mastodon: MastodonPlatform, unconnected: Account
) -> None:
    started = mastodon.start_authorization(unconnected, REDIRECT, "s")
    back = httpx.get(started.url, follow_redirects=False)
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    tampered = {**started.kept, "code_verifier": "x" * 60}
    with pytest.raises(CredentialsRefused, match="start connecting the channel again"):
        mastodon.finish_authorization(unconnected, REDIRECT, code, tampered)


def test_validate_reads_the_instance_limits_and_keeps_them_for_an_hour(tmp_path: Path) -> None:
    with MastodonEmulator(max_characters=1000, characters_reserved_per_url=20) as emulator:
        adapter = MastodonPlatform(adapter_settings(tmp_path), EmulatorTime(emulator.clock))
        account = Account("@stats", instance_url=emulator.base_url)
        fits = "x" * 979 + " https://www.ons.gov.uk/" + "a" * 300  # 979 + 1 + 20
        assert adapter.validate(fits, account).valid
        check = adapter.validate(fits + "!", account)
        assert (check.length, check.limit) == (1001, 1000)
        assert check.problems[0].startswith(
            "The text is 1,001 characters; mastodon.example allows 1,000: cut 1"
        )
        assert adapter.validate("@press@social.example.gov.uk hi", account).length == 9
        assert len(emulator.calls_to("instance")) == 1
        emulator.clock.advance(3601)
        adapter.validate("again", account)
        assert len(emulator.calls_to("instance")) == 2


def test_validate_falls_back_to_a_stock_server_when_the_instance_does_not_answer(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, unconnected: Account
) -> None:
    mastodon_emulator.fail_next(503, endpoint="instance")
    check = mastodon.validate("x" * 512, unconnected)
    assert check.limit == 500
    assert check.problems[0].startswith("The text is 512 characters; 127.0.0.1 allows 500")
    nowhere = Account("@stats", instance_url=f"http://127.0.0.1:{closed_port()}")
    assert mastodon.validate("short", nowhere).valid
    assert (
        mastodon.validate("x" * 501, None)
        .problems[0]
        .endswith("Mastodon allows 500: cut 1 (each link counts as 23)")
    )
