"""What the sign-in throttle needs from a request, and what it tells the person."""

from __future__ import annotations

from datetime import timedelta

from flask import request

from scheduler.identity.sign_in_throttle import SignInLocked
from web.ui.formatting import format_local_time

#: The status for a refusal because of too many attempts.
TOO_MANY_REQUESTS = 429


def client_ip() -> str:
    """Return the address the request came from (the proxy's, unless ProxyFix is configured)."""
    return request.remote_addr or "unknown"


def lockout_message(locked: SignInLocked) -> str:
    """Return the message for a locked account, with the local time it unlocks."""
    # Round up to the minute, so "after 09:46" is never still locked at 09:46:30.
    until = locked.until
    if until.second or until.microsecond:
        until = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return f"Too many attempts; try again after {format_local_time(until)}"
