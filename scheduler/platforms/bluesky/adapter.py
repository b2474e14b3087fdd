"""The Bluesky adapter: app-password sessions, posts under chosen record keys, threads, images.

A channel connects with `handle app-password` (com.atproto.server.createSession); Gatepost keeps
the DID, handle and token pair, refreshes the pair before the access token expires (or when the
PDS answers ExpiredToken) and hands every rotated pair to `credentials_changed` (see sessions).

Exactly once: each post is created under a record key derived from its idempotency key
(record_keys), so a retry names the same record. When an answer is lost or is a 5xx (the PDS
answers a bare 500 when the key already holds a record), getRecord decides: the record is there
(published) or RecordNotFound (not published, safe to send again). Only when getRecord cannot
answer either is the outcome unknown.

Threads: the external id of a post carries its own strong ref and its thread root's
(post_ids), so a reply builds both refs from its parent's id alone.

The HTTP calls are made with httpx against the XRPC endpoints rather than through the `atproto`
SDK: Gatepost must choose the record key, read the error names (ExpiredToken, RecordNotFound,
InvalidRequest) and headers (RateLimit-Reset) of each answer, tell a refused call from a lost
answer, and bound every call's time, and all of that is a few lines over httpx.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, TypeVar

from config import Settings
from scheduler.core.clock import Clock
from scheduler.core.errors import ValidationFailed
from scheduler.platforms.base import (
    Account,
    Connection,
    CredentialsChanged,
    CredentialsRefused,
    OutcomeUnknown,
    PermanentError,
    Platform,
    PlatformError,
    Published,
    PublishRequest,
    TextCheck,
    TransientError,
)
from scheduler.platforms.bluesky.client import XrpcClient, XrpcError, XrpcUnreachable
from scheduler.platforms.bluesky.facets import facets_for
from scheduler.platforms.bluesky.images import ImageFile, images_embed, read_images
from scheduler.platforms.bluesky.post_ids import (
    POST_COLLECTION,
    StrongRef,
    UnreadablePostId,
    format_post_id,
    location_of_record,
    parse_post_id,
)
from scheduler.platforms.bluesky.record_keys import record_key
from scheduler.platforms.bluesky.sessions import Session, Sessions
from scheduler.platforms.bluesky.text import measure

log = logging.getLogger(__name__)

T = TypeVar("T")

CREATE_SESSION = "com.atproto.server.createSession"
REFRESH_SESSION = "com.atproto.server.refreshSession"
GET_SESSION = "com.atproto.server.getSession"
RESOLVE_HANDLE = "com.atproto.identity.resolveHandle"
CREATE_RECORD = "com.atproto.repo.createRecord"
GET_RECORD = "com.atproto.repo.getRecord"
DELETE_RECORD = "com.atproto.repo.deleteRecord"
UPLOAD_BLOB = "com.atproto.repo.uploadBlob"

#: Refresh a session this long before its access token expires (they live two hours).
REFRESH_MARGIN = timedelta(minutes=5)
CONNECT_HELP = "create an app password under Settings > Privacy and security > App passwords"
RECONNECT_HELP = "reconnect the channel with a new app password"
_REFUSED_TOKEN = frozenset(
    {"AuthMissing", "InvalidToken", "AuthenticationRequired", "ExpiredToken"}
)
_ACCOUNT_STOPPED = frozenset({"AccountTakedown", "AccountDeactivated", "AccountSuspended"})


class BlueskyPlatform(Platform):
    """Publish to a Bluesky account on its PDS (bsky.social unless the channel names another)."""

    name: ClassVar[str] = "bluesky"
    supports_lookup: ClassVar[bool] = True
    needs_connection: ClassVar[bool] = True
    default_instance: ClassVar[str | None] = "https://bsky.social"
    #: An admin connects a channel with its handle and an app password.
    connect_with: ClassVar[str] = "handle_and_password"
    credential_hint: ClassVar[str] = (
        "Make one in the account's settings under App passwords; never the account's own password"
    )
    #: Bluesky allows an account 5,000 write points an hour and 35,000 a day; a post costs 3
    #: (https://docs.bsky.app/docs/advanced-guides/rate-limits), so 1,666 posts an hour. 25 a
    #: minute stays under that with room for deletes (1 point) and retries, and sends a 25-post
    #: thread in a minute on each of a channel and its twin (each is its own account). Only a
    #: channel posting at full pace for nearly 8 hours would meet the daily limit; a 429 then
    #: says when to try again.
    rate_limit_per_minute: ClassVar[int | None] = 25

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        credentials_changed: CredentialsChanged | None = None,
    ) -> None:
        super().__init__(settings, clock, credentials_changed)
        self.client = XrpcClient()
        self.sessions = Sessions()

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Refuse channel options: a Bluesky channel has none."""
        if options:
            raise ValidationFailed(
                f"Bluesky channels take no platform options; remove {', '.join(sorted(options))}",
                field="platform_options",
            )

    def validate(self, text: str, account: Account | None = None) -> TextCheck:
        """Measure the text in graphemes and UTF-8 bytes, as Bluesky does."""
        return measure(text)

    # ---- connecting --------------------------------------------------------------------------

    def connect(self, account: Account, secret: str) -> Connection:
        """Sign in with `handle app-password`; return the session to keep."""
        handle, password = _read_secret(secret)
        base = self.base_url(account)
        try:
            answer = self.client.procedure(
                base, CREATE_SESSION, body={"identifier": handle, "password": password}
            )
        except XrpcUnreachable as error:
            if error.sent:
                raise TransientError(f"{error.detail}; try connecting again") from None
            raise PermanentError(
                f"No Bluesky server answered at {base} ({error.detail}): check the channel's "
                "server URL (https://bsky.social for most accounts)"
            ) from None
        except XrpcError as error:
            raise self._connect_refusal(error, handle, base) from None
        session = Session.from_answer(answer)
        self.sessions.remember(account, base, session)
        return Connection(
            account_name=f"@{session.handle}",
            credentials=session.credentials(),
            expires_at=session.access_expires_at,
        )

    def _connect_refusal(self, error: XrpcError, handle: str, base: str) -> PlatformError:
        if error.status == 404 or error.error in ("NotXrpc", "MethodNotImplemented"):
            return PermanentError(
                f"{base} is not a Bluesky server ({error.message}): check the channel's server "
                "URL (https://bsky.social for most accounts)"
            )
        if error.error == "AuthFactorTokenRequired":
            return CredentialsRefused(
                f"Bluesky asked for a sign-in code for @{handle}, so that was the account "
                f"password, not an app password: {CONNECT_HELP}"
            )
        if error.status == 401 or error.error in _REFUSED_TOKEN:
            return CredentialsRefused(
                f"Bluesky refused the app password for @{handle}: {error.message}; {CONNECT_HELP}"
            )
        if error.error in _ACCOUNT_STOPPED:
            return CredentialsRefused(f"Bluesky refused @{handle}: {error.message}")
        return self._failure(error, f"signing in as @{handle}", Account(handle))

    def check_connection(self, account: Account) -> Connection:
        """Ask the PDS who the stored session signs in as, refreshing it first if due."""
        base = self.base_url(account)
        try:
            answer, session = self._authed(
                account,
                base,
                lambda s: self.client.query(base, GET_SESSION, {}, token=s.access_jwt),
            )
        except XrpcUnreachable as error:
            raise TransientError(f"Bluesky did not answer: {error.detail}") from None
        except XrpcError as error:
            raise self._failure(error, "checking the connection", account) from None
        handle = str(answer.get("handle") or session.handle)
        current = Session(session.did, handle, session.access_jwt, session.refresh_jwt)
        return Connection(
            account_name=f"@{handle}",
            credentials=current.credentials(),
            expires_at=current.access_expires_at,
        )

    # ---- sessions ----------------------------------------------------------------------------

    def _session(self, account: Account, base: str) -> Session:
        return self.sessions.current(account, base, self._refresh, self._due)

    def _due(self, session: Session) -> bool:
        expires = session.access_expires_at
        return expires is not None and expires - self.clock.now() <= REFRESH_MARGIN

    def _refresh(self, account: Account, session: Session) -> Session:
        """Trade the refresh token for a new pair, and have the new pair stored."""
        base = self.base_url(account)
        try:
            answer = self.client.procedure(base, REFRESH_SESSION, token=session.refresh_jwt)
        except XrpcUnreachable as error:
            raise TransientError(
                f"Bluesky did not answer a session refresh: {error.detail}"
            ) from None
        except XrpcError as error:
            if error.status == 401 or error.error in _REFUSED_TOKEN:
                raise CredentialsRefused(
                    f"Bluesky no longer accepts the session stored for {_who(account, session)} "
                    f"({error.message}): {RECONNECT_HELP}"
                ) from None
            raise self._failure(error, "refreshing the session", account) from None
        renewed = Session.from_answer(answer)
        if self.credentials_changed is not None:
            try:
                self.credentials_changed(account, renewed.credentials())
            except Exception:
                # The pair in memory still works; only a restart would need the stored one.
                log.exception(
                    "storing the refreshed Bluesky session of channel %s failed", account.handle
                )
        return renewed

    def _authed(
        self, account: Account, base: str, call: Callable[[Session], T]
    ) -> tuple[T, Session]:
        """Make a call with the channel's session, refreshing once if the token expired."""
        session = self._session(account, base)
        try:
            return call(session), session
        except XrpcError as error:
            if error.error != "ExpiredToken":
                raise
        session = self.sessions.renew(account, base, session, self._refresh)
        return call(session), session

    # ---- publishing --------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> Published:
        """Create the post under its record key; a lost answer is settled by getRecord."""
        account = request.account
        base = self.base_url(account)
        check = measure(request.text)
        if not check.valid:
            raise PermanentError(f"Bluesky would refuse the post: {check.problems[0]}")
        images = read_images(request.media)
        session = self._session(account, base)
        parent_root = self._reply_refs(base, request.reply_to) if request.reply_to else None
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": request.text,
            "createdAt": _timestamp(self.clock.now()),
            "langs": [account.language],
        }
        facets = facets_for(request.text, lambda handle: self._resolve(base, handle))
        if facets:
            record["facets"] = facets
        if parent_root is not None:
            parent, root = parent_root
            record["reply"] = {"root": root.as_json(), "parent": parent.as_json()}
        if images:
            record["embed"] = self._upload(account, base, images)
        rkey = record_key(request.idempotency_key)

        def create(current: Session) -> dict[str, Any]:
            body = {"repo": current.did, "collection": POST_COLLECTION, "rkey": rkey}
            return self.client.procedure(
                base, CREATE_RECORD, body={**body, "record": record}, token=current.access_jwt
            )

        try:
            answer, session = self._authed(account, base, create)
        except XrpcUnreachable as error:
            if not error.sent:
                raise TransientError(f"Bluesky could not be reached: {error.detail}") from None
            return self._settle(request, base, session.did, rkey, error.detail)
        except XrpcError as error:
            if error.status >= 500:
                # A failure after the write, or the key already holds the post (a bare 500).
                return self._settle(request, base, session.did, rkey, _describe(error))
            raise self._failure(error, "the post", account) from None
        post = StrongRef(str(answer["uri"]), str(answer["cid"]))
        root = parent_root[1] if parent_root is not None else post
        return Published(external_id=format_post_id(post, root), published_at=self.clock.now())

    def _settle(
        self, request: PublishRequest, base: str, did: str, rkey: str, why: str
    ) -> Published:
        """Ask getRecord whether an unanswered create happened."""
        try:
            found = self._get_post(base, did, rkey)
        except (XrpcError, XrpcUnreachable) as error:
            raise OutcomeUnknown(
                f"Bluesky did not confirm the post ({why}), and asking for it failed too: {error}"
            ) from None
        if found is None:
            raise TransientError(f"Bluesky did not take the post ({why}); it goes again")
        return self._published(found, request)

    def lookup(self, request: PublishRequest) -> Published | None:
        """Return the post created under the request's record key, or None if there is none."""
        account = request.account
        base = self.base_url(account)
        did = account.credentials.get("did") or Session.from_credentials(account).did
        try:
            found = self._get_post(base, did, record_key(request.idempotency_key))
        except XrpcUnreachable as error:
            raise TransientError(f"Bluesky did not answer: {error.detail}") from None
        except XrpcError as error:
            raise self._failure(error, "looking the post up", account) from None
        return None if found is None else self._published(found, request)

    def _get_post(self, base: str, repo: str, rkey: str) -> dict[str, Any] | None:
        return self._get_record(base, repo, POST_COLLECTION, rkey)

    def _get_record(
        self, base: str, repo: str, collection: str, rkey: str
    ) -> dict[str, Any] | None:
        """Return a record (getRecord is public), or None when the PDS says RecordNotFound."""
        params = {"repo": repo, "collection": collection, "rkey": rkey}
        try:
            return self.client.query(base, GET_RECORD, params)
        except XrpcError as error:
            if error.error == "RecordNotFound":
                return None
            raise

    def _published(self, found: dict[str, Any], request: PublishRequest) -> Published:
        value = found.get("value") or {}
        if value.get("text") != request.text:
            raise PermanentError(
                f"The record {found.get('uri')} that Gatepost's key for this post names holds a "
                "different text on Bluesky; check the channel before retrying"
            )
        own, root = location_of_record(found)
        return Published(
            external_id=format_post_id(own, root),
            published_at=_parse_timestamp(value.get("createdAt")) or self.clock.now(),
        )

    def _reply_refs(self, base: str, reply_to: str) -> tuple[StrongRef, StrongRef]:
        """Return the (parent, root) strong refs of a reply to the post with that id."""
        try:
            location = parse_post_id(reply_to)
        except UnreadablePostId as error:
            raise PermanentError(
                f"The post this one replies to has no Bluesky id: {error}"
            ) from None
        refs = location.refs()
        if refs is not None:
            return refs
        try:
            found = self._get_record(base, location.repo, location.collection, location.rkey)
        except XrpcUnreachable as error:
            raise TransientError(f"Bluesky did not answer: {error.detail}") from None
        except XrpcError as error:
            raise self._failure(
                error, "the post this one replies to", Account(location.repo)
            ) from None
        if found is None:
            raise PermanentError(
                f"The post this one replies to ({location.uri}) is no longer on Bluesky"
            )
        return location_of_record(found)

    def _resolve(self, base: str, handle: str) -> str | None:
        """Return the DID of a mentioned handle, or None when it does not resolve."""
        try:
            answer = self.client.query(base, RESOLVE_HANDLE, {"handle": handle})
        except XrpcUnreachable as error:
            raise TransientError(f"Bluesky did not resolve @{handle}: {error.detail}") from None
        except XrpcError as error:
            if error.status == 400:
                return None  # HandleNotFound, or not a handle: the mention stays plain text
            raise self._failure(error, f"resolving @{handle}", Account(handle)) from None
        did = answer.get("did")
        return did if isinstance(did, str) and did.startswith("did:") else None

    def _upload(self, account: Account, base: str, images: list[ImageFile]) -> dict[str, Any]:
        uploaded = []
        for image in images:

            def upload(current: Session, image: ImageFile = image) -> dict[str, Any]:
                return self.client.procedure(
                    base,
                    UPLOAD_BLOB,
                    content=image.content,
                    content_type=image.item.content_type,
                    token=current.access_jwt,
                )

            try:
                answer, _ = self._authed(account, base, upload)
            except XrpcUnreachable as error:
                raise TransientError(f"Bluesky did not take an image: {error.detail}") from None
            except XrpcError as error:
                raise self._failure(error, f"the image {image.item.path.name}", account) from None
            uploaded.append((image, answer["blob"]))
        return images_embed(uploaded)

    def delete(self, account: Account, external_id: str) -> None:
        """Delete the post's record (deleting one already gone succeeds)."""
        base = self.base_url(account)
        try:
            location = parse_post_id(external_id)
        except UnreadablePostId as error:
            raise PermanentError(f"Cannot delete the post: {error}") from None
        session = self._session(account, base)
        if location.repo.startswith("did:") and location.repo != session.did:
            raise PermanentError(
                f"The post {location.uri} belongs to another Bluesky account than "
                f"@{session.handle}; delete it there"
            )

        def remove(current: Session) -> dict[str, Any]:
            body = {"repo": current.did, "collection": location.collection, "rkey": location.rkey}
            return self.client.procedure(base, DELETE_RECORD, body=body, token=current.access_jwt)

        try:
            self._authed(account, base, remove)
        except XrpcUnreachable as error:
            raise TransientError(f"Bluesky did not answer: {error.detail}") from None
        except XrpcError as error:
            raise self._failure(error, "deleting the post", account) from None

    # ---- errors ------------------------------------------------------------------------------

    def _failure(self, error: XrpcError, what: str, account: Account) -> PlatformError:
        """Return the Gatepost error for an XRPC error that settles nothing."""
        if error.status == 429:
            wait = self._retry_after(error.headers)
            when = f"; retry in {wait:.0f} s" if wait is not None else ""
            return TransientError(
                f"Bluesky rate limit on {what} ({error.message}){when}", retry_after=wait
            )
        if error.status >= 500:
            return TransientError(f"Bluesky failed on {what}: {_describe(error)}")
        if error.status == 401 or error.error in _REFUSED_TOKEN:
            return CredentialsRefused(
                f"Bluesky refused the session stored for {account.handle} ({error.message}): "
                f"{RECONNECT_HELP}"
            )
        if error.error in _ACCOUNT_STOPPED:
            return PermanentError(f"Bluesky refused {what}: {error.message}")
        if error.error == "InvalidRequest":
            return PermanentError(f"Bluesky refused {what}: {error.message}")
        return PermanentError(f"Bluesky refused {what}: {error.error}: {error.message}")

    def _retry_after(self, headers: Mapping[str, str]) -> float | None:
        """Return seconds to wait from Retry-After, or from RateLimit-Reset (Unix seconds)."""
        retry_after = headers.get("retry-after")
        if retry_after:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                try:
                    when = parsedate_to_datetime(retry_after)
                except (TypeError, ValueError):
                    when = None
                if when is not None and when.tzinfo is not None:
                    return max(0.0, (when - self.clock.now()).total_seconds())
        reset = headers.get("ratelimit-reset")
        if reset:
            try:
                return max(0.0, float(reset) - self.clock.now().timestamp())
            except ValueError:
                return None
        return None


def _read_secret(secret: str) -> tuple[str, str]:
    """Split `handle app-password`, refusing anything else with the form expected."""
    parts = secret.strip().split()
    if len(parts) != 2 or "\n" in secret.strip():
        raise CredentialsRefused(
            "Give the Bluesky handle and an app password on one line, separated by a space: "
            "`yourname.bsky.social xxxx-xxxx-xxxx-xxxx`"
        )
    handle, password = parts
    handle = handle.removeprefix("@")
    if "." not in handle and not handle.startswith("did:"):
        raise CredentialsRefused(
            f"{handle!r} is not a Bluesky handle: give the full handle, e.g. "
            f"`{handle}.bsky.social xxxx-xxxx-xxxx-xxxx`"
        )
    return handle, password


def _who(account: Account, session: Session) -> str:
    return f"@{session.handle}" if session.handle else account.handle


def _describe(error: XrpcError) -> str:
    return f"{error.status} {error.error}: {error.message}"


def _timestamp(instant: datetime) -> str:
    """Return an instant as the UTC ISO 8601 datetime lexicons expect (milliseconds, Z)."""
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None
