"""Publishing to Bluesky exactly once: chosen record keys, lost answers, threads, text, images."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from scheduler.platforms import (
    Account,
    MediaItem,
    OutcomeUnknown,
    PermanentError,
    PublishRequest,
    TransientError,
)
from scheduler.platforms.bluesky import BlueskyPlatform
from scheduler.platforms.bluesky.post_ids import parse_post_id
from scheduler.platforms.bluesky.record_keys import record_key
from tests.support.emulators.bluesky import POST, TID_PATTERN, BlueskyEmulator

CREATE = "com.atproto.repo.createRecord"
GET = "com.atproto.repo.getRecord"


def request(
    account: Account, text: str, key: str = "gatepost-7-v1", **extra: Any
) -> PublishRequest:
    return PublishRequest(account=account, text=text, idempotency_key=key, **extra)


def only_record(emulator: BlueskyEmulator) -> dict[str, Any]:
    [record] = emulator.posts
    return record


def test_a_post_is_created_under_the_key_derived_from_its_idempotency_key(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    published = bluesky.publish(request(replace(account, language="cy"), "Diweithdra 4.2%"))
    body = bluesky_emulator.calls_to(CREATE)[0].json()
    assert body["rkey"] == record_key("gatepost-7-v1")
    assert TID_PATTERN.match(body["rkey"])
    record = only_record(bluesky_emulator)
    assert record["uri"] == f"at://{bluesky_emulator.account.did}/{POST}/{body['rkey']}"
    assert record["value"]["langs"] == ["cy"]
    assert record["value"]["createdAt"].endswith("Z")
    assert "reply" not in record["value"]
    assert published.external_id == published.external_id.strip()
    location = parse_post_id(published.external_id)
    assert (location.uri, location.cid) == (record["uri"], record["cid"])
    assert len(published.external_id) <= 200


def test_publishing_a_key_again_finds_the_first_post_and_makes_no_second(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    first = bluesky.publish(request(account, "Once only"))
    again = bluesky.publish(request(account, "Once only"))
    assert again.external_id == first.external_id
    assert bluesky_emulator.calls_to(CREATE)[1].status == 500  # the key already holds it
    assert len(bluesky_emulator.calls_to(GET)) == 1
    assert len(bluesky_emulator.created) == 1
    assert bluesky_emulator.duplicate_texts() == {}


def test_a_lost_answer_is_settled_by_get_record_without_a_second_post(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    bluesky_emulator.lose_next_answer(endpoint=CREATE)
    published = bluesky.publish(request(account, "Did it post?"))
    record = only_record(bluesky_emulator)
    assert parse_post_id(published.external_id).uri == record["uri"]
    assert [c.endpoint for c in bluesky_emulator.calls[1:]] == [CREATE, GET]
    found = bluesky.lookup(request(account, "Did it post?"))
    assert found is not None
    assert found.external_id == published.external_id


def test_a_server_error_without_the_post_is_tried_again_later(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    bluesky_emulator.fail_next(502, endpoint=CREATE)
    with pytest.raises(TransientError) as failed:
        bluesky.publish(request(account, "Not yet"))
    assert failed.value.message == (
        "Bluesky did not take the post (502 UpstreamFailure: Upstream Failure); it goes again"
    )
    assert bluesky_emulator.posts == []
    bluesky.publish(request(account, "Not yet"))
    assert len(bluesky_emulator.created) == 1


def test_a_lost_answer_that_get_record_cannot_settle_is_unknown(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    bluesky_emulator.lose_next_answer(endpoint=CREATE)
    bluesky_emulator.fail_next(503, endpoint=GET)
    with pytest.raises(OutcomeUnknown) as unknown:
        bluesky.publish(request(account, "Maybe"))
    assert unknown.value.message.startswith("Bluesky did not confirm the post (")
    assert "asking for it failed too" in unknown.value.message
    # Later, the look-up the worker makes finds it.
    found = bluesky.lookup(request(account, "Maybe"))
    assert found is not None
    assert parse_post_id(found.external_id).uri == only_record(bluesky_emulator)["uri"]


def test_a_server_that_cannot_be_reached_is_transient(
    bluesky: BlueskyPlatform, account: Account
) -> None:
    down = replace(account, instance_url="http://127.0.0.1:9")
    with pytest.raises(TransientError) as failed:
        bluesky.publish(request(down, "Hello"))
    assert failed.value.message.startswith("Bluesky could not be reached: http://127.0.0.1:9 ")


def test_lookup_says_none_when_the_key_was_never_published(
    bluesky: BlueskyPlatform, account: Account
) -> None:
    assert bluesky.lookup(request(account, "Never sent")) is None


def test_a_different_post_under_the_key_is_not_taken_for_this_one(
    bluesky: BlueskyPlatform, account: Account
) -> None:
    bluesky.publish(request(account, "A restored database's post 7"))
    with pytest.raises(PermanentError) as refused:
        bluesky.lookup(request(account, "This instance's post 7"))
    assert "holds a different text on Bluesky" in refused.value.message


def test_a_rate_limited_post_waits_as_long_as_bluesky_says(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    bluesky_emulator.rate_limit_next(retry_after=42, endpoint=CREATE)
    with pytest.raises(TransientError) as limited:
        bluesky.publish(request(account, "Busy"))
    assert limited.value.retry_after == 42
    assert limited.value.message == (
        "Bluesky rate limit on the post (Rate Limit Exceeded); retry in 42 s"
    )
    assert bluesky_emulator.posts == []


def test_rate_limit_reset_alone_gives_the_wait(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator
) -> None:
    reset = bluesky_emulator.clock.now() + 90
    assert bluesky._retry_after({"ratelimit-reset": str(int(reset))}) == pytest.approx(90, abs=1)


def test_a_record_the_pds_refuses_is_permanent_with_its_message(
    bluesky: BlueskyPlatform, account: Account
) -> None:
    with pytest.raises(PermanentError) as refused:
        bluesky.publish(request(replace(account, language="english-ish!"), "Hello"))
    assert refused.value.message == (
        "Bluesky refused the post: Invalid app.bsky.feed.post record: Invalid language format "
        "at $.record.langs"
    )


def test_text_over_300_graphemes_is_refused_saying_how_much_to_cut(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    check = bluesky.validate("ŵ" * 312)
    assert check.length == 312
    assert check.problems == ("The text is 312 graphemes; Bluesky allows 300: cut 12",)
    # Combining accents and flags are one grapheme each, however many code points they take.
    assert bluesky.validate("w\u0302" * 300).valid
    flag = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"
    assert bluesky.validate(flag * 108).problems == (
        "The text is 3,024 bytes in UTF-8; Bluesky allows 3,000: shorten it (emoji and "
        "accented letters take 2 to 4 bytes each)",
    )
    with pytest.raises(PermanentError) as refused:
        bluesky.publish(request(account, "ŵ" * 301))
    assert refused.value.message == (
        "Bluesky would refuse the post: The text is 301 graphemes; Bluesky allows 300: cut 1"
    )
    assert bluesky_emulator.calls_to(CREATE) == []


def test_links_mentions_and_tags_are_facets_at_utf8_byte_offsets(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    text = (
        "Ŵyl ystadegau 🎉🏴󠁧󠁢󠁷󠁬󠁳󠁿 gan @gatepost.test a @nobody.test: #ystadegauŵ "
        "https://llyw.cymru/ystadegau."
    )
    bluesky.publish(request(account, text))
    record = only_record(bluesky_emulator)["value"]
    raw = text.encode()
    found = [
        (raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0])
        for f in record["facets"]
    ]
    assert found == [
        ("@gatepost.test", {"$type": "app.bsky.richtext.facet#mention",
                            "did": bluesky_emulator.account.did}),
        ("#ystadegauŵ", {"$type": "app.bsky.richtext.facet#tag", "tag": "ystadegauŵ"}),
        ("https://llyw.cymru/ystadegau", {"$type": "app.bsky.richtext.facet#link",
                                          "uri": "https://llyw.cymru/ystadegau"}),
    ]  # fmt: skip
    # Counting code points instead of bytes would put the mention 25 bytes early: Ŵ is 2
    # bytes, the party popper 4 and the Welsh flag 28 (7 code points).
    assert record["facets"][0]["index"]["byteStart"] - text.index("@gatepost") == 1 + 3 + 21


def test_a_thread_replies_to_its_parent_and_names_its_root(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    first = bluesky.publish(request(account, "1/3", "gatepost-1-v1"))
    second = bluesky.publish(request(account, "2/3", "gatepost-2-v1", reply_to=first.external_id))
    third = bluesky.publish(request(account, "3/3", "gatepost-3-v1", reply_to=second.external_id))
    one, two, three = bluesky_emulator.posts
    root = {"uri": one["uri"], "cid": one["cid"]}
    assert two["value"]["reply"] == {"root": root, "parent": root}
    assert three["value"]["reply"] == {
        "root": root,
        "parent": {"uri": two["uri"], "cid": two["cid"]},
    }
    assert all(len(p.external_id) <= 200 for p in (first, second, third))
    # Only the reply calls were needed: no look-ups of the parents.
    assert bluesky_emulator.calls_to(GET) == []


def test_a_reply_to_a_bare_at_uri_asks_for_the_parents_refs(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    first = bluesky.publish(request(account, "1/3", "gatepost-1-v1"))
    second = bluesky.publish(request(account, "2/3", "gatepost-2-v1", reply_to=first.external_id))
    typed_by_hand = parse_post_id(second.external_id).uri
    bluesky.publish(request(account, "3/3", "gatepost-3-v1", reply_to=typed_by_hand))
    one, two, three = bluesky_emulator.posts
    assert three["value"]["reply"]["root"] == {"uri": one["uri"], "cid": one["cid"]}
    assert three["value"]["reply"]["parent"] == {"uri": two["uri"], "cid": two["cid"]}


def png(path: Path, size: tuple[int, int] = (40, 30)) -> Path:
    Image.new("RGB", size, "navy").save(path)
    return path


def test_images_are_uploaded_and_embedded_with_their_alt_text(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account, tmp_path: Path
) -> None:
    chart = MediaItem(png(tmp_path / "chart.png"), "image/png", "Line chart: unemployment 4.2%")
    bluesky.publish(request(account, "", media=(chart,)))
    embed = only_record(bluesky_emulator)["value"]["embed"]
    [image] = embed["images"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert image["alt"] == "Line chart: unemployment 4.2%"
    assert image["aspectRatio"] == {"width": 40, "height": 30}
    blob = bluesky_emulator.blobs[image["image"]["ref"]["$link"]]
    assert (blob.mime_type, blob.content) == ("image/png", chart.path.read_bytes())


def test_an_image_without_alt_text_is_refused_before_anything_is_sent(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account, tmp_path: Path
) -> None:
    chart = MediaItem(png(tmp_path / "chart.png"), "image/png", "  ")
    with pytest.raises(PermanentError) as refused:
        bluesky.publish(request(account, "Chart", media=(chart,)))
    assert refused.value.message.startswith(
        "Image 1 (chart.png) has no alt text: describe the image for people who cannot see it"
    )
    assert bluesky_emulator.calls_to("com.atproto.repo.uploadBlob") == []


def test_too_many_or_too_large_images_are_refused(
    bluesky: BlueskyPlatform, account: Account, tmp_path: Path
) -> None:
    small = MediaItem(png(tmp_path / "small.png"), "image/png", "A chart")
    with pytest.raises(PermanentError) as many:
        bluesky.publish(request(account, "Charts", media=(small,) * 5))
    assert many.value.message == "The post has 5 images; Bluesky allows 4: remove 1"
    big_path = tmp_path / "big.png"
    big_path.write_bytes(b"\x89PNG" + b"\0" * 1_400_000)
    big = MediaItem(big_path, "image/png", "A chart")
    with pytest.raises(PermanentError) as large:
        bluesky.publish(request(account, "Chart", media=(big,)))
    assert large.value.message == (
        "Image 1 (big.png) is 1.4 MB; Bluesky takes images up to 1 MB: make it smaller or save "
        "it as JPEG"
    )


def test_delete_removes_the_post_and_deleting_again_succeeds(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    published = bluesky.publish(request(account, "Withdrawn"))
    bluesky.delete(account, published.external_id)
    assert bluesky_emulator.posts == []
    bluesky.delete(account, published.external_id)
    assert bluesky.lookup(request(account, "Withdrawn")) is None


def test_deleting_another_accounts_post_is_refused(
    bluesky: BlueskyPlatform, bluesky_emulator: BlueskyEmulator, account: Account
) -> None:
    other = bluesky_emulator.add_account("press.test", "pw")
    with pytest.raises(PermanentError) as refused:
        bluesky.delete(account, f"at://{other.did}/{POST}/3kabcdefghijk")
    assert "belongs to another Bluesky account than @gatepost.test" in refused.value.message
