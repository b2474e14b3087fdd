"""The record key Gatepost chooses for a post: a TID derived from its idempotency key.

A retry of the same idempotency key names the same record, so the PDS refuses a second create
(a bare 500: the repository tree already holds the key) and getRecord finds the first one.

The 64-bit TID (https://atproto.com/specs/tid) is a zero top bit, 53 bits of microseconds and a
10-bit clock id, written in base32-sortable. Both parts come from a SHA-256 of the key: the
timestamp lies in 2023 (a real instant, never in the future, where a server could distrust it)
and the rest of the hash fills the low bits, leaving 55 bits against collisions.
"""

from __future__ import annotations

import hashlib
import re

SORTABLE_BASE32 = "234567abcdefghijklmnopqrstuvwxyz"
TID_PATTERN = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
#: 2023-01-01T00:00:00Z in microseconds: the start of the window the derived timestamps lie in.
_WINDOW_START_US = 1_672_531_200_000_000
_WINDOW_BITS = 45  # about 407 days of microseconds
_CLOCK_BITS = 10


def tid(microseconds: int, clock_id: int) -> str:
    """Return the TID of a timestamp in microseconds and a 10-bit clock id."""
    if not 0 <= microseconds < 1 << 53 or not 0 <= clock_id < 1 << _CLOCK_BITS:
        raise ValueError("a TID holds 53 bits of microseconds and a 10-bit clock id")
    value = microseconds << _CLOCK_BITS | clock_id
    return "".join(SORTABLE_BASE32[(value >> shift) & 31] for shift in range(60, -1, -5))


def record_key(idempotency_key: str) -> str:
    """Return the TID record key of the post published under an idempotency key."""
    digest = hashlib.sha256(b"gatepost/bluesky/rkey\0" + idempotency_key.encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    offset = (number >> _CLOCK_BITS) & ((1 << _WINDOW_BITS) - 1)
    return tid(_WINDOW_START_US + offset, number & ((1 << _CLOCK_BITS) - 1))
