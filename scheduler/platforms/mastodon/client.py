"""Mastodon's client API over HTTP: one httpx client, its error bodies, whether a call arrived.

Errors are JSON `{"error": text}` (entities/Error.md); rate limits come as X-RateLimit-Limit,
-Remaining and -Reset (an ISO 8601 instant; api/rate-limits.md). Transport failures say whether
the request may have reached the server: only then can a status have been made without an
answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

#: Seconds to wait: to connect, for an answer (an image upload included), for a pool slot.
TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=10.0)


class MastodonError(Exception):
    """The server answered with an error status."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str]) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.headers = httpx.Headers(headers)


class MastodonUnreachable(Exception):
    """No answer came back; `sent` says whether the request may have reached the server."""

    def __init__(self, detail: str, *, sent: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.sent = sent


@dataclass(frozen=True)
class Answer:
    """A successful answer: its status (200, 202 or 206 matter for media) and its JSON."""

    status: int
    body: Any
    headers: httpx.Headers


@dataclass(frozen=True)
class RateWindow:
    """Where one token stands in its rate-limit window."""

    remaining: int
    resets_at: datetime


class MastodonClient:
    """Call any Mastodon server; safe to share between threads (httpx.Client is)."""

    def __init__(self, timeout: httpx.Timeout = TIMEOUT) -> None:
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": "Gatepost (self-hosted publishing queue)"},
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=40),
        )
        self._lock = threading.Lock()
        #: token -> what the last answer's rate-limit headers said
        self._windows: dict[str, RateWindow] = {}

    def request(
        self,
        verb: str,
        base_url: str,
        path: str,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Answer:
        """Make one call and return its answer, or raise MastodonError / MastodonUnreachable."""
        url = f"{base_url}{path}"
        sent_headers = dict(headers or {})
        if token is not None:
            sent_headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.request(verb, url, headers=sent_headers, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise MastodonUnreachable(_describe(error, base_url), sent=False) from None
        except httpx.TransportError as error:
            # Read/write timeouts and dropped connections: the server may have acted.
            raise MastodonUnreachable(_describe(error, base_url), sent=True) from None
        except httpx.InvalidURL:
            raise MastodonUnreachable(f"{base_url} is not a web address", sent=False) from None
        if token is not None:
            self._remember_window(token, response.headers)
        try:
            body = response.json() if response.content else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = _NOT_JSON
        if response.is_success:
            if body is _NOT_JSON:
                raise MastodonError(
                    response.status_code,
                    f"{base_url} answered without the JSON a Mastodon server sends",
                    response.headers,
                )
            return Answer(response.status_code, body, response.headers)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            message = body["error"]
            if isinstance(body.get("error_description"), str):
                message = f"{message}: {body['error_description']}"
        else:
            message = f"{response.status_code} {response.reason_phrase}"
        raise MastodonError(response.status_code, message, response.headers)

    def window(self, token: str) -> RateWindow | None:
        """Return what the server last said of the token's rate limit, if anything."""
        with self._lock:
            return self._windows.get(token)

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def _remember_window(self, token: str, headers: httpx.Headers) -> None:
        remaining, reset = headers.get("X-RateLimit-Remaining"), headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return
        resets_at = parse_instant(reset)
        if resets_at is None or not remaining.isdigit():
            return
        with self._lock:
            self._windows[token] = RateWindow(int(remaining), resets_at)


_NOT_JSON = object()


def parse_instant(value: str) -> datetime | None:
    """Return an ISO 8601 instant as Mastodon writes them ("...Z"), or None if it is not one."""
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def _describe(error: Exception, base_url: str) -> str:
    kinds: dict[type[Exception], str] = {
        httpx.ConnectTimeout: "did not accept a connection in time",
        httpx.ConnectError: "could not be reached",
        httpx.PoolTimeout: "had no free connection in time",
        httpx.ReadTimeout: "did not answer in time",
        httpx.WriteTimeout: "did not take the request in time",
        httpx.RemoteProtocolError: "closed the connection without an answer",
    }
    kind = kinds.get(type(error), "failed")
    return f"{base_url} {kind} ({type(error).__name__})"
