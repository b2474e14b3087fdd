"""XRPC over HTTP: one httpx client, the PDS's error names, and whether a call reached it.

XRPC errors are JSON `{"error": name, "message": text}` (packages/xrpc-server/src/errors.ts);
the name, not the status, says what went wrong (a 400 may be ExpiredToken, InvalidRequest or
RecordNotFound). Transport failures say whether the request may have reached the server: only
then can a write have happened without an answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from scheduler.platforms.http_failures import NOT_SENT, describe

#: Seconds to wait: to connect, for an answer (uploads of a 1 MB image included), for a pool slot.
TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=10.0)


class XrpcError(Exception):
    """The server answered with an error status."""

    def __init__(
        self, status: int, error: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status = status
        self.error = error
        self.message = message
        self.headers = httpx.Headers(headers or {})


class XrpcUnreachable(Exception):
    """No answer came back; `sent` says whether the request may have reached the server."""

    def __init__(self, detail: str, *, sent: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.sent = sent


class XrpcClient:
    """Call XRPC methods on any server; safe to share between threads (httpx.Client is)."""

    def __init__(self, timeout: httpx.Timeout = TIMEOUT) -> None:
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": "Gatepost (self-hosted publishing queue)"},
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )

    def query(
        self,
        base_url: str,
        method: str,
        params: Mapping[str, str],
        *,
        token: str | None = None,
    ) -> dict[str, Any]:
        """Call a query (GET) and return its JSON answer."""
        return self._call("GET", base_url, method, token, params=dict(params))

    def procedure(
        self,
        base_url: str,
        method: str,
        *,
        body: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """Call a procedure (POST) with a JSON body or raw content; return its JSON answer."""
        headers = {"Content-Type": content_type} if content_type else {}
        return self._call(
            "POST",
            base_url,
            method,
            token,
            json=dict(body) if body is not None else None,
            content=content,
            headers=headers,
        )

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def _call(
        self, verb: str, base_url: str, method: str, token: str | None, **kwargs: Any
    ) -> dict[str, Any]:
        url = f"{base_url}/xrpc/{method}"
        headers: dict[str, str] = kwargs.pop("headers", {}) or {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.request(verb, url, headers=headers, **kwargs)
        except NOT_SENT as error:
            raise XrpcUnreachable(f"{base_url} {describe(error)}", sent=False) from None
        except httpx.TransportError as error:
            # Read/write timeouts and dropped connections: the server may have acted.
            raise XrpcUnreachable(f"{base_url} {describe(error)}", sent=True) from None
        try:
            answer = response.json() if response.content else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            answer = None
        if response.is_success:
            if not isinstance(answer, dict):
                raise XrpcError(
                    response.status_code,
                    "NotXrpc",
                    f"{url} answered {response.status_code} without the JSON an XRPC server sends",
                    response.headers,
                )
            return answer
        if isinstance(answer, dict) and isinstance(answer.get("error"), str):
            message = answer.get("message")
            raise XrpcError(
                response.status_code,
                answer["error"],
                message if isinstance(message, str) else answer["error"],
                response.headers,
            )
        raise XrpcError(
            response.status_code,
            "NotXrpc",
            f"{url} answered {response.status_code} {response.reason_phrase} without an XRPC error",
            response.headers,
        )
