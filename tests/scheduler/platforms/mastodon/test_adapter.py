"""The Mastodon adapter against the emulator: length, exactly once, threads, images, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from scheduler.platforms import (
    Account,
    CredentialsRefused,
    MediaItem,
    OutcomeUnknown,
    PermanentError,
    PlatformError,
    PublishRequest,
    TransientError,
)
from scheduler.platforms.mastodon import MastodonPlatform
from tests.scheduler.platforms.mastodon.conftest import adapter_settings
from tests.support.emulators.bluesky import BlueskyEmulator
from tests.support.emulators.mastodon import MastodonEmulator


def request(account: Account, key: str, text: str, **extra: Any) -> PublishRequest:
    return PublishRequest(account=account, text=text, idempotency_key=key, **extra)


def png(tmp_path: Path) -> Path:
    path = tmp_path / "0123456789abcdef0123456789abcdef.png"
    Image.new("RGB", (8, 8), "navy").save(path, format="PNG")
    return path


def test_a_token_connects_as_the_account_on_its_instance(
    mastodon: MastodonPlatform, unconnected: Account, mastodon_emulator: MastodonEmulator
) -> None:
    connection = mastodon.connect(unconnected, f"  {mastodon_emulator.issue_token()}\n")
    assert connection.account_name == "@gatepost@mastodon.example"
    assert set(connection.credentials) == {"access_token"}


@pytest.mark.parametrize("secret", ["", "two words"])
def test_something_that_is_not_a_token_is_refused_saying_what_to_paste(
    mastodon: MastodonPlatform, unconnected: Account, secret: str
) -> None:
    with pytest.raises(CredentialsRefused, match="Paste the access token alone"):
        mastodon.connect(unconnected, secret)


def test_a_wrong_token_is_refused_with_where_to_make_one(
    mastodon: MastodonPlatform, unconnected: Account
) -> None:
    with pytest.raises(CredentialsRefused, match="Preferences > Development"):
        mastodon.connect(unconnected, "not-a-token")


def test_an_address_that_is_not_a_mastodon_server_is_named(
    mastodon: MastodonPlatform, bluesky_emulator: BlueskyEmulator
) -> None:
    nowhere = Account("@stats", instance_url="http://127.0.0.1:9")
    with pytest.raises(PermanentError, match=r"127\.0\.0\.1:9 could not be reached.*address"):
        mastodon.connect(nowhere, "token")
    elsewhere = Account("@stats", instance_url=bluesky_emulator.base_url)
    with pytest.raises(PermanentError, match="Mastodon server"):
        mastodon.connect(elsewhere, "token")


def test_length_is_the_instance_s_own_with_links_at_its_url_weight(tmp_path: Path) -> None:
    with MastodonEmulator(max_characters=100, characters_reserved_per_url=30) as emulator:
        account = Account("@stats", instance_url=emulator.base_url)
        adapter = MastodonPlatform(adapter_settings(tmp_path))
        link = "https://www.ons.gov.uk/" + "x" * 200
        check = adapter.validate(f"{'a' * 60} {link}", account)
        assert (check.length, check.limit, check.valid) == (91, 100, True)
        long = adapter.validate("a" * 101, account)
        assert long.problems == (
            "The post is 101 characters; mastodon.example allows 100 (each link counts as 30). "
            "Shorten it by 1",
        )
        assert adapter.validate("@ons@example.social " + "b" * 95, account).length == 100
        instance_calls = [call for call in emulator.calls if call.endpoint == "instance"]
        assert len(instance_calls) == 1  # asked once, then cached


def test_an_unreachable_instance_falls_back_to_mastodon_s_defaults_for_the_counter(
    mastodon: MastodonPlatform,
) -> None:
    check = mastodon.validate("a" * 501, Account("@stats", instance_url="http://127.0.0.1:9"))
    assert (check.length, check.limit, check.valid) == (501, 500, False)


def test_a_thread_is_a_reply_chain_tagged_with_its_language(
    mastodon: MastodonPlatform, account: Account, mastodon_emulator: MastodonEmulator
) -> None:
    welsh = Account(
        account.handle,
        channel_id=account.channel_id,
        language="cy",
        instance_url=account.instance_url,
        credentials=account.credentials,
    )
    first = mastodon.publish(request(welsh, "gatepost-1-v1", "Ystadegau 1/2"))
    second = mastodon.publish(
        request(welsh, "gatepost-2-v1", "Ystadegau 2/2", reply_to=first.external_id)
    )
    made = {status["id"]: status for status in mastodon_emulator.statuses}
    assert made[second.external_id]["in_reply_to_id"] == first.external_id
    assert {made[first.external_id]["language"], made[second.external_id]["language"]} == {"cy"}


def test_a_retry_within_the_hour_gets_the_first_status_back_not_a_second(
    mastodon: MastodonPlatform, account: Account, mastodon_emulator: MastodonEmulator
) -> None:
    first = mastodon.publish(request(account, "gatepost-7-v1", "GDP grew 0.3%"))
    again = mastodon.publish(request(account, "gatepost-7-v1", "GDP grew 0.3%"))
    assert again == first
    assert mastodon_emulator.idempotent_replays == 1
    assert len(mastodon_emulator.statuses) == 1


def test_a_lost_answer_is_unknown_then_the_look_up_finds_the_post_after_the_hour(
    mastodon: MastodonPlatform, account: Account, mastodon_emulator: MastodonEmulator
) -> None:
    sent = request(
        account, "gatepost-8-v1", "Inflation fell to 2.1% & <rates> held",
        first_tried_at=mastodon_emulator.clock.datetime(),
    )  # fmt: skip
    mastodon.publish(request(account, "gatepost-3-v1", "An earlier post"))
    mastodon_emulator.lose_next_answer(endpoint="statuses.create")
    with pytest.raises(OutcomeUnknown, match="may have it"):
        mastodon.publish(sent)
    mastodon_emulator.clock.advance(2 * 3600)  # past the Idempotency-Key window
    found = mastodon.lookup(sent)
    assert found is not None
    [made] = [s for s in mastodon_emulator.statuses if s["id"] == found.external_id]
    assert "Inflation fell" in made["content"]
    assert len(mastodon_emulator.statuses) == 2
    never = request(account, "gatepost-9-v1", "Never sent", first_tried_at=sent.first_tried_at)
    assert mastodon.lookup(never) is None


def test_a_look_up_that_fails_says_a_person_must_check(
    mastodon: MastodonPlatform, account: Account, mastodon_emulator: MastodonEmulator
) -> None:
    mastodon_emulator.fail_next(503, endpoint="accounts.statuses")
    with pytest.raises(PlatformError, match="check the channel's profile"):
        mastodon.lookup(request(account, "gatepost-4-v1", "Anything"))


def test_an_image_goes_up_with_its_alt_text_and_a_missing_one_sends_nothing(
    mastodon: MastodonPlatform,
    account: Account,
    mastodon_emulator: MastodonEmulator,
    tmp_path: Path,
) -> None:
    mastodon_emulator.media_processing_polls = 2
    image = MediaItem(png(tmp_path), "image/png", "Line chart of inflation since 2020")
    published = mastodon.publish(request(account, "gatepost-5-v1", "Chart", media=(image,)))
    [made] = [s for s in mastodon_emulator.statuses if s["id"] == published.external_id]
    assert [m["description"] for m in made["media_attachments"]] == [image.alt_text]

    blank = MediaItem(png(tmp_path), "image/png", " ")
    with pytest.raises(PermanentError, match="has no alt text: describe it"):
        mastodon.publish(request(account, "gatepost-6-v1", "Chart", media=(blank,)))
    assert len(mastodon_emulator.statuses) == 1


def test_a_rate_limit_says_when_to_try_again(
    mastodon: MastodonPlatform, account: Account, mastodon_emulator: MastodonEmulator
) -> None:
    mastodon_emulator.rate_limit_next(retry_after=90, endpoint="statuses.create")
    with pytest.raises(TransientError) as limited:
        mastodon.publish(request(account, "gatepost-10-v1", "Rate limited"))
    assert limited.value.retry_after == pytest.approx(90)


def test_a_used_up_window_is_not_spent_on_a_refusal(
    mastodon: MastodonPlatform, account: Account, mastodon_emulator: MastodonEmulator
) -> None:
    mastodon_emulator.set_rate_limit(1, 300)
    mastodon.publish(request(account, "gatepost-11-v1", "The last one this window"))
    calls = len(mastodon_emulator.calls)
    with pytest.raises(TransientError, match="rate limit") as waiting:
        mastodon.publish(request(account, "gatepost-12-v1", "Waits"))
    assert waiting.value.retry_after is not None
    assert waiting.value.retry_after > 0
    assert len(mastodon_emulator.calls) == calls  # not asked at all


def test_a_revoked_token_asks_for_the_channel_to_be_connected_again(
    mastodon: MastodonPlatform, account: Account, mastodon_emulator: MastodonEmulator
) -> None:
    mastodon_emulator.revoke(account.credentials["access_token"])
    with pytest.raises(CredentialsRefused, match="connect the channel again"):
        mastodon.publish(request(account, "gatepost-13-v1", "Refused"))
    with pytest.raises(CredentialsRefused):
        mastodon.check_connection(account)


def test_a_text_the_instance_refuses_keeps_its_words(
    mastodon: MastodonPlatform, account: Account
) -> None:
    with pytest.raises(PermanentError, match="Text character limit of 500 exceeded"):
        mastodon.publish(request(account, "gatepost-14-v1", "x" * 501))


def test_a_server_error_before_anything_was_made_is_tried_again(
    mastodon: MastodonPlatform, account: Account, mastodon_emulator: MastodonEmulator
) -> None:
    mastodon_emulator.fail_next(502, endpoint="statuses.create")
    with pytest.raises(TransientError):
        mastodon.publish(request(account, "gatepost-15-v1", "Later"))
    assert mastodon_emulator.statuses == []


def test_a_published_post_is_deleted_and_deleting_it_again_says_so(
    mastodon: MastodonPlatform, account: Account, mastodon_emulator: MastodonEmulator
) -> None:
    published = mastodon.publish(request(account, "gatepost-16-v1", "Withdrawn"))
    mastodon.delete(account, published.external_id)
    assert mastodon_emulator.live_statuses() == []
    with pytest.raises(PermanentError, match="no post"):
        mastodon.delete(account, published.external_id)


def test_oauth_with_pkce_connects_and_keeps_the_registered_app(
    mastodon: MastodonPlatform, unconnected: Account, mastodon_emulator: MastodonEmulator
) -> None:
    callback = "https://gatepost.example/admin/channels/oauth/callback"
    started = mastodon.start_authorization(unconnected, callback, "state-123")
    assert "code_challenge_method=S256" in started.url
    answer = httpx.get(started.url, follow_redirects=False)
    location = httpx.URL(answer.headers["Location"])
    assert location.params["state"] == "state-123"
    connection = mastodon.finish_authorization(
        unconnected, callback, location.params["code"], started.kept
    )
    assert connection.account_name == "@gatepost@mastodon.example"
    assert set(connection.credentials) == {"access_token", "client_id", "client_secret"}
    with pytest.raises(CredentialsRefused, match="start again"):
        mastodon.finish_authorization(unconnected, callback, location.params["code"], started.kept)
