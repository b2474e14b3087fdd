"""Connecting a Bluesky channel, and keeping its session alive as its tokens expire and rotate."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from scheduler.platforms import (
    Account,
    CredentialsRefused,
    PermanentError,
    PublishRequest,
)
from scheduler.platforms.bluesky import BlueskyPlatform
from scheduler.platforms.bluesky.sessions import token_expiry
from tests.scheduler.platforms.bluesky.conftest import PASSWORD, StoredCredentials
from tests.support.emulators.bluesky import BlueskyEmulator
from tests.support.emulators.mastodon import MastodonEmulator

CREATE = "com.atproto.repo.createRecord"
REFRESH = "com.atproto.server.refreshSession"


def post(account: Account, text: str, key: str) -> PublishRequest:
    return PublishRequest(account=account, text=text, idempotency_key=key)


def test_connecting_signs_in_with_the_handle_and_app_password(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, unconnected: Account
) -> None:
    connection = bluesky.connect(unconnected, f"  @gatepost.test   {PASSWORD}\n")
    assert connection.account_name == "@gatepost.test"
    assert set(connection.credentials) == {"did", "handle", "access_jwt", "refresh_jwt"}
    assert connection.credentials["did"] == bluesky_emulator.account.did
    assert connection.expires_at is not None
    lifetime = connection.expires_at - bluesky_emulator.clock.datetime()
    assert timedelta(hours=1, minutes=59) < lifetime <= timedelta(hours=2)
    assert bluesky_emulator.calls_to("com.atproto.server.createSession")[0].json() == {
        "identifier": "gatepost.test",
        "password": PASSWORD,
    }
    assert connection.credentials["access_jwt"] not in repr(connection)


def test_a_wrong_app_password_is_refused_saying_where_to_make_one(
    bluesky: BlueskyPlatform, unconnected: Account
) -> None:
    with pytest.raises(CredentialsRefused) as refused:
        bluesky.connect(unconnected, "gatepost.test wrong-pass-word-0000")
    assert refused.value.message == (
        "Bluesky refused the app password for @gatepost.test: Invalid identifier or password; "
        "create an app password under Settings > Privacy and security > App passwords"
    )
    assert "wrong-pass-word" not in str(refused.value)


@pytest.mark.parametrize("secret", ["", "app-pass-word-1234", "gatepost.test app pass word"])
def test_a_malformed_secret_says_the_form_expected(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, unconnected: Account, secret: str
) -> None:
    with pytest.raises(CredentialsRefused) as refused:
        bluesky.connect(unconnected, secret)
    assert "`yourname.bsky.social xxxx-xxxx-xxxx-xxxx`" in refused.value.message
    assert bluesky_emulator.calls == []


def test_a_handle_without_its_domain_is_refused(
    bluesky: BlueskyPlatform, unconnected: Account
) -> None:
    with pytest.raises(CredentialsRefused) as refused:
        bluesky.connect(unconnected, f"gatepost {PASSWORD}")
    assert "give the full handle, e.g. `gatepost.bsky.social" in refused.value.message


def test_a_server_that_is_not_there_is_named(
    bluesky: BlueskyPlatform, unconnected: Account
) -> None:
    nowhere = replace(unconnected, instance_url="http://127.0.0.1:9")
    with pytest.raises(PermanentError) as refused:
        bluesky.connect(nowhere, f"gatepost.test {PASSWORD}")
    assert refused.value.message.startswith("No Bluesky server answered at http://127.0.0.1:9 ")
    assert "check the channel's server URL" in refused.value.message


def test_a_server_that_is_not_bluesky_is_named(
    bluesky: BlueskyPlatform, unconnected: Account, mastodon_emulator: MastodonEmulator
) -> None:
    mastodon = replace(unconnected, instance_url=mastodon_emulator.base_url)
    with pytest.raises(PermanentError) as refused:
        bluesky.connect(mastodon, f"gatepost.test {PASSWORD}")
    assert refused.value.message.startswith(f"{mastodon_emulator.base_url} is not a Bluesky server")


def test_check_connection_says_who_the_session_signs_in_as(
    bluesky: BlueskyPlatform, account: Account, stored: StoredCredentials
) -> None:
    connection = bluesky.check_connection(account)
    assert connection.account_name == "@gatepost.test"
    assert connection.credentials == account.credentials
    assert stored.changes == []


def test_a_session_about_to_expire_is_refreshed_first_and_the_new_pair_stored(
    bluesky: BlueskyPlatform,
    bluesky_emulator: BlueskyEmulator,
    account: Account,
    stored: StoredCredentials,
) -> None:
    bluesky_emulator.clock.advance(7200 - 120)
    connection = bluesky.check_connection(account)
    assert len(bluesky_emulator.calls_to(REFRESH)) == 1
    [(changed_account, new)] = stored.changes
    assert changed_account.channel_id == account.channel_id
    assert new["refresh_jwt"] != account.credentials["refresh_jwt"]
    assert new == dict(connection.credentials)
    expires = token_expiry(new["access_jwt"])
    assert expires is not None
    assert expires - bluesky_emulator.clock.datetime() > timedelta(hours=1, minutes=59)
    # The old refresh token is revoked: only the stored one works now.
    assert bluesky_emulator.tokens[account.credentials["refresh_jwt"]].revoked
    assert not bluesky_emulator.tokens[new["refresh_jwt"]].revoked


def test_an_expired_token_mid_publish_is_refreshed_and_the_post_sent_once(
    bluesky: BlueskyPlatform,
    bluesky_emulator: BlueskyEmulator,
    account: Account,
    stored: StoredCredentials,
) -> None:
    bluesky_emulator.expire_token_next(endpoint=CREATE)
    bluesky.publish(post(account, "Diweithdra 4.2%", "gatepost-1-v1"))
    assert [call.endpoint for call in bluesky_emulator.calls[1:]] == [CREATE, REFRESH, CREATE]
    assert [p["value"]["text"] for p in bluesky_emulator.posts] == ["Diweithdra 4.2%"]
    [(_, new)] = stored.changes
    second_try = bluesky_emulator.calls_to(CREATE)[1]
    assert second_try.headers["Authorization"] == f"Bearer {new['access_jwt']}"

    # The lane after it, still given the old credentials, uses the newest pair in memory.
    bluesky.publish(post(account, "Unemployment 4.2%", "gatepost-2-v1"))
    assert len(bluesky_emulator.calls_to(REFRESH)) == 1
    assert bluesky_emulator.calls_to(CREATE)[2].headers["Authorization"] == (
        f"Bearer {new['access_jwt']}"
    )


def test_lanes_sharing_an_expired_session_refresh_it_once(
    bluesky: BlueskyPlatform,
    bluesky_emulator: BlueskyEmulator,
    account: Account,
    stored: StoredCredentials,
) -> None:
    bluesky_emulator.clock.advance(7200)
    bluesky_emulator.latency = 0.05  # so the lanes overlap
    start = threading.Barrier(4)
    errors: list[Exception] = []

    def lane(number: int) -> None:
        start.wait()
        try:
            bluesky.publish(post(account, f"Lane {number}", f"gatepost-{number}-v1"))
        except Exception as error:  # reported below
            errors.append(error)

    lanes = [threading.Thread(target=lane, args=(n,)) for n in range(4)]
    for thread in lanes:
        thread.start()
    for thread in lanes:
        thread.join()
    assert errors == []
    assert len(bluesky_emulator.calls_to(REFRESH)) == 1
    assert len(stored.changes) == 1
    assert sorted(p["value"]["text"] for p in bluesky_emulator.posts) == [
        f"Lane {n}" for n in range(4)
    ]


def test_an_expired_refresh_token_asks_for_a_new_app_password(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    bluesky_emulator.clock.advance(91 * 24 * 3600)
    with pytest.raises(CredentialsRefused) as refused:
        bluesky.publish(post(account, "Too late", "gatepost-1-v1"))
    assert refused.value.message == (
        "Bluesky no longer accepts the session stored for @gatepost.test (Token has expired): "
        "reconnect the channel with a new app password"
    )
    assert bluesky_emulator.posts == []


def test_a_revoked_session_asks_for_a_new_app_password(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    for token in bluesky_emulator.tokens.values():
        token.revoked = True  # the person deleted the app password
    bluesky_emulator.expire_token_next(endpoint=CREATE)
    with pytest.raises(CredentialsRefused) as refused:
        bluesky.publish(post(account, "Revoked", "gatepost-1-v1"))
    assert "(Token has been revoked): reconnect the channel" in refused.value.message


def test_an_unknown_token_is_refused_without_a_refresh(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    fresh = BlueskyPlatform(bluesky.settings, bluesky.clock)
    forged = replace(account, credentials={**account.credentials, "access_jwt": "not.a.token"})
    with pytest.raises(CredentialsRefused) as refused:
        fresh.publish(post(forged, "Forged", "gatepost-1-v1"))
    assert refused.value.message == (
        "Bluesky refused the session stored for @stats (Token could not be verified): "
        "reconnect the channel with a new app password"
    )
    assert bluesky_emulator.calls_to(REFRESH) == []


def test_credentials_from_a_reconnection_replace_the_session_in_memory(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    bluesky.publish(post(account, "Before", "gatepost-1-v1"))
    # A person reconnects the channel elsewhere (the web UI's adapter, another worker).
    other = BlueskyPlatform(bluesky.settings, bluesky.clock)
    reconnected = other.connect(account, f"gatepost.test {PASSWORD}")
    renewed = replace(account, credentials=reconnected.credentials)
    bluesky.publish(post(renewed, "After", "gatepost-2-v1"))
    assert bluesky_emulator.calls_to(CREATE)[-1].headers["Authorization"] == (
        f"Bearer {reconnected.credentials['access_jwt']}"
    )


def test_a_channel_never_connected_is_refused(
    bluesky: BlueskyPlatform, unconnected: Account
) -> None:
    with pytest.raises(CredentialsRefused) as refused:
        bluesky.publish(post(unconnected, "Hello", "gatepost-1-v1"))
    assert refused.value.message == (
        "The Bluesky channel @stats is not connected: connect it with its handle and an app "
        "password"
    )
