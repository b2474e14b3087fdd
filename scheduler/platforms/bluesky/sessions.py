"""A channel's Bluesky session: its tokens, kept newest-first in memory and shared by lanes.

Access tokens live about two hours and refresh tokens rotate: refreshSession answers a new pair
and revokes the refresh token it was given. So the adapter keeps the newest pair per channel, lets
one lane at a time refresh it (two lanes refreshing with one token would revoke each other), and
reports every new pair so it is stored. Credentials a call brings that this process has never held
(a person reconnected the channel, another worker refreshed it) replace the ones in memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scheduler.platforms.base import Account, CredentialsRefused

CREDENTIAL_KEYS = ("did", "handle", "access_jwt", "refresh_jwt")


@dataclass(frozen=True)
class Session:
    """Who a channel signs in as on its PDS, and the current token pair."""

    did: str
    handle: str
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)

    @classmethod
    def from_answer(cls, answer: Mapping[str, object]) -> Session:
        """Return the session in a createSession or refreshSession answer."""
        return cls(
            did=str(answer["did"]),
            handle=str(answer["handle"]),
            access_jwt=str(answer["accessJwt"]),
            refresh_jwt=str(answer["refreshJwt"]),
        )

    @classmethod
    def from_credentials(cls, account: Account) -> Session:
        """Return the session stored for the channel, or refuse if it was never connected."""
        stored = account.credentials
        missing = [key for key in CREDENTIAL_KEYS if not stored.get(key)]
        if missing:
            raise CredentialsRefused(
                f"The Bluesky channel {account.handle} is not connected: connect it with its "
                "handle and an app password"
            )
        return cls(stored["did"], stored["handle"], stored["access_jwt"], stored["refresh_jwt"])

    def credentials(self) -> dict[str, str]:
        """Return what to store for the channel."""
        return {
            "did": self.did,
            "handle": self.handle,
            "access_jwt": self.access_jwt,
            "refresh_jwt": self.refresh_jwt,
        }

    @property
    def access_expires_at(self) -> datetime | None:
        """Return when the access token expires, if its claims say."""
        return token_expiry(self.access_jwt)


def token_expiry(token: str) -> datetime | None:
    """Return the `exp` claim of a JWT as an instant, without checking its signature."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (binascii.Error, ValueError, KeyError, TypeError, OverflowError):
        return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    session: Session | None = None
    #: Digests of every refresh token this process held for the channel.
    held: set[str] = field(default_factory=set)


#: Trade a session's refresh token for a new session (the HTTP call), or raise.
Refresh = Callable[[Account, Session], Session]


class Sessions:
    """The newest session per channel, refreshed by one thread at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[tuple[object, ...], _Slot] = {}

    def _slot(self, account: Account, base_url: str) -> _Slot:
        key: tuple[object, ...] = (
            ("channel", account.channel_id)
            if account.channel_id is not None
            else ("handle", account.handle, base_url)
        )
        with self._lock:
            return self._slots.setdefault(key, _Slot())

    def remember(self, account: Account, base_url: str, session: Session) -> None:
        """Keep a session just made (a new connection) as the channel's newest."""
        slot = self._slot(account, base_url)
        with slot.lock:
            slot.session = session
            slot.held.add(_digest(session.refresh_jwt))

    def current(
        self, account: Account, base_url: str, refresh: Refresh, due: Callable[[Session], bool]
    ) -> Session:
        """Return the channel's newest session, refreshed first if `due` says so."""
        slot = self._slot(account, base_url)
        with slot.lock:
            session = self._adopt(slot, account)
            return self._refresh(slot, account, session, refresh) if due(session) else session

    def renew(self, account: Account, base_url: str, stale: Session, refresh: Refresh) -> Session:
        """Return a session newer than `stale` (the PDS said its access token expired)."""
        slot = self._slot(account, base_url)
        with slot.lock:
            session = self._adopt(slot, account)
            if session.access_jwt != stale.access_jwt:
                return session  # another lane refreshed it meanwhile: its pair is the newest
            return self._refresh(slot, account, session, refresh)

    def _adopt(self, slot: _Slot, account: Account) -> Session:
        stored = Session.from_credentials(account)
        if slot.session is None or _digest(stored.refresh_jwt) not in slot.held:
            slot.session = stored
            slot.held.add(_digest(stored.refresh_jwt))
        return slot.session

    def _refresh(
        self, slot: _Slot, account: Account, session: Session, refresh: Refresh
    ) -> Session:
        renewed = refresh(account, session)
        slot.session = renewed
        slot.held.add(_digest(renewed.refresh_jwt))
        return renewed
