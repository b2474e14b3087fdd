"""The X emulator over real HTTP: OAuth 2.0 with PKCE, posts, duplicates, media, limits, faults."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.emulators.base import pkce_challenge
from tests.support.emulators.x import DUPLICATE, XEmulator

REDIRECT = "http://127.0.0.1/callback"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tweet(emulator: XEmulator, token: str, text: str, **extra: Any) -> requests.Response:
    return requests.post(
        f"{emulator.base_url}/2/tweets",
        json={"text": text, **extra},
        headers=bearer(token),
        timeout=5,
    )


@pytest.fixture
def token(x_emulator: XEmulator) -> str:
    return x_emulator.issue_token()[0]


def authorize(emulator: XEmulator, client_id: str, verifier: str, scope: str) -> str:
    answer = requests.get(
        f"{emulator.base_url}/i/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": "st-1",
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def test_authorization_code_with_pkce_then_rotating_refresh_tokens(x_emulator: XEmulator) -> None:
    client = x_emulator.client
    assert client.client_secret is not None
    basic = (client.client_id, client.client_secret)
    verifier = "a" * 64
    code = authorize(x_emulator, client.client_id, verifier, "tweet.read users.read offline.access")
    url = f"{x_emulator.base_url}/2/oauth2/token"
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    no_auth = requests.post(
        url, data={**exchange, "code_verifier": verifier, "client_id": client.client_id}, timeout=5
    )
    assert no_auth.status_code == 401
    wrong = requests.post(url, data={**exchange, "code_verifier": "b" * 64}, auth=basic, timeout=5)
    assert wrong.status_code == 400
    issued = requests.post(url, data={**exchange, "code_verifier": verifier}, auth=basic, timeout=5)
    tokens = issued.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 7200
    assert tokens["scope"] == "tweet.read users.read offline.access"
    me = requests.get(
        f"{x_emulator.base_url}/2/users/me", headers=bearer(tokens["access_token"]), timeout=5
    )
    assert me.json() == {
        "data": {"id": x_emulator.user.id, "name": "Gatepost", "username": "gatepost"}
    }
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    renewed = requests.post(url, data=refresh, auth=basic, timeout=5).json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    reused = requests.post(url, data=refresh, auth=basic, timeout=5)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_request"


def test_public_client_sends_client_id_and_gets_no_refresh_token_without_offline_access(
    x_emulator: XEmulator,
) -> None:
    public = x_emulator.register_client([REDIRECT], confidential=False)
    verifier = "p" * 50
    code = authorize(x_emulator, public.client_id, verifier, "tweet.read users.read")
    tokens = requests.post(
        f"{x_emulator.base_url}/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": public.client_id,
        },
        timeout=5,
    ).json()
    assert "access_token" in tokens
    assert "refresh_token" not in tokens


def test_authorize_without_pkce_or_state_is_refused(x_emulator: XEmulator) -> None:
    answer = requests.get(
        f"{x_emulator.base_url}/i/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": x_emulator.client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "tweet.read",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 400


def test_a_person_who_refuses_is_sent_back_with_access_denied(x_emulator: XEmulator) -> None:
    x_emulator.approves = False
    answer = requests.get(
        f"{x_emulator.base_url}/i/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": x_emulator.client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "tweet.read",
            "state": "st-2",
            "code_challenge": pkce_challenge("v" * 43),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query == {"state": ["st-2"], "error": ["access_denied"]}


def test_access_token_expires_after_two_hours(x_emulator: XEmulator, token: str) -> None:
    x_emulator.clock.advance(7200)
    expired = tweet(x_emulator, token, "late")
    assert expired.status_code == 401
    assert expired.json() == {
        "title": "Unauthorized",
        "detail": "Unauthorized",
        "type": "about:blank",
        "status": 401,
    }


def test_post_reply_and_delete(x_emulator: XEmulator, token: str) -> None:
    first = tweet(x_emulator, token, "Thread 1/2")
    assert first.status_code == 201
    data = first.json()["data"]
    assert data["edit_history_tweet_ids"] == [data["id"]]
    reply = tweet(
        x_emulator, token, "Thread 2/2", reply={"in_reply_to_tweet_id": data["id"]}
    ).json()["data"]
    url = f"{x_emulator.base_url}/2/tweets/{reply['id']}"
    assert requests.delete(url, headers=bearer(token), timeout=5).json() == {
        "data": {"deleted": True}
    }
    assert [t["deleted"] for t in x_emulator.tweets] == [False, True]
    orphan = tweet(x_emulator, token, "x", reply={"in_reply_to_tweet_id": reply["id"]})
    assert orphan.status_code == 403


def test_duplicate_text_is_refused_with_xs_problem(x_emulator: XEmulator, token: str) -> None:
    assert tweet(x_emulator, token, "Same words").status_code == 201
    again = tweet(x_emulator, token, "Same words")
    assert again.status_code == 403
    assert again.json() == {
        "title": "Forbidden",
        "detail": DUPLICATE,
        "type": "about:blank",
        "status": 403,
    }
    assert x_emulator.duplicate_refusals == 1
    assert x_emulator.duplicate_texts() == {}
    other = x_emulator.issue_token(x_emulator.add_user("press"))[0]
    assert tweet(x_emulator, other, "Same words").status_code == 201
    x_emulator.clock.advance(24 * 3600)
    fresh = x_emulator.issue_token()[0]
    assert tweet(x_emulator, fresh, "Same words").status_code == 201


def test_text_is_measured_by_twitter_text(x_emulator: XEmulator, token: str) -> None:
    url = "https://example.gov.uk/" + "a" * 100
    assert tweet(x_emulator, token, "x" * 256 + " " + url).status_code == 201  # 256+1+23
    too_long = tweet(x_emulator, token, "y" * 257 + " " + url)
    assert too_long.status_code == 400
    assert too_long.json()["detail"].startswith("Your Tweet text is too long.")


def test_recent_posts_newest_first_with_pagination(x_emulator: XEmulator, token: str) -> None:
    ids = [tweet(x_emulator, token, f"post {i}").json()["data"]["id"] for i in range(7)]
    url = f"{x_emulator.base_url}/2/users/{x_emulator.user.id}/tweets"
    page = requests.get(
        url,
        params={"max_results": "5", "tweet.fields": "created_at"},
        headers=bearer(token),
        timeout=5,
    ).json()
    assert [t["id"] for t in page["data"]] == ids[::-1][:5]
    assert page["meta"]["newest_id"] == ids[6]
    assert "created_at" in page["data"][0]
    rest = requests.get(
        url,
        params={"max_results": 5, "pagination_token": page["meta"]["next_token"]},
        headers=bearer(token),
        timeout=5,
    ).json()
    assert [t["id"] for t in rest["data"]] == [ids[1], ids[0]]
    assert "next_token" not in rest["meta"]
    too_many = requests.get(url, params={"max_results": 500}, headers=bearer(token), timeout=5)
    assert too_many.status_code == 400


def test_media_upload_with_alt_text_is_attached(x_emulator: XEmulator, token: str) -> None:
    base = x_emulator.base_url
    multipart = requests.post(
        f"{base}/2/media/upload",
        files={"media": ("chart.png", b"\x89PNG fake", "image/png")},
        data={"media_category": "tweet_image"},
        headers=bearer(token),
        timeout=5,
    ).json()["data"]
    assert multipart["media_key"] == f"3_{multipart['id']}"
    as_json = requests.post(
        f"{base}/2/media/upload",
        json={"media": base64.b64encode(b"png").decode(), "media_category": "tweet_image"},
        headers=bearer(token),
        timeout=5,
    ).json()["data"]
    described = requests.post(
        f"{base}/2/media/metadata",
        json={"id": multipart["id"], "metadata": {"alt_text": {"text": "Waiting times chart"}}},
        headers=bearer(token),
        timeout=5,
    )
    assert described.json()["data"]["associated_metadata"]["alt_text"]["text"] == (
        "Waiting times chart"
    )
    assert x_emulator.media_alt_text(multipart["id"]) == "Waiting times chart"
    posted = tweet(x_emulator, token, "", media={"media_ids": [multipart["id"], as_json["id"]]})
    assert posted.status_code == 201
    assert x_emulator.tweets[0]["media_ids"] == [multipart["id"], as_json["id"]]
    unknown = tweet(x_emulator, token, "x", media={"media_ids": ["123"]})
    assert unknown.status_code == 400


def test_rate_limit_headers_and_429(x_emulator: XEmulator, token: str) -> None:
    x_emulator.set_rate_limit(1, 900, bucket="tweets.create")
    first = tweet(x_emulator, token, "a")
    assert first.headers["x-rate-limit-limit"] == "1"
    assert first.headers["x-rate-limit-remaining"] == "0"
    assert int(first.headers["x-rate-limit-reset"]) == int(x_emulator.clock.now() + 900)
    limited = tweet(x_emulator, token, "b")
    assert limited.status_code == 429
    assert limited.json()["title"] == "Too Many Requests"
    assert "Retry-After" not in limited.headers
    x_emulator.clock.advance(900)
    assert tweet(x_emulator, token, "b").status_code == 201


def test_faults_5xx_429_expired_token_then_success(x_emulator: XEmulator, token: str) -> None:
    x_emulator.fail_next(503, endpoint="tweets.create")
    x_emulator.rate_limit_next(retry_after=12, endpoint="tweets.create")
    x_emulator.expire_token_next(endpoint="tweets.create")
    answers = [tweet(x_emulator, token, f"t{i}") for i in range(4)]
    assert [a.status_code for a in answers] == [503, 429, 401, 201]
    assert answers[1].headers["Retry-After"] == "12"
    assert len(x_emulator.tweets) == 1


def test_lost_answer_then_recent_posts_show_it_was_made(x_emulator: XEmulator, token: str) -> None:
    x_emulator.lose_next_answer(endpoint="tweets.create")
    with pytest.raises(requests.ConnectionError):
        tweet(x_emulator, token, "Did it post?")
    recent = requests.get(
        f"{x_emulator.base_url}/2/users/{x_emulator.user.id}/tweets",
        headers=bearer(token),
        timeout=5,
    ).json()
    assert [t["text"] for t in recent["data"]] == ["Did it post?"]
    assert tweet(x_emulator, token, "Did it post?").json()["detail"] == DUPLICATE
