"""The `x` platform: X API v2, connected through OAuth 2.0 with PKCE, exactly once by look-up.

X takes no idempotency key. After an answer is lost (or X fails after the post was sent), and
before any retry of such a post, the account's recent posts are searched for it (see `recent`).
X's refusal of duplicate text is read the same way: the post is probably there already; found,
it is published; not found, a person must look (the post goes to `unknown`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

from config import Settings
from scheduler.core.clock import Clock
from scheduler.platforms.base import (
    Account,
    Authorization,
    Connection,
    Credentials,
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
from scheduler.platforms.x.client import DUPLICATE_DETAIL, Answer, XHttp
from scheduler.platforms.x.recent import MAX_PAGES, PAGE_SIZE, TWEET_FIELDS, Found, Search
from scheduler.platforms.x.tokens import RECONNECT, Tokens, at_handle, expiry_of
from scheduler.platforms.x_text import measure, surely_valid

#: What Gatepost asks X to allow: post, read back (for look-ups), upload images, and stay signed
#: in (offline.access: without it X gives no refresh token and the connection lapses in 2 h).
SCOPES = "tweet.read tweet.write users.read media.write offline.access"
#: X's limit on an image description.
MAX_ALT_TEXT = 1000
_NOT_PERMITTED = "not-authorized-for-resource"


def pkce_pair() -> tuple[str, str]:
    """Return a PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class XPlatform(Platform):
    """X (formerly Twitter) through its API v2.

    X's create call has no language field (it detects the language itself), so the channel's
    language is not sent. Pacing is X's own: every answer's x-rate-limit-remaining and
    x-rate-limit-reset are kept per account, and a call that would go over the window (200
    creates per 15 minutes per user) is not made but retried when it resets. The per-minute
    pacer would space a 25-post release thread over two minutes, though X takes it at once.
    """

    name: ClassVar[str] = "x"
    supports_lookup: ClassVar[bool] = True
    needs_connection: ClassVar[bool] = True
    default_instance: ClassVar[str | None] = "https://api.x.com"
    supports_authorization: ClassVar[bool] = True

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        credentials_changed: CredentialsChanged | None = None,
    ) -> None:
        super().__init__(settings, clock, credentials_changed)
        self.http = XHttp()
        self.tokens = Tokens(self.http, settings.x, self._store)
        self._lock = threading.Lock()
        # Posts whose fate X left unknown: looked for before they are sent again.
        self._unsure: set[str] = set()
        # Posts X refused as duplicates that no look-up found: why a person must check.
        self._unfound: dict[str, str] = {}

    def _store(self, account: Account, credentials: Credentials) -> None:
        if self.credentials_changed is not None:
            self.credentials_changed(account, credentials)

    # ---- the rules -------------------------------------------------------------------------

    def validate(self, text: str, account: Account | None = None) -> TextCheck:
        """Measure the text as X does (twitter-text v3: links 23, most CJK and emoji double)."""
        return measure(text)

    # ---- publishing ------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> Published:
        """Publish one post (a reply when in a thread, with described images), at most once."""
        if not surely_valid(request.text):
            check = measure(request.text)
            if not check.valid:
                raise PermanentError(f"X would refuse the post: {check.problems[0]}")
        _check_descriptions(request.media)
        key = request.idempotency_key
        if self._is_unsure(key):
            found = self._find_or_unknown(request)
            if found is not None:
                return self._settled(key, found)
        account = request.account
        media_ids = [self._upload(account, item) for item in request.media]
        body: dict[str, Any] = {"text": request.text}
        if request.reply_to:
            body["reply"] = {"in_reply_to_tweet_id": request.reply_to}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        try:
            answer = self._api(
                account, "POST", "/2/tweets", bucket="tweets.create", sends_post=True, json=body
            )
        except OutcomeUnknown:
            with self._lock:
                self._unsure.add(key)
            raise
        if answer.status in (200, 201) and isinstance(answer.data, dict):
            with self._lock:
                self._unsure.discard(key)
                self._unfound.pop(key, None)
            return Published(external_id=str(answer.data["id"]), published_at=self.clock.now())
        if answer.status == 403 and answer.detail == DUPLICATE_DETAIL:
            return self._duplicate(request)
        raise self._refused(answer, account, "the post")

    def _duplicate(self, request: PublishRequest) -> Published:
        """Read X's duplicate refusal as "it is there already", if a look-up finds it."""
        found = self._find_or_unknown(request)
        if found is not None:
            return self._settled(request.idempotency_key, found)
        since = (
            f" since {request.first_tried_at:%Y-%m-%d %H:%M} UTC" if request.first_tried_at else ""
        )
        why = (
            f"X refused the post as a duplicate of one @{request.channel} already has, but no "
            f"post with this text is among the account's posts{since}: check the account on X"
        )
        with self._lock:
            self._unfound[request.idempotency_key] = why
        # The publisher asks lookup() next, which says why; the post waits for a person.
        raise OutcomeUnknown(why)

    def lookup(self, request: PublishRequest) -> Published | None:
        """Return the account's post with the request's text (and reply target), if X has it.

        Searches back to when Gatepost first tried; raise PlatformError when it cannot tell.
        """
        found = self._find(request)
        if found is not None:
            return self._settled(request.idempotency_key, found)
        with self._lock:
            why = self._unfound.get(request.idempotency_key)
        if why is not None:
            raise PlatformError(why)
        return None

    def delete(self, account: Account, external_id: str) -> None:
        """Remove a published post from X."""
        answer = self._api(account, "DELETE", f"/2/tweets/{external_id}", bucket="tweets.delete")
        if answer.status != 200:
            raise self._refused(answer, account, f"deleting post {external_id}")
        if not (isinstance(answer.data, dict) and answer.data.get("deleted")):
            raise PermanentError(
                f"X has no post {external_id} on {at_handle(account)} to delete; it may have been "
                "deleted already"
            )

    def _is_unsure(self, key: str) -> bool:
        with self._lock:
            return key in self._unsure or key in self._unfound

    def _settled(self, key: str, found: Found) -> Published:
        with self._lock:
            self._unsure.discard(key)
            self._unfound.pop(key, None)
        return Published(external_id=found.id, published_at=found.created_at)

    def _find_or_unknown(self, request: PublishRequest) -> Found | None:
        """Look for the post before sending; a look-up that cannot tell leaves it unknown."""
        try:
            return self._find(request)
        except (TransientError, PermanentError):
            raise
        except PlatformError as error:
            with self._lock:
                self._unfound[request.idempotency_key] = error.message
            raise OutcomeUnknown(error.message) from None

    def _find(self, request: PublishRequest) -> Found | None:
        account = request.account
        user_id = self._user_id(account)
        search = Search(request.text, request.reply_to, request.first_tried_at)
        found, complete = search.scan(self._pages(account, user_id, request.first_tried_at))
        if found is None and not complete:
            raise PlatformError(
                f"Cannot tell whether X has the post: {at_handle(account)} has more than "
                f"{MAX_PAGES * PAGE_SIZE} posts since it was first tried, more than a look-up reads"
            )
        return found

    def _pages(
        self, account: Account, user_id: str, since: datetime | None
    ) -> Iterator[list[dict[str, Any]]]:
        params: dict[str, str | int] = {"max_results": PAGE_SIZE, "tweet.fields": TWEET_FIELDS}
        if since is not None:
            start = since - timedelta(minutes=10)
            params["start_time"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        for _ in range(MAX_PAGES):
            answer = self._api(
                account, "GET", f"/2/users/{user_id}/tweets", bucket="users.tweets", params=params
            )
            if answer.status != 200:
                raise self._refused(answer, account, "reading the account's posts")
            data = answer.data
            page = (
                [post for post in data if isinstance(post, dict)] if isinstance(data, list) else []
            )
            if page:
                yield page
            token = (answer.body.get("meta") or {}).get("next_token")
            if not token:
                yield []
                return
            params["pagination_token"] = str(token)

    # ---- images ----------------------------------------------------------------------------

    def _upload(self, account: Account, item: MediaItem) -> str:
        """Upload one image and attach its description; return X's media id."""
        try:
            content = item.path.read_bytes()
        except OSError as error:
            raise PermanentError(
                f"The image {item.path.name} cannot be read from the media folder "
                f"({error.strerror}); attach it again"
            ) from None
        category = "tweet_gif" if item.content_type == "image/gif" else "tweet_image"
        answer = self._api(
            account,
            "POST",
            "/2/media/upload",
            bucket="media",
            files={"media": (item.path.name, content, item.content_type)},
            data={"media_category": category},
        )
        if answer.status != 200 or not isinstance(answer.data, dict):
            raise self._refused(answer, account, f"the image {item.path.name}")
        media_id = str(answer.data["id"])
        described = self._api(
            account,
            "POST",
            "/2/media/metadata",
            bucket="media",
            json={"id": media_id, "metadata": {"alt_text": {"text": item.alt_text.strip()}}},
        )
        if described.status != 200:
            raise self._refused(described, account, f"the description of {item.path.name}")
        return media_id

    # ---- connecting ------------------------------------------------------------------------

    def connect(self, account: Account, secret: str) -> Connection:
        """Refuse: X channels connect only through X's sign-in page."""
        raise PermanentError(
            "X channels connect through X's own sign-in page, not with a token: open the "
            "channel's page in Gatepost's web interface and choose Connect to X"
        )

    def check_connection(self, account: Account) -> Connection:
        """Ask X who the stored credentials sign in as, refreshing them first if due."""
        me = self._me(account)
        credentials = {
            **self.tokens.current(account),
            "user_id": str(me["id"]),
            "username": str(me["username"]),
        }
        return Connection(
            account_name=f"@{me['username']}",
            credentials=credentials,
            expires_at=expiry_of(credentials),
        )

    def authorize_url(self, account: Account) -> str:
        """Return where people sign in to X for this channel.

        The public API's channels use the `[x] authorize_url` setting (X's own page at x.com); a
        channel naming another server (a local X emulator in tests) signs in on that server.
        """
        base = self.base_url(account)
        if base == (self.default_instance or "").rstrip("/"):
            return self.settings.x.authorize_url
        return f"{base}/i/oauth2/authorize"

    def start_authorization(self, account: Account, redirect_uri: str, state: str) -> Authorization:
        """Return X's sign-in page for the channel, with a fresh PKCE challenge."""
        if not self.settings.x.configured:
            raise PermanentError(
                "Gatepost has no X app to sign in with: an operator must set x.client_id and "
                "x.client_secret (GATEPOST_X_CLIENT_ID, GATEPOST_X_CLIENT_SECRET)"
            )
        verifier, challenge = pkce_pair()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.x.client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPES,
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return Authorization(
            url=f"{self.authorize_url(account)}?{query}", kept={"code_verifier": verifier}
        )

    def finish_authorization(
        self, account: Account, redirect_uri: str, code: str, kept: Mapping[str, str]
    ) -> Connection:
        """Exchange X's code (with the PKCE verifier) for tokens, and ask X whose they are."""
        answer = self.tokens.token_call(
            self._token_url(account),
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": kept.get("code_verifier", ""),
            },
            caller=str(Tokens.key(account)),
        )
        if answer.status != 200:
            raise CredentialsRefused(
                f"X did not accept the sign-in ({answer.detail}): connect again from the "
                "channel's page"
            )
        granted = str(answer.body.get("scope", SCOPES)).split()
        missing = [scope for scope in SCOPES.split() if scope not in granted]
        refresh_token = answer.body.get("refresh_token")
        if missing or not isinstance(refresh_token, str):
            named = ", ".join(missing) or "offline.access"
            raise CredentialsRefused(
                f"X did not allow everything Gatepost needs (missing: {named}): connect again "
                "and allow all of it"
            )
        credentials = {**Tokens.credentials_from(answer), "refresh_token": refresh_token}
        fresh = Account(
            handle=account.handle,
            channel_id=None,
            instance_url=account.instance_url,
            credentials=credentials,
        )
        me = self._me(fresh)
        credentials.update(user_id=str(me["id"]), username=str(me["username"]))
        return Connection(
            account_name=f"@{me['username']}",
            credentials=credentials,
            expires_at=expiry_of(credentials),
        )

    # ---- calls -----------------------------------------------------------------------------

    def _token_url(self, account: Account) -> str:
        return f"{self.base_url(account)}/2/oauth2/token"

    def _me(self, account: Account) -> dict[str, Any]:
        answer = self._api(account, "GET", "/2/users/me", bucket="users.me")
        if answer.status != 200 or not isinstance(answer.data, dict):
            raise self._refused(answer, account, "reading who the channel signs in as")
        return answer.data

    def _user_id(self, account: Account) -> str:
        user_id = self.tokens.current(account).get("user_id")
        return user_id or str(self._me(account)["id"])

    def _api(
        self,
        account: Account,
        method: str,
        path: str,
        *,
        bucket: str,
        sends_post: bool = False,
        **request: Any,
    ) -> Answer:
        """Call the API as the account: refresh first if due, and once more on a 401."""
        token_url = self._token_url(account)
        credentials = self.tokens.fresh(account, token_url)
        url = f"{self.base_url(account)}{path}"
        for _ in range(2):
            answer = self.http.call(
                method,
                url,
                caller=credentials.get("user_id") or str(Tokens.key(account)),
                bucket=bucket,
                sends_post=sends_post,
                headers={"Authorization": f"Bearer {credentials['access_token']}"},
                **request,
            )
            if answer.status != 401:
                return answer
            # X refuses a token before acting on the call: sending again is safe.
            credentials = self.tokens.refresh(account, token_url, credentials["access_token"])
        raise CredentialsRefused(
            f"X refused {at_handle(account)}'s sign-in even after renewing it: {RECONNECT}"
        )

    @staticmethod
    def _refused(answer: Answer, account: Account, what: str) -> PlatformError:
        """Return the error for a refusal: scopes missing need reconnecting; the rest stand."""
        if answer.status == 403 and (
            _NOT_PERMITTED in str(answer.body.get("type", ""))
            or answer.detail == "You are not permitted to perform this action."
        ):
            return CredentialsRefused(
                f"X does not let {at_handle(account)}'s connection do this ({answer.detail}): "
                f"{RECONNECT} and allow everything Gatepost asks for"
            )
        return PermanentError(f"X refused {what}: {answer.detail}")


def _check_descriptions(media: tuple[MediaItem, ...]) -> None:
    """Refuse images without a description (alt text) before anything is sent."""
    for item in media:
        if not item.alt_text.strip():
            raise PermanentError(
                f"The image {item.path.name} has no description: describe the image (alt text) "
                "for people who cannot see it, then try again"
            )
        if len(item.alt_text.strip()) > MAX_ALT_TEXT:
            raise PermanentError(
                f"The description of {item.path.name} is {len(item.alt_text.strip())} characters; "
                f"X takes at most {MAX_ALT_TEXT}: shorten it"
            )
