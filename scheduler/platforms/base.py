"""The interface every platform adapter implements, and the errors it may raise."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from config import Settings
from scheduler.core.clock import Clock, SystemClock


@dataclass(frozen=True)
class TextCheck:
    """How a text measures against a platform's rules."""

    length: int
    limit: int
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """Return whether the platform would accept the text."""
        return not self.problems


@dataclass(frozen=True)
class MediaItem:
    """An image to attach, already checked and stored under the instance folder."""

    path: Path
    content_type: str
    alt_text: str


#: A channel's decrypted credentials, as its adapter reads and refreshes them.
Credentials = Mapping[str, str]


@dataclass(frozen=True)
class Account:
    """A channel's account on its platform: where its server is and how to sign in."""

    handle: str
    channel_id: int | None = None
    #: The language posts are tagged with where the platform takes one (`en`, `cy`).
    language: str = "en"
    #: The server's base URL; None means the platform's public service (`default_instance`).
    instance_url: str | None = None
    #: Decrypted credentials; empty for platforms that need none (the mock).
    credentials: Credentials = field(default_factory=dict, repr=False)
    #: The channel's adapter-specific options (e.g. the mock platform's injected faults).
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishRequest:
    """Everything an adapter needs to publish one post."""

    account: Account
    text: str
    idempotency_key: str
    #: The platform's id of the post this one replies to (the one before it in its thread).
    reply_to: str | None = None
    media: tuple[MediaItem, ...] = ()
    #: When Gatepost first tried to send it: a look-up by content need not search further back.
    first_tried_at: datetime | None = None

    @property
    def channel(self) -> str:
        """Return the channel's handle."""
        return self.account.handle

    @property
    def options(self) -> Mapping[str, Any]:
        """Return the channel's adapter-specific options."""
        return self.account.options


@dataclass(frozen=True)
class Connection:
    """Who a channel's credentials sign in as, and the credentials to keep (perhaps refreshed)."""

    account_name: str
    credentials: Credentials = field(repr=False)
    #: When the access credentials stop working unless refreshed; None if they do not expire.
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Authorization:
    """The first step of an OAuth sign-in: where to send the person, and what to keep meanwhile."""

    url: str
    #: What finish_authorization needs back (the PKCE verifier, a registered client's id):
    #: kept server-side in the person's session, never shown.
    kept: Mapping[str, str] = field(repr=False)


#: Called by an adapter after it refreshed a channel's credentials, to store the new ones.
CredentialsChanged = Callable[[Account, Credentials], None]


@dataclass(frozen=True)
class Published:
    """What the platform says it published."""

    external_id: str
    published_at: datetime


class PlatformError(Exception):
    """The platform refused or failed; the message is the platform's own, kept for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransientError(PlatformError):
    """Try again later (timeouts, 5xx, rate limits)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(PlatformError):
    """Retrying will not help (text refused, account suspended)."""


class CredentialsRefused(PermanentError):
    """The platform refused the channel's credentials: a person must connect the channel again."""


class OutcomeUnknown(PlatformError):
    """The request may or may not have been published (the connection dropped after sending)."""


class LookupUnsupported(PlatformError):
    """The platform cannot find a post by idempotency key."""


class Platform(ABC):
    """One social media platform: validate, publish, look up and delete posts."""

    #: The key adapters are registered under (the entry point's name).
    name: ClassVar[str]
    #: The most posts per channel per minute the platform accepts, or None for no limit.
    rate_limit_per_minute: ClassVar[int | None] = None
    #: Whether lookup() works; without it an interrupted publish needs a person to check.
    supports_lookup: ClassVar[bool] = True
    #: Whether a channel must be connected (credentials stored) before it can publish.
    needs_connection: ClassVar[bool] = False
    #: The public service's base URL, for channels that name no instance; None if there is none.
    default_instance: ClassVar[str | None] = None
    #: Whether an admin can connect a channel through the platform's OAuth flow in the web UI.
    supports_authorization: ClassVar[bool] = False
    #: What a person gives `connect` as its secret: "token" (an access token), or
    #: "handle_and_password" (`handle app-password` on one line, like Bluesky's app passwords).
    #: The web form asks for those fields; the CLI reads that line from standard input.
    connect_with: ClassVar[str] = "token"
    #: Where a person makes that credential, and what it must allow (shown beside the form).
    credential_hint: ClassVar[str] = "Make one in the account's settings on the platform"

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        credentials_changed: CredentialsChanged | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.credentials_changed = credentials_changed

    def base_url(self, account: Account) -> str:
        """Return the server the account lives on, without a trailing slash."""
        url = account.instance_url or self.default_instance
        if not url:
            raise PermanentError(f"The channel {account.handle} names no server to publish to")
        return url.rstrip("/")

    def rate_limit_for(self, options: Mapping[str, Any]) -> int | None:
        """Return the most posts a minute one channel with these options may publish."""
        return self.rate_limit_per_minute

    def answers_at_once(self, options: Mapping[str, Any]) -> bool:
        """Return whether a publish call returns without waiting on a network or a timer.

        The worker calls such an adapter from its own thread: parallel threads would only take
        turns on Python's interpreter lock. Remote platforms keep the default, False.
        """
        return False

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Refuse channel options this adapter does not understand (ValidationFailed)."""
        return None

    def sync(self) -> None:
        """Make every publish accepted so far durable before Gatepost records it as published.

        Remote platforms have nothing to do: their answer means they have the post. A platform
        that keeps posts locally (the mock's ledger) flushes them to disk here.
        """
        return None

    @abstractmethod
    def validate(self, text: str, account: Account | None = None) -> TextCheck:
        """Measure the text by the platform's rules (the account's server's, where they vary)."""

    @abstractmethod
    def publish(self, request: PublishRequest) -> Published:
        """Publish one post, at most once per idempotency key."""

    @abstractmethod
    def lookup(self, request: PublishRequest) -> Published | None:
        """Return the post this request published, or None if the platform surely has none.

        Raise LookupUnsupported (or another PlatformError) when the platform cannot tell.
        """

    @abstractmethod
    def delete(self, account: Account, external_id: str) -> None:
        """Remove a published post from the platform."""

    def connect(self, account: Account, secret: str) -> Connection:
        """Check a credential a person gave (a token, `handle app-password`); return what to keep.

        Raise CredentialsRefused, saying what to fix, when the platform refuses it.
        """
        raise PermanentError(f"The {self.name} platform has nothing to connect")

    def check_connection(self, account: Account) -> Connection:
        """Ask the platform who the stored credentials sign in as, refreshing them if due."""
        return Connection(account_name=account.handle, credentials=account.credentials)

    def start_authorization(self, account: Account, redirect_uri: str, state: str) -> Authorization:
        """Begin the platform's OAuth flow (with PKCE) for the account; return where to go."""
        raise PermanentError(
            f"The {self.name} platform has no sign-in flow; connect it with a token"
        )

    def finish_authorization(
        self, account: Account, redirect_uri: str, code: str, kept: Mapping[str, str]
    ) -> Connection:
        """Exchange the code the platform sent back for credentials, checked, ready to keep."""
        raise PermanentError(
            f"The {self.name} platform has no sign-in flow; connect it with a token"
        )
