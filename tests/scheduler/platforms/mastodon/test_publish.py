"""Publishing to Mastodon exactly once: Idempotency-Key, lost answers, look-ups, limits, images."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from scheduler.platforms import (
    Account,
    CredentialsRefused,
    MediaItem,
    OutcomeUnknown,
    PermanentError,
    PlatformError,
    TransientError,
)
from scheduler.platforms.mastodon import MastodonPlatform
from scheduler.platforms.mastodon.client import MastodonHttp
from tests.scheduler.platforms.mastodon.conftest import request
from tests.support.adapters import EmulatorTime, adapter_settings
from tests.support.emulators.mastodon import MastodonEmulator

CREATE = "statuses.create"
PNG = b"\x89PNG\r\n\x1a\n fake image"


def image(tmp_path: Path, alt_text: str = "Bar chart of waiting times by region") -> MediaItem:
    path = tmp_path / "chart.png"
    path.write_bytes(PNG)
    return MediaItem(path=path, content_type="image/png", alt_text=alt_text)


def test_a_status_carries_its_idempotency_key_language_and_visibility(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    published = mastodon.publish(request(replace(account, language="cy"), "Diweithdra 4.2%"))
    [status] = mastodon_emulator.live_statuses()
    assert published.external_id == status["id"]
    assert (status["language"], status["visibility"]) == ("cy", "public")
    assert published.published_at.isoformat().startswith(status["created_at"][:19])
    call = mastodon_emulator.calls_to(CREATE)[0]
    assert call.headers["Idempotency-Key"] == "gatepost-7-v1"
    assert call.headers["Authorization"] == f"Bearer {account.credentials['access_token']}"


def test_a_thread_is_a_chain_of_replies(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    first = mastodon.publish(request(account, "Labour market: 1 of 2", key="k1"))
    second = mastodon.publish(
        request(account, "Labour market: 2 of 2", key="k2", reply_to=first.external_id)
    )
    statuses = {s["id"]: s for s in mastodon_emulator.live_statuses()}
    assert statuses[first.external_id]["in_reply_to_id"] is None
    assert statuses[second.external_id]["in_reply_to_id"] == first.external_id


def test_the_same_key_within_the_hour_returns_the_first_status_and_posts_nothing_more(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    first = mastodon.publish(request(account, "Once only"))
    mastodon_emulator.clock.advance(40 * 60)
    again = mastodon.publish(request(account, "Once only"))
    assert again.external_id == first.external_id
    assert len(mastodon_emulator.statuses) == 1
    assert mastodon_emulator.idempotent_replays == 1


def test_a_lost_answer_is_unknown_then_the_look_up_finds_the_status_and_no_second_is_made(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    tried_at = mastodon.clock.now()
    sent = request(
        account, "Did it post? Rates < 5% & rising\n\nSecond paragraph", first_tried_at=tried_at
    )
    mastodon_emulator.lose_next_answer(endpoint=CREATE)
    with pytest.raises(OutcomeUnknown, match="after the post was sent"):
        mastodon.publish(sent)
    [status] = mastodon_emulator.statuses
    found = mastodon.lookup(sent)
    assert found is not None
    assert found.external_id == status["id"]
    # Sent again within the hour, the key makes Mastodon answer with the same status.
    assert mastodon.publish(sent).external_id == status["id"]
    assert len(mastodon_emulator.statuses) == 1


def test_a_read_timeout_after_sending_is_unknown(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    mastodon.http = MastodonHttp(mastodon.clock, timeout=httpx.Timeout(0.3, connect=1.0))
    mastodon.limits(mastodon.base_url(account))
    mastodon_emulator.delay_next(0.8, endpoint=CREATE)
    with pytest.raises(OutcomeUnknown, match="did not answer in time"):
        mastodon.publish(request(account, "Slow"))


def test_an_instance_that_cannot_be_reached_is_transient(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    mastodon_emulator.stop()
    with pytest.raises(TransientError, match="could not be reached"):
        mastodon.publish(request(account, "Nobody home"))


def test_a_post_first_tried_over_50_minutes_ago_is_looked_for_before_sending(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    tried_at = mastodon.clock.now()
    mastodon_emulator.lose_next_answer(endpoint=CREATE)
    with pytest.raises(OutcomeUnknown):
        mastodon.publish(request(account, "An hour late", first_tried_at=tried_at))
    mastodon_emulator.clock.advance(61 * 60)  # Mastodon has forgotten the key by now
    again = mastodon.publish(request(account, "An hour late", first_tried_at=tried_at))
    assert again.external_id == mastodon_emulator.statuses[0]["id"]
    assert len(mastodon_emulator.statuses) == 1


def test_look_up_finds_nothing_when_there_is_nothing_and_matches_the_reply_target(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    tried_at = mastodon.clock.now()
    assert mastodon.lookup(request(account, "Never sent", first_tried_at=tried_at)) is None
    root = mastodon.publish(request(account, "Root", key="r"))
    mastodon.publish(request(account, "Same words", key="a"))
    reply = mastodon.publish(request(account, "Same words", key="b", reply_to=root.external_id))
    found = mastodon.lookup(request(account, "Same words", reply_to=root.external_id))
    assert found is not None
    assert found.external_id == reply.external_id


def test_look_up_reads_back_only_to_the_first_try(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    mastodon.publish(request(account, "Weekly figures", key="last-week"))
    mastodon_emulator.clock.advance(7 * 24 * 3600)
    for number in range(45):  # more than a page
        mastodon.publish(request(account, f"Filler {number}", key=f"f{number}"))
    tried_at = mastodon.clock.now() - timedelta(minutes=1)
    assert mastodon.lookup(request(account, "Weekly figures", first_tried_at=tried_at)) is None
    found = mastodon.lookup(request(account, "Weekly figures"))
    assert found is not None  # with no first try to stop at, it reads further back


def test_a_look_up_that_fails_raises_so_a_person_decides(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    mastodon_emulator.fail_next(503, endpoint="accounts.statuses")
    with pytest.raises(PlatformError, match="Cannot tell whether Mastodon has the post") as raised:
        mastodon.lookup(request(account, "Unsure"))
    assert not isinstance(raised.value, TransientError)


def test_a_429_says_when_the_window_resets_and_the_next_call_waits_for_it(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    mastodon_emulator.rate_limit_next(retry_after=30, endpoint=CREATE)
    with pytest.raises(TransientError, match="rate limit") as raised:
        mastodon.publish(request(account, "Later"))
    assert raised.value.retry_after == pytest.approx(30, abs=1)
    with pytest.raises(TransientError) as held:
        mastodon.publish(request(account, "Later"))
    assert held.value.retry_after == pytest.approx(30, abs=1)
    assert len(mastodon_emulator.calls_to(CREATE)) == 1  # the second was not sent
    mastodon_emulator.clock.advance(31)
    mastodon.publish(request(account, "Later"))
    assert len(mastodon_emulator.statuses) == 1


def test_a_used_up_window_is_not_called_until_it_resets(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    mastodon.limits(mastodon.base_url(account))
    mastodon_emulator.set_rate_limit(2, 300)
    mastodon.publish(request(account, "One", key="1"))
    mastodon.publish(request(account, "Two", key="2"))
    with pytest.raises(TransientError, match="used up") as held:
        mastodon.publish(request(account, "Three", key="3"))
    assert held.value.retry_after == pytest.approx(300, abs=2)
    assert len(mastodon_emulator.calls_to(CREATE)) == 2
    assert mastodon.rate_limit_for({}) is None


def test_a_server_error_is_transient_and_the_retry_posts_once(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    mastodon_emulator.fail_next(502, endpoint=CREATE)
    with pytest.raises(TransientError, match="502"):
        mastodon.publish(request(account, "Try again"))
    mastodon.publish(request(account, "Try again"))
    assert len(mastodon_emulator.statuses) == 1


def test_a_revoked_or_narrow_token_asks_for_the_channel_to_be_reconnected(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    token = account.credentials["access_token"]
    mastodon_emulator.revoke(token)
    with pytest.raises(CredentialsRefused) as refused:
        mastodon.publish(request(account, "Refused"))
    assert refused.value.message == (
        "Mastodon refused the channel's access token: The access token is invalid; "
        "reconnect the channel"
    )
    read_only = replace(
        account, credentials={"access_token": mastodon_emulator.issue_token(scopes="read")}
    )
    with pytest.raises(CredentialsRefused, match="outside the authorized scopes"):
        mastodon.publish(request(read_only, "Refused"))
    assert mastodon_emulator.statuses == []


def test_text_too_long_for_the_instance_is_refused_before_sending(tmp_path: Path) -> None:
    with MastodonEmulator(max_characters=100) as emulator:
        adapter = MastodonPlatform(adapter_settings(tmp_path), EmulatorTime(emulator.clock))
        account = Account(
            "@stats",
            instance_url=emulator.base_url,
            credentials={"access_token": emulator.issue_token()},
        )
        with pytest.raises(
            PermanentError, match=re.escape("is 101 characters; mastodon.example allows 100")
        ):
            adapter.publish(request(account, "x" * 101))
        assert emulator.calls_to(CREATE) == []
        adapter.publish(request(account, "x" * 100))


def test_when_the_instance_hides_its_limits_mastodon_judges_and_its_words_are_kept(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    restarted = MastodonPlatform(mastodon.settings, mastodon.clock)
    mastodon_emulator.fail_next(503, endpoint="instance")
    with pytest.raises(PermanentError) as refused:
        restarted.publish(request(account, "x" * 501))
    assert refused.value.message == (
        "Mastodon refused the post: Validation failed: Text character limit of 500 exceeded"
    )


def test_a_reply_to_a_deleted_status_is_refused(
    mastodon: MastodonPlatform, account: Account
) -> None:
    with pytest.raises(PermanentError, match="does not appear to exist"):
        mastodon.publish(request(account, "Orphan", reply_to="1"))


def test_images_are_uploaded_with_their_alt_text_and_processing_is_awaited(
    mastodon: MastodonPlatform,
    mastodon_emulator: MastodonEmulator,
    account: Account,
    tmp_path: Path,
) -> None:
    mastodon_emulator.media_processing_polls = 2
    mastodon.publish(request(account, "With a chart", media=(image(tmp_path),)))
    [status] = mastodon_emulator.statuses
    [attached] = status["media_attachments"]
    assert attached["description"] == "Bar chart of waiting times by region"
    assert attached["url"]
    assert [c.status for c in mastodon_emulator.calls_to("media.get")] == [206, 206, 200]


def test_an_image_without_alt_text_is_refused_and_nothing_is_sent(
    mastodon: MastodonPlatform,
    mastodon_emulator: MastodonEmulator,
    account: Account,
    tmp_path: Path,
) -> None:
    with pytest.raises(PermanentError, match="has no alt text: describe the image"):
        mastodon.publish(request(account, "Chart", media=(image(tmp_path, alt_text="  "),)))
    assert mastodon_emulator.calls_to("media.create") == []
    assert mastodon_emulator.calls_to(CREATE) == []


def test_delete_removes_the_status_and_a_missing_one_is_said_so(
    mastodon: MastodonPlatform, mastodon_emulator: MastodonEmulator, account: Account
) -> None:
    published = mastodon.publish(request(account, "Withdrawn"))
    mastodon.delete(account, published.external_id)
    assert mastodon_emulator.live_statuses() == []
    with pytest.raises(PermanentError, match="Mastodon has no such post"):
        mastodon.delete(account, published.external_id)
