"""The `mastodon` platform: any Mastodon instance, through its client API, exactly once.

httpx against the documented endpoints rather than Mastodon.py: exactly once rests on details
we must control ourselves, the `Idempotency-Key` header on every create, the rate-limit headers
and whether a failed call had reached the server.

- A create carries the post's idempotency key in `Idempotency-Key`; Mastodon answers a repeat
  within an hour with the first status, so a retry after a lost answer makes no second post.
- After that hour, or to settle a post a dead worker left, `lookup` reads the account's recent
  statuses back to when the post was first tried, matching its text and reply target.
- Length is the instance's own (`/api/v2/instance`, cached an hour per instance).
- Threads are `in_reply_to_id` chains; posts carry their language; images go up first with their
  alt text as `description`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NoReturn
from urllib.parse import urlencode, urlsplit

from config import Settings
from scheduler.core.clock import Clock
from scheduler.core.errors import ValidationFailed
from scheduler.platforms.base import (
    Account,
    Authorization,
    Connection,
    CredentialsChanged,
    CredentialsRefused,
    MediaItem,
    OutcomeUnknown,
    PermanentError,
    Platform,
    PlatformError,
    Published,
    PublishRequest,
    TextCheck,
    TransientError,
)
from scheduler.platforms.mastodon.client import (
    MastodonClient,
    MastodonError,
    MastodonUnreachable,
    parse_instant,
)
from scheduler.platforms.mastodon.text import InstanceLimits, measure

#: What Gatepost asks a token (or an OAuth sign-in) to allow.
SCOPES = "read:accounts read:statuses write:statuses write:media"
#: How long an instance's announced limits are trusted before asking again.
INSTANCE_TTL_SECONDS = 3600.0
#: How long a failed instance look-up is not retried (the defaults stand in meanwhile).
INSTANCE_RETRY_SECONDS = 60.0
#: Statuses per page when looking a post up, and how many pages at most.
LOOKUP_PAGE = 40
LOOKUP_PAGES = 10
#: How far before the first try a look-up still searches (clocks differ).
LOOKUP_MARGIN = timedelta(minutes=5)
#: How often, and how long apart, a processing image upload is asked about.
MEDIA_POLLS = 20
MEDIA_POLL_SECONDS = 0.5

_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH = re.compile(r"</p>\s*<p>")
_BREAK = re.compile(r"<br\s*/?>")
_SPACE = re.compile(r"\s+")


class MastodonPlatform(Platform):
    """Publish to one account on any Mastodon instance."""

    name: ClassVar[str] = "mastodon"
    supports_lookup: ClassVar[bool] = True
    needs_connection: ClassVar[bool] = True
    #: Mastodon has no one public server: every channel names its instance.
    default_instance: ClassVar[str | None] = None
    supports_authorization: ClassVar[bool] = True
    connect_with: ClassVar[str] = "token"

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        credentials_changed: CredentialsChanged | None = None,
    ) -> None:
        super().__init__(settings, clock, credentials_changed)
        self.client = MastodonClient()
        self._lock = threading.Lock()
        #: base URL -> (when asked, its limits, whether it announced them or they are defaults)
        self._instances: dict[str, tuple[float, InstanceLimits, bool]] = {}
        #: (base URL, token) -> the account's id
        self._account_ids: dict[tuple[str, str], str] = {}

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Refuse any platform options: a Mastodon channel takes none."""
        if options:
            raise ValidationFailed(
                f"A Mastodon channel takes no platform options; remove {', '.join(options)}",
                field="platform_options",
            )

    # ---- text ------------------------------------------------------------------------------

    def validate(self, text: str, account: Account | None = None) -> TextCheck:
        """Measure the text by the instance's own limits (Mastodon's defaults if unknown)."""
        if account is None or not (account.instance_url or self.default_instance):
            return measure(text, InstanceLimits(host="Mastodon"))
        return measure(text, self.instance_limits(self.base_url(account)))

    def instance_limits(self, base: str) -> InstanceLimits:
        """Return what the instance allows, asking it at most once an hour."""
        now = time.monotonic()
        with self._lock:
            known = self._instances.get(base)
        if known is not None:
            asked, limits, announced = known
            if now - asked < (INSTANCE_TTL_SECONDS if announced else INSTANCE_RETRY_SECONDS):
                return limits
        try:
            limits, announced = self._ask_instance(base), True
        except PlatformError:
            # The compose page asks on every pause in typing: never fail it for this.
            limits, announced = InstanceLimits(host=urlsplit(base).netloc), False
        with self._lock:
            self._instances[base] = (now, limits, announced)
        return limits

    def _ask_instance(self, base: str) -> InstanceLimits:
        try:
            answer = self.client.request("GET", base, "/api/v2/instance")
        except MastodonUnreachable as error:
            raise PermanentError(
                f"{error.detail}: check the channel's server address (the instance's base URL, "
                "such as https://mastodon.social)"
            ) from None
        except MastodonError as error:
            raise PermanentError(
                f"{base} does not answer as a Mastodon server does ({error.message}): check the "
                "channel's server address"
            ) from None
        body = answer.body if isinstance(answer.body, dict) else {}
        statuses = (body.get("configuration") or {}).get("statuses") or {}
        domain = body.get("domain")
        if not isinstance(domain, str) or not statuses:
            raise PermanentError(
                f"{base} is not a Mastodon server (its /api/v2/instance says nothing of "
                "statuses): check the channel's server address"
            )
        return InstanceLimits(
            host=domain,
            max_characters=_positive(statuses.get("max_characters"), 500),
            characters_per_url=_positive(statuses.get("characters_reserved_per_url"), 23),
            max_media=_positive(statuses.get("max_media_attachments"), 4),
        )

    # ---- publishing ------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> Published:
        """Make the status, with its images and reply target, at most once per idempotency key."""
        account = request.account
        base, token = self.base_url(account), _token(account)
        for item in request.media:
            if not item.alt_text.strip():
                raise PermanentError(
                    f"The image {item.path.name} has no alt text: describe it for people who "
                    "cannot see it, then publish again"
                )
        self._wait_for_window(token)
        media_ids = [self._upload(base, token, item) for item in request.media]
        body: dict[str, Any] = {
            "status": request.text,
            "visibility": "public",
            "language": account.language,
        }
        if request.reply_to:
            body["in_reply_to_id"] = request.reply_to
        if media_ids:
            body["media_ids"] = media_ids
        try:
            answer = self.client.request(
                "POST",
                base,
                "/api/v1/statuses",
                token=token,
                headers={"Idempotency-Key": request.idempotency_key},
                json=body,
            )
        except MastodonUnreachable as error:
            if error.sent:
                raise OutcomeUnknown(
                    f"{error.detail} after the post was sent; Mastodon may have it"
                ) from None
            raise TransientError(error.detail) from None
        except MastodonError as error:
            self._refuse(error, doing="publish the post")
        return self._published(answer.body)

    def lookup(self, request: PublishRequest) -> Published | None:
        """Find the post among the account's statuses since it was first tried, or None."""
        account = request.account
        base, token = self.base_url(account), _token(account)
        wanted = _plain(request.text)
        since = (request.first_tried_at or self.clock.now()) - LOOKUP_MARGIN
        try:
            account_id = self._account_id(base, token)
            params: dict[str, str] = {"limit": str(LOOKUP_PAGE)}
            for _ in range(LOOKUP_PAGES):
                page = self.client.request(
                    "GET", base, f"/api/v1/accounts/{account_id}/statuses", token=token,
                    params=params,
                ).body  # fmt: skip
                if not isinstance(page, list) or not page:
                    return None
                for status in page:
                    if _is_the_post(status, wanted, request.reply_to):
                        return self._published(status)
                oldest = parse_instant(str(page[-1].get("created_at", "")))
                if oldest is None or oldest < since:
                    return None
                params = {"limit": str(LOOKUP_PAGE), "max_id": str(page[-1]["id"])}
        except (MastodonError, MastodonUnreachable) as error:
            raise PlatformError(
                f"Looking the post up on Mastodon failed ({error}); check the channel's "
                "profile, then mark the post published or retry it"
            ) from None
        raise PlatformError(
            f"Mastodon lists more than {LOOKUP_PAGE * LOOKUP_PAGES} statuses since the post was "
            "first tried; check the channel's profile, then mark it published or retry it"
        )

    def delete(self, account: Account, external_id: str) -> None:
        """Delete the status from the instance."""
        base, token = self.base_url(account), _token(account)
        try:
            self.client.request("DELETE", base, f"/api/v1/statuses/{external_id}", token=token)
        except MastodonUnreachable as error:
            raise TransientError(error.detail) from None
        except MastodonError as error:
            if error.status == 404:
                raise PermanentError(
                    f"Mastodon has no post {external_id} on {account.handle}: it may have been "
                    "deleted already"
                ) from None
            self._refuse(error, doing="delete the post")

    def _upload(self, base: str, token: str, item: MediaItem) -> str:
        try:
            answer = self.client.request(
                "POST",
                base,
                "/api/v2/media",
                token=token,
                files={"file": (item.path.name, item.path.read_bytes(), item.content_type)},
                data={"description": item.alt_text},
            )
            media = answer.body if isinstance(answer.body, dict) else {}
            polls = 0
            while answer.status in (202, 206) or not media.get("url"):
                polls += 1
                if polls > MEDIA_POLLS:
                    raise TransientError(
                        f"Mastodon is still processing the image {item.path.name}; it goes later"
                    )
                time.sleep(MEDIA_POLL_SECONDS)
                answer = self.client.request(
                    "GET", base, f"/api/v1/media/{media['id']}", token=token
                )
                media = answer.body if isinstance(answer.body, dict) else {}
        except MastodonUnreachable as error:
            # An image the answer of which is lost is an orphan upload, never a post.
            raise TransientError(error.detail) from None
        except MastodonError as error:
            self._refuse(error, doing=f"take the image {item.path.name}")
        return str(media["id"])

    def _wait_for_window(self, token: str) -> None:
        window = self.client.window(token)
        if window is None or window.remaining > 0:
            return
        wait = (window.resets_at - datetime.now(UTC)).total_seconds()
        if wait > 0:
            raise TransientError(
                f"Mastodon's rate limit for this account is used up until "
                f"{window.resets_at:%H:%M:%S} UTC",
                retry_after=wait,
            )

    def _published(self, status: Any) -> Published:
        if not isinstance(status, dict) or "id" not in status:
            raise OutcomeUnknown("Mastodon answered without the status it made")
        made = parse_instant(str(status.get("created_at", ""))) or self.clock.now()
        return Published(external_id=str(status["id"]), published_at=made)

    def _refuse(self, error: MastodonError, *, doing: str) -> NoReturn:
        """Raise the PlatformError that says what Mastodon's refusal means and what to do."""
        if error.status == 401:
            raise CredentialsRefused(
                f"Mastodon refused the channel's access token ({error.message}); an admin must "
                "connect the channel again"
            )
        if error.status == 403:
            raise CredentialsRefused(
                f"Mastodon would not let the channel's token {doing} ({error.message}); connect "
                f"the channel again with a token allowing {SCOPES}"
            )
        if error.status == 429:
            raise TransientError(
                f"Mastodon's rate limit: {error.message}", retry_after=_retry_after(error)
            )
        if error.status >= 500:
            raise TransientError(f"Mastodon could not {doing} just now ({error.message})")
        raise PermanentError(f"Mastodon refused to {doing}: {error.message}")

    # ---- connecting ------------------------------------------------------------------------

    def connect(self, account: Account, secret: str) -> Connection:
        """Check an access token with the instance and return who it signs in as."""
        token = secret.strip()
        if not token or any(character.isspace() for character in token):
            raise CredentialsRefused(
                "Paste the access token alone: create one on the instance under Preferences > "
                f"Development > New application, with the scopes {SCOPES}"
            )
        return self._who(self.base_url(account), {"access_token": token})

    def check_connection(self, account: Account) -> Connection:
        """Ask the instance who the stored token signs in as."""
        return self._who(self.base_url(account), dict(account.credentials))

    def _who(self, base: str, credentials: dict[str, str]) -> Connection:
        limits = self._instance_for_connecting(base)
        token = credentials.get("access_token", "")
        try:
            me = self.client.request(
                "GET", base, "/api/v1/accounts/verify_credentials", token=token
            ).body
        except MastodonUnreachable as error:
            raise TransientError(f"{error.detail}; try again") from None
        except MastodonError as error:
            if error.status in (401, 403):
                raise CredentialsRefused(
                    f"Mastodon refused the token ({error.message}): create one on {limits.host} "
                    f"under Preferences > Development with the scopes {SCOPES}"
                ) from None
            self._refuse(error, doing="say who the token signs in as")
        if not isinstance(me, dict) or "username" not in me:
            raise PermanentError(f"{base} did not say who the token signs in as")
        with self._lock:
            self._account_ids[(base, token)] = str(me["id"])
        return Connection(
            account_name=f"@{me['username']}@{limits.host}", credentials=dict(credentials)
        )

    def _instance_for_connecting(self, base: str) -> InstanceLimits:
        """Return the instance's limits, refusing an address that is not a Mastodon server."""
        limits = self._ask_instance(base)
        with self._lock:
            self._instances[base] = (time.monotonic(), limits, True)
        return limits

    def _account_id(self, base: str, token: str) -> str:
        with self._lock:
            known = self._account_ids.get((base, token))
        if known is not None:
            return known
        me = self.client.request(
            "GET", base, "/api/v1/accounts/verify_credentials", token=token
        ).body
        account_id = str(me["id"])
        with self._lock:
            self._account_ids[(base, token)] = account_id
        return account_id

    # ---- OAuth -----------------------------------------------------------------------------

    def start_authorization(self, account: Account, redirect_uri: str, state: str) -> Authorization:
        """Register Gatepost on the instance and return its sign-in page, with PKCE (S256)."""
        base = self.base_url(account)
        self._instance_for_connecting(base)
        try:
            app = self.client.request(
                "POST",
                base,
                "/api/v1/apps",
                json={
                    "client_name": "Gatepost",
                    "redirect_uris": redirect_uri,
                    "scopes": SCOPES,
                    "website": self.settings.base_url or None,
                },
            ).body
        except MastodonUnreachable as error:
            raise TransientError(f"{error.detail}; try again") from None
        except MastodonError as error:
            raise PermanentError(
                f"{base} would not register Gatepost for signing in ({error.message}); connect "
                "the channel with an access token instead"
            ) from None
        verifier = secrets.token_urlsafe(64)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        query = urlencode(
            {
                "response_type": "code",
                "client_id": app["client_id"],
                "redirect_uri": redirect_uri,
                "scope": SCOPES,
                "state": state,
                "code_challenge": challenge.decode().rstrip("="),
                "code_challenge_method": "S256",
            }
        )
        return Authorization(
            url=f"{base}/oauth/authorize?{query}",
            kept={
                "client_id": str(app["client_id"]),
                "client_secret": str(app["client_secret"]),
                "code_verifier": verifier,
            },
        )

    def finish_authorization(
        self, account: Account, redirect_uri: str, code: str, kept: Mapping[str, str]
    ) -> Connection:
        """Exchange the code for an access token, then check who it signs in as."""
        base = self.base_url(account)
        try:
            answer = self.client.request(
                "POST",
                base,
                "/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "client_id": kept.get("client_id", ""),
                    "client_secret": kept.get("client_secret", ""),
                    "code_verifier": kept.get("code_verifier", ""),
                    "scope": SCOPES,
                },
            ).body
        except MastodonUnreachable as error:
            raise TransientError(f"{error.detail}; try again") from None
        except MastodonError as error:
            raise CredentialsRefused(
                f"Mastodon did not accept the sign-in ({error.message}); start again from the "
                "channel's page"
            ) from None
        return self._who(
            base,
            {
                "access_token": str(answer["access_token"]),
                "client_id": kept.get("client_id", ""),
                "client_secret": kept.get("client_secret", ""),
            },
        )


def _token(account: Account) -> str:
    token = account.credentials.get("access_token")
    if not token:
        raise CredentialsRefused(
            f"{account.handle} has no Mastodon access token: an admin must connect the channel"
        )
    return token


def _positive(value: Any, default: int) -> int:
    return value if isinstance(value, int) and value > 0 else default


def _plain(text: str) -> str:
    """Return text as a status's content reads once its markup is gone: spaces collapsed."""
    return _SPACE.sub(" ", text).strip()


def _content_text(content: str) -> str:
    text = _BREAK.sub("\n", _PARAGRAPH.sub("\n\n", content))
    return _plain(html.unescape(_TAG.sub("", text)))


def _is_the_post(status: Mapping[str, Any], wanted: str, reply_to: str | None) -> bool:
    source = status.get("text")
    text = _plain(source) if isinstance(source, str) else _content_text(str(status["content"]))
    if text != wanted:
        return False
    return reply_to is None or str(status.get("in_reply_to_id")) == reply_to


def _retry_after(error: MastodonError) -> float | None:
    seconds = error.headers.get("Retry-After")
    if seconds and seconds.isdigit():
        return float(seconds)
    reset = parse_instant(error.headers.get("X-RateLimit-Reset", ""))
    if reset is None:
        return None
    return max((reset - datetime.now(UTC)).total_seconds(), 0.0)


__all__ = ["SCOPES", "MastodonPlatform"]
