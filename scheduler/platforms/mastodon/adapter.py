"""The `mastodon` platform: statuses on any Mastodon instance, connected by token or OAuth.

Exactly once: every create carries the post's idempotency key as the Idempotency-Key header,
which Mastodon keeps for an hour per account, so a create sent again within the hour (after a
lost answer, a 5xx, a crash) returns the first status instead of posting twice. Past the hour,
and whenever the worker must decide without sending (after a lost answer, in recovery), lookup
reads the account's statuses back to when the post was first tried and matches its text (and the
status it replies to).

Pacing is Mastodon's own: the rate_limit_per_minute pacer is not used (300 statuses per 3 hours
per account takes a 25-post thread at once), and each answer's X-RateLimit-Remaining and
X-RateLimit-Reset are kept per account, so a call that would go over is not made but retried
when the window resets.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import httpx

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
    BUCKET_DELETE,
    BUCKET_MEDIA,
    Answer,
    MastodonHttp,
    Unreachable,
)
from scheduler.platforms.mastodon.text import (
    DEFAULT_MAX_CHARACTERS,
    Limits,
    comparable,
    comparable_content,
    measure,
)

#: What Gatepost asks an instance to allow: who the account is, read its statuses back (for
#: look-ups), post statuses and upload images.
SCOPES = "read:accounts read:statuses write:statuses write:media"
CREATE_ONE = (
    "create one under Preferences > Development with the write:statuses, write:media and "
    "read:accounts scopes"
)
RECONNECT = "reconnect the channel"
#: How long an instance's limits are kept before they are asked for again.
LIMITS_TTL = timedelta(hours=1)
#: How long the stock limits stand in for an instance that did not answer.
FALLBACK_TTL = timedelta(minutes=5)
#: The compose page measures text as a person types: asking the instance must not hold it up.
LIMITS_TIMEOUT = httpx.Timeout(3.0)
#: Mastodon keeps an Idempotency-Key for an hour; past this much of it, look before sending.
IDEMPOTENCY_TRUSTED = timedelta(minutes=50)
#: How far before the first try a look-up starts (clocks differ; created_at is the server's).
LOOKUP_MARGIN = timedelta(minutes=5)
PAGE_SIZE = 40
MAX_PAGES = 10
#: How long to wait, in all, for an uploaded image to be processed.
MEDIA_WAIT = 10.0


def pkce_pair() -> tuple[str, str]:
    """Return a PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class _Cached:
    limits: Limits
    until: datetime
    asked: bool


class MastodonPlatform(Platform):
    """Publish statuses to an account on a Mastodon instance (the channel names which)."""

    name: ClassVar[str] = "mastodon"
    supports_lookup: ClassVar[bool] = True
    needs_connection: ClassVar[bool] = True
    #: No instance is "the" Mastodon: a channel must name its own.
    default_instance: ClassVar[str | None] = None
    supports_authorization: ClassVar[bool] = True
    connect_with: ClassVar[str] = "token"
    credential_hint: ClassVar[str] = (
        f"Make one on the instance under Preferences, Development, New application, with the "
        f"scopes {SCOPES}"
    )

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        credentials_changed: CredentialsChanged | None = None,
    ) -> None:
        super().__init__(settings, clock, credentials_changed)
        self.http = MastodonHttp(self.clock)
        self._lock = threading.Lock()
        self._limits: dict[str, _Cached] = {}
        # (instance, channel id or handle) -> the account id verify_credentials gave.
        self._account_ids: dict[tuple[str, str], str] = {}

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Refuse channel options: a Mastodon channel has none."""
        if options:
            raise ValidationFailed(
                f"Mastodon channels take no platform options; remove {', '.join(sorted(options))}",
                field="platform_options",
            )

    # ---- the rules -------------------------------------------------------------------------

    def validate(self, text: str, account: Account | None = None) -> TextCheck:
        """Measure the text by the account's instance's limits (a stock server's if unknown)."""
        url = account.instance_url if account is not None else None
        limits = self.limits(url.rstrip("/")) if url else Limits("Mastodon")
        return measure(text, limits)

    def limits(self, base: str) -> Limits:
        """Return the instance's status limits, asked for at most hourly; never fail."""
        return self._cached_limits(base).limits

    def _cached_limits(self, base: str) -> _Cached:
        now = self.clock.now()
        with self._lock:
            cached = self._limits.get(base)
        if cached is not None and cached.until > now:
            return cached
        try:
            answer = self.http.call("GET", base, "/api/v2/instance", timeout=LIMITS_TIMEOUT)
            found = _limits_of(answer, base) if answer.status == 200 else None
        except PlatformError:
            found = None
        if found is None:
            cached = _Cached(Limits(_host(base)), now + FALLBACK_TTL, asked=False)
        else:
            cached = _Cached(found, now + LIMITS_TTL, asked=True)
        with self._lock:
            self._limits[base] = cached
        return cached

    # ---- connecting ------------------------------------------------------------------------

    def connect(self, account: Account, secret: str) -> Connection:
        """Check an access token with the instance; return who it signs in as."""
        token = secret.strip()
        if not token:
            raise CredentialsRefused(f"Give the account's access token: {CREATE_ONE}")
        base = self.base_url(account)
        domain = self._instance_domain(base)
        me = self._verify(account, base, token, refused=_refused_token_at_connect)
        return Connection(
            account_name=f"@{me['username']}@{domain}", credentials={"access_token": token}
        )

    def check_connection(self, account: Account) -> Connection:
        """Ask the instance who the stored token signs in as; keep the stored credentials."""
        base = self.base_url(account)
        me = self._verify(account, base, _token(account), refused=_refused_stored_token)
        domain = self._instance_domain(base)
        return Connection(
            account_name=f"@{me['username']}@{domain}", credentials=dict(account.credentials)
        )

    def _instance_domain(self, base: str) -> str:
        """Return the instance's domain, refusing a URL where no Mastodon answers."""
        try:
            answer = self.http.call("GET", base, "/api/v2/instance")
        except Unreachable as error:
            raise PermanentError(
                f"No Mastodon instance answered at {base} ({error.message}): check the "
                "channel's instance URL (e.g. https://mastodon.social) and that it is online"
            ) from None
        found = _limits_of(answer, base) if answer.status == 200 else None
        if found is None:
            raise PermanentError(
                f"{base} does not answer as a Mastodon instance (GET /api/v2/instance gave "
                f"{answer.status} without Mastodon's JSON): check the channel's instance URL"
            )
        with self._lock:
            self._limits[base] = _Cached(found, self.clock.now() + LIMITS_TTL, asked=True)
        return found.domain

    def _verify(
        self,
        account: Account,
        base: str,
        token: str,
        *,
        refused: Callable[[Answer], CredentialsRefused],
    ) -> dict[str, Any]:
        answer = self.http.call("GET", base, "/api/v1/accounts/verify_credentials", token=token)
        if answer.status in (401, 403):
            raise refused(answer)
        me = answer.fields
        if answer.status != 200 or not me.get("id") or not me.get("username"):
            raise PermanentError(
                f"{base} did not say who the token signs in as ({answer.status} {answer.error}): "
                "check the channel's instance URL"
            )
        with self._lock:
            self._account_ids[_channel_key(base, account)] = str(me["id"])
        return me

    # ---- OAuth -----------------------------------------------------------------------------

    def start_authorization(self, account: Account, redirect_uri: str, state: str) -> Authorization:
        """Register Gatepost as an app on the instance; return its sign-in page (PKCE S256)."""
        base = self.base_url(account)
        body = {
            "client_name": "Gatepost",
            "redirect_uris": redirect_uri,
            "scopes": SCOPES,
            "website": self.settings.base_url or None,
        }
        try:
            answer = self.http.call("POST", base, "/api/v1/apps", json=body)
        except Unreachable as error:
            raise PermanentError(
                f"No Mastodon instance answered at {base} ({error.message}): check the "
                "channel's instance URL"
            ) from None
        app = answer.fields
        if answer.status != 200 or not app.get("client_id") or not app.get("client_secret"):
            raise PermanentError(
                f"{base} would not register Gatepost as an app ({answer.error}): check the "
                "channel's instance URL and the redirect address"
            )
        verifier, challenge = pkce_pair()
        query = {
            "response_type": "code",
            "client_id": str(app["client_id"]),
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return Authorization(
            url=f"{base}/oauth/authorize?{urlencode(query)}",
            kept={
                "client_id": str(app["client_id"]),
                "client_secret": str(app["client_secret"]),
                "code_verifier": verifier,
            },
        )

    def finish_authorization(
        self, account: Account, redirect_uri: str, code: str, kept: Mapping[str, str]
    ) -> Connection:
        """Trade the code for an access token, check who it signs in as, return what to keep."""
        base = self.base_url(account)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": kept.get("client_id", ""),
            "client_secret": kept.get("client_secret", ""),
            "code_verifier": kept.get("code_verifier", ""),
        }
        answer = self.http.call("POST", base, "/oauth/token", data=form)
        token = answer.fields.get("access_token")
        if answer.status != 200 or not isinstance(token, str) or not token:
            raise CredentialsRefused(
                f"Mastodon did not complete the sign-in ({answer.error}); start connecting the "
                "channel again"
            )
        me = self._verify(account, base, token, refused=_refused_stored_token)
        domain = self._instance_domain(base)
        return Connection(
            account_name=f"@{me['username']}@{domain}",
            credentials={
                "access_token": token,
                "client_id": form["client_id"],
                "client_secret": form["client_secret"],
            },
        )

    # ---- publishing ------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> Published:
        """Post the status (a reply when in a thread, with described images), at most once."""
        account = request.account
        base = self.base_url(account)
        token = _token(account)
        _check_descriptions(request.media)
        cached = self._cached_limits(base)
        check = measure(request.text, cached.limits)
        # Stock limits stand in for an instance that did not answer: let it judge then.
        if not check.valid and cached.asked:
            raise PermanentError(f"Mastodon would refuse the post: {check.problems[0]}")
        if self._idempotency_may_have_lapsed(request):
            found = self._find_before_sending(request)
            if found is not None:
                return found
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
        answer = self.http.call(
            "POST",
            base,
            "/api/v1/statuses",
            token=token,
            sends_post=True,
            headers={"Idempotency-Key": request.idempotency_key},
            json=body,
        )
        status = answer.fields
        if answer.status == 200 and status.get("id"):
            return self._published(status)
        raise self._refused(answer, "the post")

    def _idempotency_may_have_lapsed(self, request: PublishRequest) -> bool:
        first = request.first_tried_at
        return first is not None and self.clock.now() - first > IDEMPOTENCY_TRUSTED

    def _find_before_sending(self, request: PublishRequest) -> Published | None:
        """Look for a post first tried over 50 minutes ago, before its key may be forgotten."""
        try:
            return self._find(request)
        except (TransientError, PermanentError):
            raise
        except PlatformError as error:
            # Too many statuses to read: whether it went out then is for the look-up to say.
            raise OutcomeUnknown(f"Cannot tell whether Mastodon has the post: {error}") from None

    def _upload(self, base: str, token: str, item: MediaItem) -> str:
        """Upload one image with its description; wait until it is processed; return its id."""
        try:
            content = item.path.read_bytes()
        except OSError as error:
            raise PermanentError(
                f"The image {item.path.name} cannot be read from the media folder "
                f"({error.strerror}); attach it again"
            ) from None
        answer = self.http.call(
            "POST",
            base,
            "/api/v2/media",
            token=token,
            bucket=BUCKET_MEDIA,
            files={"file": (item.path.name, content, item.content_type)},
            data={"description": item.alt_text.strip()},
        )
        media = answer.fields
        if answer.status not in (200, 202) or not media.get("id"):
            raise self._refused(answer, f"the image {item.path.name}")
        media_id = str(media["id"])
        deadline = time.monotonic() + MEDIA_WAIT
        pause = 0.1
        while answer.status in (202, 206) or not media.get("url"):
            if time.monotonic() + pause > deadline:
                raise TransientError(
                    f"Mastodon was still processing the image {item.path.name} after "
                    f"{MEDIA_WAIT:.0f} s; trying again later"
                )
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
            answer = self.http.call("GET", base, f"/api/v1/media/{media_id}", token=token)
            if answer.status not in (200, 206):
                raise self._refused(answer, f"the image {item.path.name}")
            media = answer.fields
        return media_id

    def lookup(self, request: PublishRequest) -> Published | None:
        """Return the account's status with the request's text (and reply target), if any.

        Reads back to a few minutes before the first try; raise PlatformError if it cannot tell.
        """
        try:
            return self._find(request)
        except CredentialsRefused:
            raise
        except PlatformError as error:
            raise PlatformError(
                f"Cannot tell whether Mastodon has the post: reading the account's statuses "
                f"failed ({error.message})"
            ) from None

    def _find(self, request: PublishRequest) -> Published | None:
        account = request.account
        base = self.base_url(account)
        token = _token(account)
        wanted = comparable(request.text)
        since = request.first_tried_at - LOOKUP_MARGIN if request.first_tried_at else None
        for status in self._statuses(account, base, token):
            created = _parse_instant(status.get("created_at"))
            if since is not None and created is not None and created < since:
                return None
            if status.get("reblog"):
                continue
            if request.reply_to and str(status.get("in_reply_to_id")) != request.reply_to:
                continue
            if _status_text(status) == wanted:
                return self._published(status)
        return None

    def _statuses(self, account: Account, base: str, token: str) -> Iterator[dict[str, Any]]:
        """Yield the account's statuses, newest first; raise PlatformError past MAX_PAGES."""
        account_id = self._account_id(account, base, token)
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        for _ in range(MAX_PAGES):
            answer = self.http.call(
                "GET", base, f"/api/v1/accounts/{account_id}/statuses", token=token, params=params
            )
            if answer.status != 200 or not isinstance(answer.body, list):
                raise self._refused(answer, "reading the account's statuses")
            page = [status for status in answer.body if isinstance(status, dict)]
            if not page:
                return
            yield from page
            params["max_id"] = str(page[-1]["id"])
        raise PlatformError(
            f"the account has more than {MAX_PAGES * PAGE_SIZE} statuses since the post was "
            "first tried, more than a look-up reads"
        )

    def _account_id(self, account: Account, base: str, token: str) -> str:
        with self._lock:
            known = self._account_ids.get(_channel_key(base, account))
        if known is not None:
            return known
        return str(self._verify(account, base, token, refused=_refused_stored_token)["id"])

    def delete(self, account: Account, external_id: str) -> None:
        """Delete a status from the instance."""
        base = self.base_url(account)
        answer = self.http.call(
            "DELETE",
            base,
            f"/api/v1/statuses/{external_id}",
            token=_token(account),
            bucket=BUCKET_DELETE,
        )
        if answer.status == 404:
            raise PermanentError("Mastodon has no such post (it may have been deleted already)")
        if answer.status != 200:
            raise self._refused(answer, f"deleting status {external_id}")

    def _published(self, status: Mapping[str, Any]) -> Published:
        created = _parse_instant(status.get("created_at"))
        return Published(external_id=str(status["id"]), published_at=created or self.clock.now())

    @staticmethod
    def _refused(answer: Answer, what: str) -> PlatformError:
        """Return the error for an answer that is not what was asked for."""
        if answer.status == 401 or (answer.status == 403 and _about_the_token(answer)):
            return _refused_stored_token(answer)
        if answer.status == 422:
            return PermanentError(f"Mastodon refused {what}: {answer.error}")
        return PermanentError(f"Mastodon refused {what}: {answer.status} {answer.error}")


def _about_the_token(answer: Answer) -> bool:
    words = answer.error.lower()
    return any(word in words for word in ("token", "scope", "revoked", "invalid"))


def _refused_stored_token(answer: Answer) -> CredentialsRefused:
    return CredentialsRefused(
        f"Mastodon refused the channel's access token: {answer.error}; {RECONNECT}"
    )


def _refused_token_at_connect(answer: Answer) -> CredentialsRefused:
    return CredentialsRefused(f"Mastodon refused the token: {answer.error}; {CREATE_ONE}")


def _token(account: Account) -> str:
    token = account.credentials.get("access_token")
    if not token:
        raise CredentialsRefused(
            f"The channel {account.handle} has no Mastodon access token stored; {RECONNECT}"
        )
    return token


def _channel_key(base: str, account: Account) -> tuple[str, str]:
    who = str(account.channel_id) if account.channel_id is not None else account.handle
    return base, who


def _check_descriptions(media: tuple[MediaItem, ...]) -> None:
    """Refuse images without a description (alt text) before anything is sent."""
    for number, item in enumerate(media, start=1):
        if not item.alt_text.strip():
            raise PermanentError(
                f"Image {number} ({item.path.name}) has no alt text: describe the image for "
                "people who cannot see it, then try again"
            )


def _limits_of(answer: Answer, base: str) -> Limits | None:
    """Return the limits an instance's GET /api/v2/instance states, or None if it is not one."""
    instance = answer.fields
    configuration = instance.get("configuration")
    if not isinstance(configuration, dict):
        return None
    statuses = configuration.get("statuses")
    statuses = statuses if isinstance(statuses, dict) else {}
    domain = instance.get("domain")
    return Limits(
        domain=domain if isinstance(domain, str) and domain else _host(base),
        max_characters=_positive(statuses.get("max_characters"), DEFAULT_MAX_CHARACTERS),
        characters_reserved_per_url=_positive(statuses.get("characters_reserved_per_url"), 23),
    )


def _positive(value: object, default: int) -> int:
    return value if isinstance(value, int) and value > 0 else default


def _host(base: str) -> str:
    return urlsplit(base).hostname or base


def _status_text(status: Mapping[str, Any]) -> str:
    text = status.get("text")
    if isinstance(text, str) and text:
        return comparable(text)
    content = status.get("content")
    return comparable_content(content) if isinstance(content, str) else ""


def _parse_instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None
