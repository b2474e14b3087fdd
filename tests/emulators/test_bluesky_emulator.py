"""The Bluesky emulator over real HTTP: sessions, records under chosen rkeys, blobs, faults."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
import requests

from tests.support.emulators.bluesky import POST, BlueskyEmulator, make_tid

CREATED_AT = "2026-12-02T09:00:00.000Z"


def xrpc(emulator: BlueskyEmulator, method: str) -> str:
    return f"{emulator.base_url}/xrpc/{method}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_record(text: str, **extra: Any) -> dict[str, Any]:
    return {"$type": POST, "text": text, "createdAt": CREATED_AT, **extra}


def create(
    emulator: BlueskyEmulator, token: str, record: dict[str, Any], rkey: str | None = None
) -> requests.Response:
    body: dict[str, Any] = {"repo": emulator.account.did, "collection": POST, "record": record}
    if rkey is not None:
        body["rkey"] = rkey
    return requests.post(
        xrpc(emulator, "com.atproto.repo.createRecord"), json=body, headers=bearer(token), timeout=5
    )


def get(emulator: BlueskyEmulator, rkey: str) -> requests.Response:
    return requests.get(
        xrpc(emulator, "com.atproto.repo.getRecord"),
        params={"repo": emulator.account.did, "collection": POST, "rkey": rkey},
        timeout=5,
    )


@pytest.fixture
def access(bluesky_emulator: BlueskyEmulator) -> str:
    return bluesky_emulator.open_session()[0]


@pytest.fixture
def rkey() -> str:
    return make_tid(1_796_000_000_000_000, 7)


def test_create_session_by_handle_and_refresh_rotates_the_refresh_token(
    bluesky_emulator: BlueskyEmulator,
) -> None:
    session = requests.post(
        xrpc(bluesky_emulator, "com.atproto.server.createSession"),
        json={"identifier": "gatepost.test", "password": "app-pass-word-1234"},
        timeout=5,
    ).json()
    assert session["did"] == bluesky_emulator.account.did
    claims = json.loads(base64.urlsafe_b64decode(session["accessJwt"].split(".")[1] + "=="))
    assert claims["exp"] - claims["iat"] == 7200
    refresh = xrpc(bluesky_emulator, "com.atproto.server.refreshSession")
    with_access = requests.post(refresh, headers=bearer(session["accessJwt"]), timeout=5)
    assert with_access.status_code == 400
    assert with_access.json()["error"] == "InvalidToken"
    renewed = requests.post(refresh, headers=bearer(session["refreshJwt"]), timeout=5).json()
    assert renewed["refreshJwt"] != session["refreshJwt"]
    reused = requests.post(refresh, headers=bearer(session["refreshJwt"]), timeout=5)
    assert reused.status_code == 400
    assert reused.json() == {"error": "ExpiredToken", "message": "Token has been revoked"}


def test_wrong_password_is_refused(bluesky_emulator: BlueskyEmulator) -> None:
    refused = requests.post(
        xrpc(bluesky_emulator, "com.atproto.server.createSession"),
        json={"identifier": "gatepost.test", "password": "wrong"},
        timeout=5,
    )
    assert refused.status_code == 401
    assert refused.json() == {
        "error": "AuthenticationRequired",
        "message": "Invalid identifier or password",
    }


def test_access_token_expires_after_two_hours_and_a_refresh_restores_access(
    bluesky_emulator: BlueskyEmulator, rkey: str
) -> None:
    access, refresh = bluesky_emulator.open_session()
    bluesky_emulator.clock.advance(7200)
    expired = create(bluesky_emulator, access, post_record("late"), rkey)
    assert expired.status_code == 400
    assert expired.json() == {"error": "ExpiredToken", "message": "Token has expired"}
    renewed = requests.post(
        xrpc(bluesky_emulator, "com.atproto.server.refreshSession"),
        headers=bearer(refresh),
        timeout=5,
    ).json()
    assert create(bluesky_emulator, renewed["accessJwt"], post_record("late"), rkey).ok


def test_missing_and_unknown_tokens(bluesky_emulator: BlueskyEmulator, rkey: str) -> None:
    missing = create(bluesky_emulator, "", post_record("x"), rkey)
    assert missing.status_code == 401
    assert missing.json()["error"] == "AuthMissing"
    unknown = create(bluesky_emulator, "not.a.jwt", post_record("x"), rkey)
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "InvalidToken"


def test_get_session_says_who_the_access_token_signs_in_as(
    bluesky_emulator: BlueskyEmulator,
) -> None:
    access, refresh = bluesky_emulator.open_session()
    url = xrpc(bluesky_emulator, "com.atproto.server.getSession")
    session = requests.get(url, headers=bearer(access), timeout=5).json()
    assert (session["did"], session["handle"]) == (bluesky_emulator.account.did, "gatepost.test")
    refused = requests.get(url, headers=bearer(refresh), timeout=5)
    assert refused.status_code == 400
    assert refused.json()["error"] == "InvalidToken"


def test_resolve_handle(bluesky_emulator: BlueskyEmulator) -> None:
    url = xrpc(bluesky_emulator, "com.atproto.identity.resolveHandle")
    found = requests.get(url, params={"handle": "gatepost.test"}, timeout=5)
    assert found.json() == {"did": bluesky_emulator.account.did}
    missing = requests.get(url, params={"handle": "nobody.test"}, timeout=5)
    assert missing.status_code == 400
    assert missing.json()["error"] == "HandleNotFound"


def test_record_under_a_chosen_rkey_is_created_found_and_refused_a_second_time(
    bluesky_emulator: BlueskyEmulator, access: str, rkey: str
) -> None:
    assert get(bluesky_emulator, rkey).json()["error"] == "RecordNotFound"
    created = create(bluesky_emulator, access, post_record("Once", langs=["en"]), rkey)
    assert created.status_code == 200
    assert created.json()["uri"] == f"at://{bluesky_emulator.account.did}/{POST}/{rkey}"
    assert created.json()["cid"].startswith("bafyrei")
    assert created.json()["validationStatus"] == "valid"
    found = get(bluesky_emulator, rkey).json()
    assert found["value"]["text"] == "Once"
    assert found["cid"] == created.json()["cid"]
    again = create(bluesky_emulator, access, post_record("Once", langs=["en"]), rkey)
    assert again.status_code == 500
    assert again.json() == {"error": "InternalServerError", "message": "Internal Server Error"}
    assert [p["value"]["text"] for p in bluesky_emulator.posts] == ["Once"]
    assert bluesky_emulator.duplicate_texts() == {}


def test_missing_record_is_a_400_record_not_found(bluesky_emulator: BlueskyEmulator) -> None:
    missing = get(bluesky_emulator, make_tid(1))
    assert missing.status_code == 400
    assert missing.json()["error"] == "RecordNotFound"
    assert missing.json()["message"].startswith("Could not locate record: at://")


def test_post_rkey_must_be_a_tid(bluesky_emulator: BlueskyEmulator, access: str) -> None:
    refused = create(bluesky_emulator, access, post_record("x"), "gatepost-post-7-v1")
    assert refused.status_code == 400
    assert refused.json()["message"].startswith(f"Invalid record key for {POST}")


def test_text_limits_are_300_graphemes_and_3000_bytes(
    bluesky_emulator: BlueskyEmulator, access: str
) -> None:
    flags = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f" * 150
    assert len(flags.encode()) == 4200
    too_many_bytes = create(bluesky_emulator, access, post_record(flags), make_tid(10))
    assert "string too big (maximum 3000" in too_many_bytes.json()["message"]
    fits = create(bluesky_emulator, access, post_record("é" * 300), make_tid(11))
    assert fits.status_code == 200
    too_long = create(bluesky_emulator, access, post_record("é" * 301), make_tid(12))
    assert too_long.status_code == 400
    assert too_long.json() == {
        "error": "InvalidRequest",
        "message": f"Invalid {POST} record: grapheme too big (maximum 300, got 301) at "
        "$.record.text",
    }


def test_facets_are_checked_against_utf8_byte_offsets(
    bluesky_emulator: BlueskyEmulator, access: str
) -> None:
    text = "Café news: https://gov.example"
    start = text.encode().index(b"https")
    link = {"$type": "app.bsky.richtext.facet#link", "uri": "https://gov.example"}
    good = {"index": {"byteStart": start, "byteEnd": len(text.encode())}, "features": [link]}
    assert create(bluesky_emulator, access, post_record(text, facets=[good]), make_tid(20)).ok
    # Offsets counted in characters end one byte short of the text's UTF-8 length: "é" is two.
    assert len(text) == len(text.encode()) - 1
    beyond = {"index": {"byteStart": 0, "byteEnd": len(text.encode()) + 1}, "features": [link]}
    refused = create(bluesky_emulator, access, post_record(text, facets=[beyond]), make_tid(21))
    assert refused.status_code == 400
    assert "outside the text's 31 UTF-8 bytes" in refused.json()["message"]


def test_reply_needs_strong_refs_to_records_that_exist(
    bluesky_emulator: BlueskyEmulator, access: str
) -> None:
    root = create(bluesky_emulator, access, post_record("Thread 1/2"), make_tid(30)).json()
    ref = {"uri": root["uri"], "cid": root["cid"]}
    reply = create(
        bluesky_emulator,
        access,
        post_record("Thread 2/2", reply={"root": ref, "parent": ref}),
        make_tid(31),
    )
    assert reply.status_code == 200
    stale = {"uri": root["uri"], "cid": "bafyreiwrong"}
    refused = create(
        bluesky_emulator,
        access,
        post_record("x", reply={"root": ref, "parent": stale}),
        make_tid(32),
    )
    assert refused.status_code == 400
    assert "$.record.reply.parent" in refused.json()["message"]


def test_langs_at_most_three(bluesky_emulator: BlueskyEmulator, access: str) -> None:
    refused = create(
        bluesky_emulator, access, post_record("x", langs=["en", "cy", "ga", "gd"]), make_tid(40)
    )
    assert refused.status_code == 400
    assert "$.record.langs" in refused.json()["message"]


def test_uploaded_blob_embeds_as_an_image_with_alt_text(
    bluesky_emulator: BlueskyEmulator, access: str
) -> None:
    uploaded = requests.post(
        xrpc(bluesky_emulator, "com.atproto.repo.uploadBlob"),
        data=b"\x89PNG fake",
        headers={**bearer(access), "Content-Type": "image/png"},
        timeout=5,
    ).json()["blob"]
    assert uploaded["mimeType"] == "image/png"
    assert uploaded["ref"]["$link"].startswith("bafkrei")
    embed = {"$type": "app.bsky.embed.images", "images": [{"image": uploaded, "alt": "A chart"}]}
    assert create(bluesky_emulator, access, post_record("", embed=embed), make_tid(50)).ok
    no_alt = {"$type": "app.bsky.embed.images", "images": [{"image": uploaded}]}
    refused = create(bluesky_emulator, access, post_record("", embed=no_alt), make_tid(51))
    assert 'property "alt"' in refused.json()["message"]


def test_delete_removes_the_record_and_deleting_again_succeeds(
    bluesky_emulator: BlueskyEmulator, access: str, rkey: str
) -> None:
    create(bluesky_emulator, access, post_record("Withdrawn"), rkey)
    body = {"repo": bluesky_emulator.account.handle, "collection": POST, "rkey": rkey}
    url = xrpc(bluesky_emulator, "com.atproto.repo.deleteRecord")
    assert "commit" in requests.post(url, json=body, headers=bearer(access), timeout=5).json()
    assert get(bluesky_emulator, rkey).json()["error"] == "RecordNotFound"
    assert requests.post(url, json=body, headers=bearer(access), timeout=5).status_code == 200


def test_writing_to_another_repo_is_refused(bluesky_emulator: BlueskyEmulator, access: str) -> None:
    other = bluesky_emulator.add_account("press.test", "pw")
    refused = requests.post(
        xrpc(bluesky_emulator, "com.atproto.repo.createRecord"),
        json={"repo": other.did, "collection": POST, "record": post_record("x")},
        headers=bearer(access),
        timeout=5,
    )
    assert refused.status_code == 401


def test_rate_limit_headers_and_429_with_retry_after(
    bluesky_emulator: BlueskyEmulator, access: str
) -> None:
    bluesky_emulator.set_rate_limit(1, 3600, bucket="repo-write")
    first = create(bluesky_emulator, access, post_record("a"), make_tid(60))
    assert first.headers["RateLimit-Policy"] == "1;w=3600"
    assert first.headers["RateLimit-Remaining"] == "0"
    assert int(first.headers["RateLimit-Reset"]) == int(bluesky_emulator.clock.now() + 3600)
    limited = create(bluesky_emulator, access, post_record("b"), make_tid(61))
    assert limited.status_code == 429
    assert limited.json() == {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    assert limited.headers["Retry-After"] == "3600"


def test_faults_5xx_429_and_expired_token_write_nothing(
    bluesky_emulator: BlueskyEmulator, access: str, rkey: str
) -> None:
    endpoint = "com.atproto.repo.createRecord"
    bluesky_emulator.fail_next(502, endpoint=endpoint)
    bluesky_emulator.rate_limit_next(retry_after=5, endpoint=endpoint)
    bluesky_emulator.expire_token_next(endpoint=endpoint)
    answers = [create(bluesky_emulator, access, post_record("x"), rkey) for _ in range(4)]
    assert [a.status_code for a in answers] == [502, 429, 400, 200]
    assert answers[0].json()["error"] == "UpstreamFailure"
    assert answers[1].headers["Retry-After"] == "5"
    assert answers[2].json()["error"] == "ExpiredToken"
    assert len(bluesky_emulator.posts) == 1


def test_lost_answer_leaves_the_record_for_get_record_to_find(
    bluesky_emulator: BlueskyEmulator, access: str, rkey: str
) -> None:
    bluesky_emulator.lose_next_answer(endpoint="com.atproto.repo.createRecord")
    with pytest.raises(requests.ConnectionError):
        create(bluesky_emulator, access, post_record("Did it post?"), rkey)
    assert get(bluesky_emulator, rkey).json()["value"]["text"] == "Did it post?"


def test_delay_times_out_the_client_but_the_record_is_written(
    bluesky_emulator: BlueskyEmulator, access: str, rkey: str
) -> None:
    bluesky_emulator.delay_next(0.4)
    with pytest.raises(requests.Timeout):
        requests.post(
            xrpc(bluesky_emulator, "com.atproto.repo.createRecord"),
            json={
                "repo": bluesky_emulator.account.did,
                "collection": POST,
                "rkey": rkey,
                "record": post_record("slow"),
            },
            headers=bearer(access),
            timeout=0.1,
        )
    deadline = time.monotonic() + 2
    while get(bluesky_emulator, rkey).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert get(bluesky_emulator, rkey).status_code == 200
