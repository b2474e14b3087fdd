"""The Mastodon emulator over real HTTP: OAuth, statuses, idempotency, media, limits and faults."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.emulators.base import pkce_challenge
from tests.support.emulators.mastodon import MastodonEmulator, countable_length

REDIRECT = "https://gatepost.example/callback"


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def post_status(
    emulator: MastodonEmulator, token: str, *, key: str | None = None, **data: Any
) -> requests.Response:
    headers = bearer(token, **({"Idempotency-Key": key} if key else {}))
    return requests.post(
        f"{emulator.base_url}/api/v1/statuses", data=data, headers=headers, timeout=5
    )


@pytest.fixture
def token(mastodon_emulator: MastodonEmulator) -> str:
    return mastodon_emulator.issue_token()


def test_app_registration_authorization_code_with_pkce_and_client_credentials(
    mastodon_emulator: MastodonEmulator,
) -> None:
    base = mastodon_emulator.base_url
    app = requests.post(
        f"{base}/api/v1/apps",
        json={"client_name": "Gatepost", "redirect_uris": [REDIRECT], "scopes": "read write"},
        timeout=5,
    ).json()
    assert app["redirect_uris"] == [REDIRECT]
    assert app["client_secret"]
    verifier = "v" * 50
    authorize = requests.get(
        f"{base}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "read write",
            "state": "s1",
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert authorize.status_code == 302
    query = parse_qs(urlsplit(authorize.headers["Location"]).query)
    assert query["state"] == ["s1"]
    exchange = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": REDIRECT,
    }
    wrong = requests.post(
        f"{base}/oauth/token", data={**exchange, "code_verifier": "x" * 50}, timeout=5
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    issued = requests.post(
        f"{base}/oauth/token", data={**exchange, "code_verifier": verifier}, timeout=5
    )
    assert issued.status_code == 200
    assert issued.json()["token_type"] == "Bearer"
    me = requests.get(
        f"{base}/api/v1/accounts/verify_credentials",
        headers=bearer(issued.json()["access_token"]),
        timeout=5,
    )
    assert me.json()["username"] == "gatepost"
    reused = requests.post(
        f"{base}/oauth/token", data={**exchange, "code_verifier": verifier}, timeout=5
    )
    assert reused.status_code == 400
    app_token = requests.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
        timeout=5,
    ).json()["access_token"]
    as_app = requests.get(
        f"{base}/api/v1/accounts/verify_credentials", headers=bearer(app_token), timeout=5
    )
    assert as_app.status_code == 422


def test_app_with_a_relative_redirect_uri_is_refused(mastodon_emulator: MastodonEmulator) -> None:
    refused = requests.post(
        f"{mastodon_emulator.base_url}/api/v1/apps",
        data={"client_name": "Gatepost", "redirect_uris": "/callback"},
        timeout=5,
    )
    assert refused.status_code == 422
    assert refused.json() == {"error": "Validation failed: Redirect URI must be an absolute URI."}


def test_instance_reports_the_limits_an_adapter_counts_against() -> None:
    with MastodonEmulator(max_characters=1000, characters_reserved_per_url=20) as emulator:
        config = requests.get(f"{emulator.base_url}/api/v2/instance", timeout=5).json()
    statuses = config["configuration"]["statuses"]
    assert statuses == {
        "max_characters": 1000,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 20,
    }
    assert "image/png" in config["configuration"]["media_attachments"]["supported_mime_types"]


def test_missing_or_unknown_token_gets_mastodons_401(mastodon_emulator: MastodonEmulator) -> None:
    for headers in ({}, bearer("not-a-token")):
        answer = requests.post(
            f"{mastodon_emulator.base_url}/api/v1/statuses",
            data={"status": "hi"},
            headers=headers,
            timeout=5,
        )
        assert answer.status_code == 401
        assert answer.json() == {"error": "The access token is invalid"}


def test_read_only_token_may_not_post(mastodon_emulator: MastodonEmulator) -> None:
    answer = post_status(
        mastodon_emulator, mastodon_emulator.issue_token(scopes="read"), status="x"
    )
    assert answer.status_code == 403


def test_status_is_published_with_reply_language_and_visibility(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    first = post_status(mastodon_emulator, token, status="Release day", language="en").json()
    reply = post_status(
        mastodon_emulator,
        token,
        status="Diwrnod rhyddhau",
        in_reply_to_id=first["id"],
        language="cy",
        visibility="unlisted",
    ).json()
    assert reply["in_reply_to_id"] == first["id"]
    assert (reply["language"], reply["visibility"]) == ("cy", "unlisted")
    assert reply["content"] == "<p>Diwrnod rhyddhau</p>"
    fetched = requests.get(
        f"{mastodon_emulator.base_url}/api/v1/statuses/{reply['id']}",
        headers=bearer(token),
        timeout=5,
    )
    assert fetched.json()["id"] == reply["id"]
    assert [s["id"] for s in mastodon_emulator.statuses] == [first["id"], reply["id"]]


def test_reply_to_a_missing_status_is_refused(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    answer = post_status(mastodon_emulator, token, status="orphan", in_reply_to_id="1")
    assert answer.status_code == 404
    assert "does not appear to exist" in answer.json()["error"]


def test_text_over_max_characters_is_refused_with_urls_counted_as_reserved(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    url = "https://example.gov.uk/" + "a" * 200
    fits = "x" * (500 - 24) + " " + url  # 476 + 1 + 23 = 500
    assert countable_length(fits) == 500
    assert post_status(mastodon_emulator, token, status=fits).status_code == 200
    too_long = post_status(mastodon_emulator, token, status=fits + "!")
    assert too_long.status_code == 422
    assert too_long.json() == {"error": "Validation failed: Text character limit of 500 exceeded"}
    blank = post_status(mastodon_emulator, token, status="  ")
    assert blank.json() == {"error": "Validation failed: Text can't be blank"}


def test_length_counts_graphemes_and_remote_mentions_by_username() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert countable_length(family + "e\u0301") == 2
    assert countable_length("@press@social.example.gov.uk hi") == len("@press hi")


def test_same_idempotency_key_within_an_hour_returns_the_same_status(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    first = post_status(mastodon_emulator, token, key="post-7-v1", status="Once").json()
    again = post_status(mastodon_emulator, token, key="post-7-v1", status="Once").json()
    assert again["id"] == first["id"]
    assert len(mastodon_emulator.statuses) == 1
    assert mastodon_emulator.idempotent_replays == 1
    mastodon_emulator.clock.advance(3601)
    late = post_status(mastodon_emulator, token, key="post-7-v1", status="Once").json()
    assert late["id"] != first["id"]
    assert mastodon_emulator.duplicate_texts() == {"Once": 2}


def test_idempotency_keys_are_per_account(mastodon_emulator: MastodonEmulator, token: str) -> None:
    other = mastodon_emulator.issue_token(mastodon_emulator.add_account("press"))
    first = post_status(mastodon_emulator, token, key="k", status="a").json()
    second = post_status(mastodon_emulator, other, key="k", status="a").json()
    assert first["id"] != second["id"]


def test_account_statuses_page_newest_first_with_a_link_header(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    ids = [post_status(mastodon_emulator, token, status=f"n{i}").json()["id"] for i in range(5)]
    url = f"{mastodon_emulator.base_url}/api/v1/accounts/{mastodon_emulator.account.id}/statuses"
    page = requests.get(url, params={"limit": 2}, headers=bearer(token), timeout=5)
    assert [s["id"] for s in page.json()] == [ids[4], ids[3]]
    next_url = page.links["next"]["url"]
    older = requests.get(next_url, params={"limit": 2}, headers=bearer(token), timeout=5).json()
    assert [s["id"] for s in older] == [ids[2], ids[1]]
    newer = requests.get(url, params={"min_id": ids[1], "limit": 2}, timeout=5).json()
    assert [s["id"] for s in newer] == [ids[3], ids[2]]
    missing = requests.get(f"{mastodon_emulator.base_url}/api/v1/accounts/9/statuses", timeout=5)
    assert missing.status_code == 404
    assert missing.json() == {"error": "Record not found"}


def test_delete_returns_the_source_text_and_then_the_status_is_gone(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    status = post_status(mastodon_emulator, token, status="Withdrawn").json()
    url = f"{mastodon_emulator.base_url}/api/v1/statuses/{status['id']}"
    deleted = requests.delete(url, headers=bearer(token), timeout=5)
    assert deleted.json()["text"] == "Withdrawn"
    gone = requests.get(url, headers=bearer(token), timeout=5)
    assert gone.status_code == 404
    assert gone.json() == {"error": "Record not found"}
    assert requests.delete(url, headers=bearer(token), timeout=5).status_code == 404


def test_media_with_description_is_attached_and_processing_is_polled(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    base = mastodon_emulator.base_url
    files = {"file": ("chart.png", b"\x89PNG fake", "image/png")}
    ready = requests.post(
        f"{base}/api/v2/media",
        files=files,
        data={"description": "Bar chart of waiting times"},
        headers=bearer(token),
        timeout=5,
    )
    assert ready.status_code == 200
    assert ready.json()["url"]
    mastodon_emulator.media_processing_polls = 1
    pending = requests.post(
        f"{base}/api/v2/media",
        files=files,
        data={"description": "b"},
        headers=bearer(token),
        timeout=5,
    )
    assert pending.status_code == 202
    assert pending.json()["url"] is None
    poll = f"{base}/api/v1/media/{pending.json()['id']}"
    assert requests.get(poll, headers=bearer(token), timeout=5).status_code == 206
    assert requests.get(poll, headers=bearer(token), timeout=5).json()["url"]
    media: dict[str, Any] = {"media_ids[]": [ready.json()["id"], pending.json()["id"]]}
    status = post_status(mastodon_emulator, token, status="With a chart", **media).json()
    assert [m["description"] for m in status["media_attachments"]] == [
        "Bar chart of waiting times",
        "b",
    ]


def test_unsupported_or_missing_file_is_refused(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    refused = requests.post(
        f"{mastodon_emulator.base_url}/api/v2/media",
        files={"file": ("a.txt", b"text", "text/plain")},
        headers=bearer(token),
        timeout=5,
    )
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("Validation failed: File content type is invalid")


def test_rate_limit_headers_count_down_and_a_429_follows(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    mastodon_emulator.set_rate_limit(2, 300)
    url = f"{mastodon_emulator.base_url}/api/v1/accounts/verify_credentials"
    first = requests.get(url, headers=bearer(token), timeout=5)
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert first.headers["X-RateLimit-Reset"].endswith("Z")
    requests.get(url, headers=bearer(token), timeout=5)
    limited = requests.get(url, headers=bearer(token), timeout=5)
    assert limited.status_code == 429
    assert limited.json() == {"error": "Too many requests"}
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    mastodon_emulator.clock.advance(300)
    assert requests.get(url, headers=bearer(token), timeout=5).status_code == 200


def test_injected_429_carries_retry_after_and_posts_nothing(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    mastodon_emulator.rate_limit_next(retry_after=30, endpoint="statuses.create")
    limited = post_status(mastodon_emulator, token, status="later")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "30"
    assert mastodon_emulator.statuses == []
    assert post_status(mastodon_emulator, token, status="later").status_code == 200


def test_injected_5xx_for_the_next_n_calls_only(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    mastodon_emulator.fail_next(502, times=2)
    answers = [post_status(mastodon_emulator, token, status=f"s{i}") for i in range(3)]
    assert [a.status_code for a in answers] == [502, 502, 200]
    assert answers[0].json() == {"error": "injected fault"}
    assert len(mastodon_emulator.statuses) == 1


def test_lost_answer_posts_then_closes_the_connection(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    mastodon_emulator.lose_next_answer(endpoint="statuses.create")
    with pytest.raises(requests.ConnectionError):
        post_status(mastodon_emulator, token, key="k-lost", status="Did it post?")
    assert [s["content"] for s in mastodon_emulator.statuses] == ["<p>Did it post?</p>"]
    assert mastodon_emulator.calls_to("statuses.create")[-1].status is None
    # Retrying with the same key inside the hour finds the status instead of posting twice.
    retried = post_status(mastodon_emulator, token, key="k-lost", status="Did it post?")
    assert retried.json()["id"] == mastodon_emulator.statuses[0]["id"]


def test_delay_makes_a_client_time_out_though_the_status_is_made(
    mastodon_emulator: MastodonEmulator, token: str
) -> None:
    mastodon_emulator.delay_next(0.5, endpoint="statuses.create")
    with pytest.raises(requests.Timeout):
        requests.post(
            f"{mastodon_emulator.base_url}/api/v1/statuses",
            data={"status": "slow"},
            headers=bearer(token),
            timeout=0.2,
        )
    deadline = time.monotonic() + 2
    while not mastodon_emulator.statuses and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(mastodon_emulator.statuses) == 1


def test_expired_token_fault_answers_401(mastodon_emulator: MastodonEmulator, token: str) -> None:
    mastodon_emulator.expire_token_next()
    answer = post_status(mastodon_emulator, token, status="x")
    assert answer.status_code == 401
    assert answer.json() == {"error": "The access token is invalid"}
    mastodon_emulator.revoke(token)
    assert post_status(mastodon_emulator, token, status="x").status_code == 401


def test_hundred_parallel_posts_at_200_ms_overlap() -> None:
    with MastodonEmulator(latency=0.2) as emulator:
        tokens = [emulator.issue_token(emulator.add_account(f"c{i}")) for i in range(100)]
        started = time.monotonic()
        with ThreadPoolExecutor(100) as pool:
            answers = list(
                pool.map(lambda t: post_status(emulator, t, status="burst").status_code, tokens)
            )
        elapsed = time.monotonic() - started
    assert answers == [200] * 100
    assert elapsed < 1.5, f"100 calls at 200 ms took {elapsed:.2f} s"
    assert len(emulator.statuses) == 100
