"""A platform call that failed in transit: never sent (safe to send again), or sent unanswered.

Only a call that surely did not reach the server may be sent again without asking; after a read
timeout or a dropped connection the platform may have acted, so a publish's fate is unknown.
"""

from __future__ import annotations

import httpx

#: Failures before the request left: nothing reached the platform.
NOT_SENT: tuple[type[httpx.HTTPError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)

_KINDS: dict[type[httpx.HTTPError], str] = {
    httpx.ConnectTimeout: "did not accept a connection in time",
    httpx.ConnectError: "could not be reached",
    httpx.PoolTimeout: "had no free connection in time",
    httpx.UnsupportedProtocol: "is not an http:// or https:// address",
    httpx.ReadTimeout: "did not answer in time",
    httpx.WriteTimeout: "did not take the request in time",
    httpx.RemoteProtocolError: "closed the connection without an answer",
}


def describe(error: httpx.HTTPError) -> str:
    """Return what went wrong, for a sentence that starts with the server's address."""
    return f"{_KINDS.get(type(error), 'failed')} ({type(error).__name__})"
