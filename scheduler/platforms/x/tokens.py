"""X's OAuth 2.0 tokens: exchange a code, refresh before expiry, keep the newest per channel.

Access tokens live two hours. Refresh tokens rotate: each works once, and the answer carries the
next. So one refresh per channel at a time (a second lane refreshing with the same token would
be refused and the channel wrongly marked disconnected), the newest credentials kept here in
memory whatever the store does, and every refresh reported through `credentials_changed`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from config.settings import XAppSettings
from scheduler.platforms.base import (
    Account,
    Credentials,
    CredentialsChanged,
    CredentialsRefused,
    PermanentError,
)
from scheduler.platforms.x.client import Answer, XHttp

log = logging.getLogger(__name__)

#: Refresh this long before X's expiry, so a call never starts on a token about to lapse.
REFRESH_MARGIN = 300.0
RECONNECT = "reconnect the X channel from its page"


@dataclass
class _Newest:
    credentials: dict[str, str]
    #: Refresh tokens these credentials replaced: an account still carrying one is stale.
    replaced: set[str] = field(default_factory=set)


def at_handle(account: Account) -> str:
    """Return the channel's handle as people write it, with one @."""
    return f"@{account.handle.removeprefix('@')}"


def expiry_of(credentials: Credentials) -> datetime | None:
    """Return when the access token lapses, or None if the credentials do not say."""
    try:
        return datetime.fromisoformat(credentials["expires_at"])
    except (KeyError, ValueError):
        return None


def _expiresat_handle(expires_in: object) -> str:
    seconds = float(expires_in) if isinstance(expires_in, int | float) else 7200.0
    # X's clock, not the worker's: `--now` rehearsals move the latter.
    return datetime.fromtimestamp(time.time() + seconds, tz=UTC).isoformat(timespec="seconds")


class Tokens:
    """The credentials each X channel signs in with, refreshed when due."""

    def __init__(
        self, http: XHttp, app: XAppSettings, credentials_changed: CredentialsChanged
    ) -> None:
        self.http = http
        self.app = app
        self.credentials_changed = credentials_changed
        self._lock = threading.Lock()
        self._channel_locks: dict[object, threading.Lock] = {}
        self._newest: dict[object, _Newest] = {}

    @staticmethod
    def key(account: Account) -> object:
        """Return what identifies the account's channel in memory."""
        return account.channel_id if account.channel_id is not None else account.handle

    def current(self, account: Account) -> dict[str, str]:
        """Return the newest credentials for the account: refreshed here, or as given."""
        given = dict(account.credentials)
        if not given.get("access_token"):
            raise CredentialsRefused(
                f"The X channel {at_handle(account)} is not connected: connect it from its page"
            )
        with self._lock:
            newest = self._newest.get(self.key(account))
            if newest is None:
                return given
            if given.get("refresh_token") in newest.replaced or given == newest.credentials:
                return dict(newest.credentials)
            # Someone connected the channel again since: their credentials win.
            del self._newest[self.key(account)]
            return given

    def fresh(self, account: Account, token_url: str) -> dict[str, str]:
        """Return credentials whose access token is not about to lapse, refreshing if due."""
        credentials = self.current(account)
        expires = expiry_of(credentials)
        if expires is not None and expires.timestamp() - REFRESH_MARGIN > time.time():
            return credentials
        return self.refresh(account, token_url, credentials["access_token"])

    def refresh(self, account: Account, token_url: str, stale_access_token: str) -> dict[str, str]:
        """Swap the refresh token for new credentials, unless another call already has."""
        with self._lock:
            lock = self._channel_locks.setdefault(self.key(account), threading.Lock())
        with lock:
            credentials = self.current(account)
            if credentials["access_token"] != stale_access_token:
                return credentials
            refresh_token = credentials.get("refresh_token", "")
            if not refresh_token:
                raise CredentialsRefused(
                    f"X's sign-in for {at_handle(account)} has expired and cannot be renewed: "
                    f"{RECONNECT}"
                )
            answer = self.token_call(
                token_url,
                {"grant_type": "refresh_token", "refresh_token": refresh_token},
                caller=str(self.key(account)),
            )
            if answer.status != 200:
                raise CredentialsRefused(
                    f"X no longer accepts the saved sign-in of {at_handle(account)} "
                    f"({answer.detail}): {RECONNECT}"
                )
            renewed = {
                **credentials,
                **self.credentials_from(answer),
                "refresh_token": str(answer.body.get("refresh_token") or refresh_token),
            }
            self._keep(account, renewed, replaced=refresh_token)
            return renewed

    def _keep(self, account: Account, renewed: dict[str, str], *, replaced: str) -> None:
        with self._lock:
            previous = self._newest.get(self.key(account))
            kept = previous.replaced if previous else set()
            self._newest[self.key(account)] = _Newest(renewed, kept | {replaced})
        try:
            self.credentials_changed(account, dict(renewed))
        except Exception:
            # The rotated token still lives here; a restart before it is stored means
            # reconnecting, which the refusal then says.
            log.exception("could not store the refreshed X credentials of %s", at_handle(account))

    def token_call(self, token_url: str, form: Mapping[str, str], *, caller: str) -> Answer:
        """POST to X's token endpoint as Gatepost's app (HTTP Basic for a confidential client)."""
        if not self.app.configured:
            raise PermanentError(
                "Gatepost has no X app: set x.client_id and x.client_secret in the settings "
                "(GATEPOST_X_CLIENT_ID, GATEPOST_X_CLIENT_SECRET) from the X developer console"
            )
        data = {**form, "client_id": self.app.client_id}
        auth = (self.app.client_id, self.app.client_secret) if self.app.client_secret else None
        answer = self.http.call(
            "POST", token_url, caller=caller, bucket="oauth2.token", data=data, auth=auth
        )
        if answer.status == 401:
            raise PermanentError(
                f"X refused Gatepost's app ({answer.detail}): check x.client_id and "
                "x.client_secret (GATEPOST_X_CLIENT_ID, GATEPOST_X_CLIENT_SECRET)"
            )
        return answer

    @staticmethod
    def credentials_from(answer: Answer) -> dict[str, str]:
        """Return the access token and its expiry from a token answer."""
        access = answer.body.get("access_token")
        if not isinstance(access, str) or not access:
            raise PermanentError("X's token answer carried no access token")
        return {
            "access_token": access,
            "expires_at": _expiresat_handle(answer.body.get("expires_in")),
        }
