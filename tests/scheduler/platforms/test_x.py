"""The X adapter against the X emulator over real HTTP: threads, exactly once, tokens, limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from config import Settings, load_settings
from config.settings import XAppSettings
from scheduler.platforms import (
    Account,
    Credentials,
    CredentialsRefused,
    MediaItem,
    OutcomeUnknown,
    PermanentError,
    PlatformError,
    PublishRequest,
    TransientError,
)
from scheduler.platforms.x import XPlatform
from scheduler.platforms.x.recent import comparable
from tests.support.emulators.x import XEmulator

REDIRECT = "http://127.0.0.1/callback"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def x_settings(tmp_path: Path, emulator: XEmulator) -> Settings:
    client = emulator.client
    return load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path / "instance"),
            "secret_key": "test-secret-key-that-is-long-enough",
            "x": {"client_id": client.client_id, "client_secret": client.client_secret or ""},
        },
    )


def iso_in(seconds: float) -> str:
    return datetime.fromtimestamp(time.time() + seconds, tz=UTC).isoformat(timespec="seconds")


def connected(
    emulator: XEmulator, *, channel_id: int = 1, expires_in: float = 3600, handle: str = "ons"
) -> Account:
    access, refresh = emulator.issue_token()
    assert refresh is not None
    return Account(
        handle,
        channel_id=channel_id,
        instance_url=emulator.base_url,
        credentials={
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": iso_in(expires_in),
            "user_id": emulator.user.id,
            "username": emulator.user.username,
        },
    )


def send(account: Account, text: str, key: str = "", **extra: Any) -> PublishRequest:
    extra.setdefault("first_tried_at", datetime.now(UTC) - timedelta(minutes=1))
    return PublishRequest(account=account, text=text, idempotency_key=key or text, **extra)


@pytest.fixture
def stored() -> list[Credentials]:
    return []


@pytest.fixture
def make_platform(
    tmp_path: Path, x_emulator: XEmulator, stored: list[Credentials]
) -> Callable[[], XPlatform]:
    """Return a factory of adapters (each a fresh worker process, as far as memory goes)."""

    def make() -> XPlatform:
        return XPlatform(
            x_settings(tmp_path, x_emulator),
            credentials_changed=lambda _account, credentials: stored.append(credentials),
        )

    return make


@pytest.fixture
def platform(make_platform: Callable[[], XPlatform]) -> XPlatform:
    return make_platform()


def live_tweets(emulator: XEmulator) -> list[dict[str, Any]]:
    return [tweet for tweet in emulator.tweets if not tweet["deleted"]]


def test_a_thread_goes_out_as_a_chain_of_replies(
    platform: XPlatform, x_emulator: XEmulator
) -> None:
    account = connected(x_emulator)
    reply_to = None
    ids = []
    for number in range(1, 4):
        published = platform.publish(send(account, f"Labour market, {number}/3", reply_to=reply_to))
        ids.append(published.external_id)
        reply_to = published.external_id

    sent = [call.json() for call in x_emulator.calls_to("tweets.create")]
    assert sent == [
        {"text": "Labour market, 1/3"},
        {"text": "Labour market, 2/3", "reply": {"in_reply_to_tweet_id": ids[0]}},
        {"text": "Labour market, 3/3", "reply": {"in_reply_to_tweet_id": ids[1]}},
    ]
    assert [tweet["id"] for tweet in live_tweets(x_emulator)] == ids
    # No language field: X's create call has none.
    assert all("lang" not in body for body in sent)


def test_a_lost_answer_is_found_by_lookup_and_never_sent_again(
    platform: XPlatform, x_emulator: XEmulator
) -> None:
    account = connected(x_emulator)
    request = send(account, "CPI rose 0.3% in March")
    x_emulator.lose_next_answer(endpoint="tweets.create")
    with pytest.raises(OutcomeUnknown, match="after the post was sent"):
        platform.publish(request)

    again = platform.publish(request)  # looks first, finds it, sends nothing
    found = platform.lookup(request)

    (tweet,) = live_tweets(x_emulator)
    assert again.external_id == tweet["id"]
    assert found is not None
    assert found.external_id == tweet["id"]
    assert len(x_emulator.calls_to("tweets.create")) == 1


def test_a_server_error_after_sending_is_looked_up_then_sent_once(
    platform: XPlatform, x_emulator: XEmulator
) -> None:
    account = connected(x_emulator)
    request = send(account, "GDP grew 0.1% in the quarter")
    x_emulator.fail_next(503, endpoint="tweets.create")
    with pytest.raises(OutcomeUnknown):
        platform.publish(request)
    assert platform.lookup(request) is None  # X did nothing: sending again is safe

    published = platform.publish(request)

    (tweet,) = live_tweets(x_emulator)
    assert published.external_id == tweet["id"]
    assert len(x_emulator.calls_to("users.tweets")) == 2  # the look-up, and again before sending


def test_a_duplicate_refusal_is_read_as_already_published(
    make_platform: Callable[[], XPlatform], x_emulator: XEmulator
) -> None:
    account = connected(x_emulator)
    request = send(account, "Unemployment was 4.2%")
    x_emulator.lose_next_answer(endpoint="tweets.create")
    with pytest.raises(OutcomeUnknown):
        make_platform().publish(request)

    # Another worker, knowing nothing of the lost answer, sends it again.
    published = make_platform().publish(request)

    (tweet,) = live_tweets(x_emulator)
    assert x_emulator.duplicate_refusals == 1
    assert published.external_id == tweet["id"]


def test_a_duplicate_of_an_older_post_waits_for_a_person(
    platform: XPlatform, x_emulator: XEmulator
) -> None:
    account = connected(x_emulator)
    platform.publish(send(account, "Retail sales fell 1%", key="typed-by-hand-yesterday"))
    later = send(
        account,
        "Retail sales fell 1%",
        key="gatepost-post-7",
        first_tried_at=datetime.now(UTC) + timedelta(hours=1),
    )

    with pytest.raises(OutcomeUnknown, match="duplicate"):
        platform.publish(later)
    with pytest.raises(PlatformError, match="check the account on X"):
        platform.lookup(later)
    assert len(live_tweets(x_emulator)) == 1


def test_lookup_matches_the_reply_target_too(platform: XPlatform, x_emulator: XEmulator) -> None:
    account = connected(x_emulator)
    first = platform.publish(send(account, "Thread start"))
    reply = platform.publish(send(account, "Thread end", reply_to=first.external_id))

    found = platform.lookup(send(account, "Thread end", reply_to=first.external_id))
    elsewhere = platform.lookup(send(account, "Thread end", reply_to="1"))

    assert found is not None
    assert found.external_id == reply.external_id
    assert elsewhere is None


def test_an_expired_access_token_is_refreshed_before_the_call_and_the_rotation_kept(
    platform: XPlatform, x_emulator: XEmulator, stored: list[Credentials]
) -> None:
    account = connected(x_emulator, expires_in=-60)
    old_refresh = account.credentials["refresh_token"]

    platform.publish(send(account, "First after two hours"))
    # The store has not caught up: the adapter still uses the rotated token it holds.
    platform.publish(send(account, "Second after two hours"))

    assert len(stored) == 1
    assert stored[0]["refresh_token"] not in (old_refresh, "")
    assert stored[0]["access_token"] != account.credentials["access_token"]
    assert old_refresh not in x_emulator.refresh_tokens  # used once, gone
    assert len(x_emulator.calls_to("oauth2.token")) == 1
    assert len(live_tweets(x_emulator)) == 2


def test_a_401_refreshes_once_and_the_post_goes_once(
    platform: XPlatform, x_emulator: XEmulator, stored: list[Credentials]
) -> None:
    account = connected(x_emulator)
    x_emulator.expire_token_next(endpoint="tweets.create")

    platform.publish(send(account, "Sent after a 401"))

    assert len(stored) == 1
    assert len(live_tweets(x_emulator)) == 1


def test_a_refused_refresh_token_asks_for_reconnecting(
    platform: XPlatform, x_emulator: XEmulator
) -> None:
    account = connected(x_emulator, expires_in=-60)
    x_emulator.refresh_tokens.clear()  # revoked on X's side

    reconnect = "reconnect the X channel from its page"
    with pytest.raises(CredentialsRefused, match=reconnect) as refused:
        platform.publish(send(account, "Never sent"))

    assert account.credentials["refresh_token"] not in str(refused.value)
    assert x_emulator.calls_to("tweets.create") == []


def test_a_channel_never_connected_is_refused(platform: XPlatform, x_emulator: XEmulator) -> None:
    account = Account("ons", channel_id=1, instance_url=x_emulator.base_url)
    with pytest.raises(CredentialsRefused, match="not connected"):
        platform.publish(send(account, "Nothing to sign in with"))


def test_a_429_retries_when_xs_window_resets(platform: XPlatform, x_emulator: XEmulator) -> None:
    account = connected(x_emulator)
    x_emulator.rate_limit_next(120, endpoint="tweets.create")

    with pytest.raises(TransientError) as limited:
        platform.publish(send(account, "Too soon"))
    with pytest.raises(TransientError, match="used up"):
        platform.publish(send(account, "Still too soon"))

    assert limited.value.retry_after is not None
    assert 115 <= limited.value.retry_after <= 121
    assert len(x_emulator.calls_to("tweets.create")) == 1  # the second was not sent


def test_a_used_up_window_is_not_called_into(platform: XPlatform, x_emulator: XEmulator) -> None:
    account = connected(x_emulator)
    x_emulator.set_rate_limit(2, 900, bucket="tweets.create")
    platform.publish(send(account, "One"))
    platform.publish(send(account, "Two"))

    with pytest.raises(TransientError) as waiting:
        platform.publish(send(account, "Three"))

    assert waiting.value.retry_after is not None
    assert waiting.value.retry_after > 800
    assert len(x_emulator.calls_to("tweets.create")) == 2


def test_images_go_with_their_descriptions(
    platform: XPlatform, x_emulator: XEmulator, tmp_path: Path
) -> None:
    image = tmp_path / "chart.png"
    image.write_bytes(PNG)
    account = connected(x_emulator)
    media = (MediaItem(image, "image/png", "Line chart: inflation falling since 2023"),)

    platform.publish(send(account, "Inflation, in one chart", media=media))

    (tweet,) = live_tweets(x_emulator)
    (media_id,) = tweet["media_ids"]
    assert x_emulator.media_alt_text(media_id) == "Line chart: inflation falling since 2023"


def test_an_image_without_a_description_is_refused_before_anything_is_sent(
    platform: XPlatform, x_emulator: XEmulator, tmp_path: Path
) -> None:
    image = tmp_path / "chart.png"
    image.write_bytes(PNG)
    account = connected(x_emulator)

    with pytest.raises(PermanentError, match="describe the image"):
        platform.publish(send(account, "A chart", media=(MediaItem(image, "image/png", " "),)))

    assert x_emulator.calls == []


def test_delete_removes_the_post(platform: XPlatform, x_emulator: XEmulator) -> None:
    account = connected(x_emulator)
    published = platform.publish(send(account, "Withdrawn figures"))

    platform.delete(account, published.external_id)

    assert live_tweets(x_emulator) == []
    with pytest.raises(PermanentError, match="deleted already"):
        platform.delete(account, published.external_id)


def test_text_is_measured_by_twitter_text(platform: XPlatform) -> None:
    assert platform.validate("a" * 280).valid
    check = platform.validate("a" * 281)
    assert not check.valid
    assert "1 over the limit of 280" in check.problems[0]
    assert platform.validate("https://www.ons.gov.uk/ " + "a" * 250).length == 23 + 1 + 250


def test_x_connects_only_through_the_web_sign_in(platform: XPlatform) -> None:
    with pytest.raises(PermanentError, match="sign-in page"):
        platform.connect(Account("ons"), "a-token")


def test_check_connection_names_the_account_refreshing_if_due(
    platform: XPlatform, x_emulator: XEmulator, stored: list[Credentials]
) -> None:
    connection = platform.check_connection(connected(x_emulator, expires_in=10))

    assert connection.account_name == "@gatepost"
    assert connection.credentials == stored[0]
    assert connection.expires_at is not None
    assert connection.expires_at > datetime.now(UTC) + timedelta(hours=1)


def test_sign_in_with_pkce_gives_credentials_that_publish(
    platform: XPlatform, x_emulator: XEmulator
) -> None:
    x_emulator.client.redirect_uris.append(REDIRECT)
    account = Account("ons", channel_id=1, instance_url=x_emulator.base_url)

    authorization = platform.start_authorization(account, REDIRECT, "state-1")
    query = parse_qs(urlsplit(authorization.url).query)
    approved = httpx.get(authorization.url, follow_redirects=False)
    back = parse_qs(urlsplit(approved.headers["Location"]).query)
    connection = platform.finish_authorization(
        account, REDIRECT, back["code"][0], authorization.kept
    )

    assert authorization.url.startswith(f"{x_emulator.base_url}/i/oauth2/authorize?")
    assert query["scope"] == ["tweet.read tweet.write users.read media.write offline.access"]
    assert query["code_challenge_method"] == ["S256"]
    assert authorization.kept["code_verifier"] not in authorization.url
    assert back["state"] == ["state-1"]
    assert connection.account_name == "@gatepost"
    assert set(connection.credentials) == {
        "access_token",
        "refresh_token",
        "expires_at",
        "user_id",
        "username",
    }
    assert "access_token" not in repr(connection)
    assert authorization.kept["code_verifier"] not in repr(authorization)
    assert connection.credentials["refresh_token"] not in repr(connection)
    with_credentials = Account(
        "ons", channel_id=1, instance_url=x_emulator.base_url, credentials=connection.credentials
    )
    platform.publish(send(with_credentials, "Connected through the sign-in"))
    assert len(live_tweets(x_emulator)) == 1


def test_a_code_used_twice_is_refused(platform: XPlatform, x_emulator: XEmulator) -> None:
    account = Account("ons", instance_url=x_emulator.base_url)
    authorization = platform.start_authorization(account, REDIRECT, "s")
    code = parse_qs(urlsplit(httpx.get(authorization.url).headers["Location"]).query)["code"][0]
    platform.finish_authorization(account, REDIRECT, code, authorization.kept)

    with pytest.raises(CredentialsRefused, match="connect again"):
        platform.finish_authorization(account, REDIRECT, code, authorization.kept)


def test_public_channels_sign_in_at_the_configured_page(tmp_path: Path) -> None:
    settings = load_settings(
        {"GATEPOST_X_CLIENT_ID": "app-id", "GATEPOST_X_CLIENT_SECRET": "app-secret"},
        overrides={"instance_path": str(tmp_path), "secret_key": "s" * 32},
    )
    platform = XPlatform(settings)

    authorization = platform.start_authorization(Account("ons"), "https://g.example/cb", "st")

    assert authorization.url.startswith("https://x.com/i/oauth2/authorize?")
    assert parse_qs(urlsplit(authorization.url).query)["client_id"] == ["app-id"]
    assert "app-secret" not in repr(settings)


def test_without_an_app_sign_in_says_what_to_set(tmp_path: Path) -> None:
    settings = load_settings({}, overrides={"instance_path": str(tmp_path), "secret_key": "s" * 32})
    assert settings.x == XAppSettings()
    with pytest.raises(PermanentError, match="GATEPOST_X_CLIENT_ID"):
        XPlatform(settings).start_authorization(Account("ons"), "https://g.example/cb", "st")


def test_texts_compare_as_x_gives_them_back() -> None:
    sent = "Read it: https://www.ons.gov.uk/economy & more <here>"
    given_back = "Read it: https://t.co/AbCdEf1234 &amp; more &lt;here&gt;"
    assert comparable(sent) == comparable(given_back)
    assert comparable(sent) != comparable("Read it: https://t.co/AbCdEf1234 and more")
