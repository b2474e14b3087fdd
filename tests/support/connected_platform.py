"""A test-only platform whose channels must be connected: the mock, behind an access token.

It is installed through the real entry-point look-up (`connected_platform` fixture), so channel
creation, the CLI, the web pages and the worker all find it as they would a real adapter. Tokens
it accepts start with "good"; it rotates its refresh token whenever asked to refresh, and tells
Gatepost through `credentials_changed`, as OAuth platforms do.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import pytest

from scheduler.platforms import (
    Account,
    Connection,
    CredentialsRefused,
    Published,
    PublishRequest,
    TransientError,
    registry,
)
from scheduler.platforms.mock import MockPlatform

NAME = "connected-mock"


@dataclass
class PlatformState:
    """What the platform knows and does, shared by every instance (domain calls make new ones)."""

    #: access tokens the platform no longer accepts
    revoked: set[str] = field(default_factory=set)
    #: the platform does not answer
    down: bool = False
    #: refresh (rotate the refresh token) on the next publish or check
    refresh_next: bool = False
    #: the refresh tokens the platform has issued to each account, newest last; only the newest
    #: works
    issued: dict[str, list[str]] = field(default_factory=dict)
    #: the credentials each publish call came with
    published_with: list[dict[str, str]] = field(default_factory=list)
    checks: int = 0
    #: the secrets `connect` was given
    secrets: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ConnectedMock(MockPlatform):
    """The mock platform, refusing to publish without a working token."""

    name: ClassVar[str] = NAME
    needs_connection: ClassVar[bool] = True
    state: ClassVar[PlatformState] = PlatformState()

    def connect(self, account: Account, secret: str) -> Connection:
        """Accept tokens (or `handle password` lines) starting with "good"; say who they are."""
        self._answer()
        self.state.secrets.append(secret)
        if self.connect_with == "handle_and_password":
            _handle, _, secret = secret.partition(" ")
        if not secret.startswith("good") or secret in self.state.revoked:
            raise CredentialsRefused(
                "The access token is not valid; create a new one under Preferences > "
                "Development and paste it"
            )
        return Connection(
            account_name=f"@{account.handle}@{self.host(account)}",
            credentials={"access_token": secret, "refresh_token": self._issue(account)},
        )

    def check_connection(self, account: Account) -> Connection:
        """Say who the token signs in as, refreshing it when asked to."""
        self._answer()
        with self.state.lock:
            self.state.checks += 1
        credentials = self._working(account)
        return Connection(
            account_name=f"@{account.handle}@{self.host(account)}", credentials=credentials
        )

    def publish(self, request: PublishRequest) -> Published:
        """Publish as the mock does, once the token works."""
        self._answer()
        with self.state.lock:
            self.state.published_with.append(dict(request.account.credentials))
        self._working(request.account)
        return super().publish(request)

    def delete(self, account: Account, external_id: str) -> None:
        """Remove a post as the mock does, once the token works."""
        self._answer()
        self._working(account)
        super().delete(account, external_id)

    def host(self, account: Account) -> str:
        """Return the host name of the account's server."""
        return self.base_url(account).split("://", 1)[1]

    def _answer(self) -> None:
        if self.state.down:
            raise TransientError("The server answered 503 Service Unavailable")

    def _issue(self, account: Account) -> str:
        with self.state.lock:
            issued = self.state.issued.setdefault(account.handle, [])
            token = f"refresh-{len(issued) + 1}"
            issued.append(token)
            return token

    def _working(self, account: Account) -> dict[str, str]:
        credentials = dict(account.credentials)
        token = credentials.get("access_token", "")
        if not token:
            raise CredentialsRefused("No access token: connect the channel")
        if token in self.state.revoked:
            raise CredentialsRefused("The access token was revoked; connect the channel again")
        if credentials.get("refresh_token") != self.state.issued[account.handle][-1]:
            raise CredentialsRefused("The refresh token was already used (a lost rotation)")
        if self.state.refresh_next:
            self.state.refresh_next = False
            credentials["refresh_token"] = self._issue(account)
            if self.credentials_changed is not None:
                self.credentials_changed(account, credentials)
        return credentials


@pytest.fixture
def connected_platform(monkeypatch: pytest.MonkeyPatch) -> PlatformState:
    """Install the connected mock platform as `connected-mock`; yield what it knows."""
    original = registry.entry_points

    def with_ours(**selection: Any) -> Any:
        found = original(**selection)
        if selection.get("group") == registry.ENTRY_POINT_GROUP:
            ours = EntryPoint(NAME, f"{__name__}:ConnectedMock", registry.ENTRY_POINT_GROUP)
            return [*found, ours]
        return found

    monkeypatch.setattr(registry, "entry_points", with_ours)
    state = PlatformState()
    monkeypatch.setattr(ConnectedMock, "state", state)
    return state
