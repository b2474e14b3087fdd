"""A Mastodon instance on 127.0.0.1 speaking the client API, for adapter tests without the internet.

Wire formats follow `mastodon/documentation` (commit 2903485, July 2026):
content/en/methods/apps.md (POST /api/v1/apps), methods/oauth.md (GET /oauth/authorize,
POST /oauth/token, PKCE S256), methods/instance.md (GET /api/v2/instance, `configuration`),
methods/accounts.md (verify_credentials; GET /api/v1/accounts/:id/statuses with max_id, since_id,
min_id, limit 20/40), methods/statuses.md (POST /api/v1/statuses with the `Idempotency-Key`
header, "stored for up to 1 hour"; GET and DELETE /api/v1/statuses/:id), methods/media.md
(POST /api/v2/media answering 200, or 202 while processing; GET /api/v1/media/:id answering 206
until processed), entities/Error.md and the error examples in each method page ({"error": ...},
401 "The access token is invalid", 404 "Record not found", 422 "Validation failed: ..."),
api/rate-limits.md (X-RateLimit-Limit/Remaining/Reset; 300 calls per 5 minutes, media uploads
and deletes 30 per 30 minutes) and api/guidelines.md (pagination Link header; every URL counts
23 characters).

From Mastodon's own source (app/validators/status_length_validator.rb): length is the grapheme
count of spoiler_text + text, with each URL counted as 23 characters and `@user@domain`
counted as `@user`; the refusal reads "Validation failed: Text character limit of N exceeded".
A reply to a status that does not exist answers 404 "The post you are trying to reply to does
not appear to exist." (StatusesController#set_thread). A throttled call answers 429
{"error": "Too many requests"}; Mastodon sends no Retry-After there, only X-RateLimit-Reset (an
ISO 8601 time), so `rate_limit_next` adds Retry-After only to say what a proxy in front might.
"""

from __future__ import annotations

import html
import itertools
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from tests.support.emulators.base import (
    Call,
    Emulator,
    ManualClock,
    RateLimitState,
    json_response,
    pkce_challenge,
    route,
)
from tests.support.emulators.graphemes import grapheme_length

OOB = "urn:ietf:wg:oauth:2.0:oob"
IDEMPOTENCY_WINDOW = 3600.0
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")
_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w")
_SUPPORTED_MEDIA = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif")


def countable_length(text: str, spoiler_text: str = "", *, per_url: int = 23) -> int:
    """Return a status's length as Mastodon counts it against max_characters."""
    countable = _URL.sub("x" * per_url, text)
    countable = _REMOTE_MENTION.sub(r"@\1", countable)
    return grapheme_length(spoiler_text + countable)


@dataclass
class MastodonAccount:
    """A local account of the emulated instance."""

    id: str
    username: str
    display_name: str = ""

    def entity(self, domain: str, statuses_count: int) -> dict[str, Any]:
        """Return the Account entity."""
        return {
            "id": self.id,
            "username": self.username,
            "acct": self.username,
            "display_name": self.display_name or self.username,
            "locked": False,
            "bot": True,
            "created_at": "2026-01-01T00:00:00.000Z",
            "note": "",
            "url": f"https://{domain}/@{self.username}",
            "statuses_count": statuses_count,
            "followers_count": 0,
            "following_count": 0,
            "emojis": [],
            "fields": [],
        }


@dataclass
class MastodonApp:
    """An OAuth application registered through POST /api/v1/apps."""

    id: str
    name: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scopes: list[str]


@dataclass
class _Grant:
    account_id: str | None  # None: an app-level (client_credentials) token
    scopes: list[str]
    client_id: str | None = None


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    account_id: str
    scopes: list[str]
    challenge: str | None
    used: bool = False


@dataclass
class _StoredStatus:
    entity: dict[str, Any]
    account_id: str
    text: str
    idempotency_key: str | None
    deleted: bool = False


@dataclass
class _Media:
    entity: dict[str, Any]
    account_id: str
    polls_left: int = 0
    content: bytes = field(default=b"", repr=False)


class MastodonEmulator(Emulator):
    """A Mastodon instance: accounts, OAuth, statuses with idempotency, media, rate limits.

    Endpoint names for faults: apps.create, oauth.authorize, oauth.token, instance,
    accounts.verify_credentials, accounts.statuses, statuses.create, statuses.get,
    statuses.delete, media.create, media.get.
    """

    RATE_LIMITS: ClassVar[dict[str, tuple[int, float]]] = {
        "default": (300, 300.0),
        "media": (30, 1800.0),
        "delete": (30, 1800.0),
    }
    RATE_LIMIT_BUCKETS: ClassVar[dict[str, str]] = {
        "media.create": "media",
        "statuses.delete": "delete",
    }
    UNLIMITED = frozenset({"oauth.authorize", "oauth.token", "apps.create"})

    def __init__(
        self,
        *,
        clock: ManualClock | None = None,
        latency: float = 0.0,
        domain: str = "mastodon.example",
        max_characters: int = 500,
        characters_reserved_per_url: int = 23,
        max_media_attachments: int = 4,
    ) -> None:
        super().__init__(clock=clock, latency=latency)
        self.domain = domain
        self.max_characters = max_characters
        self.characters_reserved_per_url = characters_reserved_per_url
        self.max_media_attachments = max_media_attachments
        self.description_limit = 1500
        #: Polls of GET /api/v1/media/:id answered 206 before a new upload is processed;
        #: above 0, POST /api/v2/media answers 202 with a null url.
        self.media_processing_polls = 0
        self._ids = itertools.count(110_000_000_000_000_001)
        self.accounts: dict[str, MastodonAccount] = {}
        self.apps: dict[str, MastodonApp] = {}
        self.tokens: dict[str, _Grant] = {}
        self._codes: dict[str, _Code] = {}
        self._statuses: dict[str, _StoredStatus] = {}
        self._media: dict[str, _Media] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        #: How many creates were answered from the idempotency store instead of posting.
        self.idempotent_replays = 0
        self.account = self.add_account("gatepost")
        #: The account GET /oauth/authorize signs in as (the emulator approves at once).
        self.authorizing_account = self.account

    # ---- test set-up and assertions --------------------------------------------------------

    def add_account(self, username: str) -> MastodonAccount:
        """Create a local account."""
        with self.lock:
            account = MastodonAccount(str(next(self._ids)), username)
            self.accounts[account.id] = account
            return account

    def issue_token(
        self, account: MastodonAccount | None = None, scopes: str = "read write"
    ) -> str:
        """Return a user access token for `account` (default: the first), skipping OAuth."""
        with self.lock:
            token = secrets.token_urlsafe(32)
            self.tokens[token] = _Grant((account or self.account).id, scopes.split())
            return token

    def revoke(self, token: str) -> None:
        """Forget an access token (a user revoking the app)."""
        with self.lock:
            self.tokens.pop(token, None)

    @property
    def statuses(self) -> list[dict[str, Any]]:
        """Return every status created (deleted ones too), oldest first."""
        with self.lock:
            return [stored.entity for stored in self._statuses.values()]

    def live_statuses(self, account: MastodonAccount | None = None) -> list[dict[str, Any]]:
        """Return the statuses not deleted, of one account or all, oldest first."""
        with self.lock:
            return [
                stored.entity
                for stored in self._statuses.values()
                if not stored.deleted and (account is None or stored.account_id == account.id)
            ]

    def duplicate_texts(self) -> dict[str, int]:
        """Return each text posted more than once by one account, with its count."""
        counts: dict[tuple[str, str], int] = {}
        with self.lock:
            for stored in self._statuses.values():
                key = (stored.account_id, stored.text)
                counts[key] = counts.get(key, 0) + 1
        return {text: n for (_, text), n in counts.items() if n > 1}

    # ---- the platform's formats ------------------------------------------------------------

    def error_response(self, status: int, message: str) -> Response:
        """Return Mastodon's {"error": ...} body."""
        known = {404: "Record not found", 503: "Service Unavailable"}
        text = known.get(status, message) if message in ("Not Found", "injected fault") else message
        return json_response({"error": text}, status)

    def rate_limited_response(self, state: RateLimitState) -> Response:
        """Return Mastodon's 429 (Rack::Attack's throttled response)."""
        return json_response({"error": "Too many requests"}, 429, self.rate_limit_headers(state))

    def expired_token_response(self) -> Response:
        """Return Mastodon's 401 for a token it no longer accepts."""
        return json_response({"error": "The access token is invalid"}, 401)

    def rate_limit_headers(self, state: RateLimitState) -> dict[str, str]:
        """Return X-RateLimit-* with Reset as an ISO 8601 time, as Mastodon sends it."""
        reset = datetime.fromtimestamp(state.reset_at, tz=UTC)
        return {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(max(state.remaining, 0)),
            "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }

    def _iso(self) -> str:
        return self.clock.datetime().isoformat(timespec="milliseconds").replace("+00:00", "Z")

    @staticmethod
    def _params(call: Call) -> MultiDict[str, Any]:
        """Return form, multipart or JSON parameters alike (Mastodon accepts all three)."""
        body = call.json()
        if isinstance(body, dict):
            params: MultiDict[str, Any] = MultiDict()
            for key, value in body.items():
                if isinstance(value, list):
                    params.setlist(f"{key}[]", value)
                else:
                    params[key] = value
            return params
        return MultiDict(call.request.form)

    def _grant(self, call: Call) -> _Grant | Response:
        token = call.bearer()
        grant = self.tokens.get(token) if token else None
        if grant is None:
            return json_response({"error": "The access token is invalid"}, 401)
        return grant

    def _user(self, call: Call, scope: str) -> MastodonAccount | Response:
        """Return the token's account if it may use `scope` (e.g. "write:statuses")."""
        grant = self._grant(call)
        if isinstance(grant, Response):
            return grant
        if grant.account_id is None:
            return json_response({"error": "This method requires an authenticated user"}, 422)
        if scope not in grant.scopes and scope.split(":")[0] not in grant.scopes:
            return json_response({"error": "This action is outside the authorized scopes"}, 403)
        return self.accounts[grant.account_id]

    # ---- apps and OAuth --------------------------------------------------------------------

    @route("POST", "/api/v1/apps", "apps.create")
    def create_app(self, call: Call) -> Response:
        """Register an OAuth application."""
        params = self._params(call)
        name = params.get("client_name", "")
        uris = params.getlist("redirect_uris[]") or str(params.get("redirect_uris", "")).split()
        if not name:
            return json_response({"error": "Validation failed: Name can't be blank"}, 422)
        if not uris or any(u != OOB and not re.match(r"^[a-z][a-z0-9+.-]*://", u) for u in uris):
            return json_response(
                {"error": "Validation failed: Redirect URI must be an absolute URI."}, 422
            )
        app = MastodonApp(
            str(next(self._ids)),
            name,
            secrets.token_urlsafe(32),
            secrets.token_urlsafe(32),
            uris,
            str(params.get("scopes") or "read").split(),
        )
        self.apps[app.client_id] = app
        return json_response(
            {
                "id": app.id,
                "name": app.name,
                "website": params.get("website"),
                "scopes": app.scopes,
                "redirect_uri": "\n".join(uris),
                "redirect_uris": uris,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "client_secret_expires_at": 0,
            }
        )

    @route("GET", "/oauth/authorize", "oauth.authorize")
    def authorize(self, call: Call) -> Response:
        """Approve at once as `authorizing_account` and redirect back with a code."""
        args = call.request.args
        app = self.apps.get(args.get("client_id", ""))
        redirect_uri = args.get("redirect_uri", "")
        scopes = args.get("scope", "read").replace("+", " ").split()
        if args.get("response_type") != "code" or app is None:
            return _oauth_error(401, "invalid_client")
        if redirect_uri not in app.redirect_uris:
            return _oauth_error(400, "invalid_redirect_uri")
        if not set(scopes) <= set(app.scopes):
            return _oauth_error(400, "invalid_scope")
        challenge = args.get("code_challenge")
        if challenge and args.get("code_challenge_method") != "S256":
            return _oauth_error(400, "invalid_request")
        code = secrets.token_urlsafe(32)
        self._codes[code] = _Code(
            app.client_id, redirect_uri, self.authorizing_account.id, scopes, challenge
        )
        if redirect_uri == OOB:
            return Response(f"<code>{code}</code>", mimetype="text/html")
        query = {"code": code, **({"state": args["state"]} if "state" in args else {})}
        separator = "&" if "?" in redirect_uri else "?"
        return Response(
            status=302, headers={"Location": redirect_uri + separator + urlencode(query)}
        )

    @route("POST", "/oauth/token", "oauth.token")
    def token(self, call: Call) -> Response:
        """Exchange an authorization code, or client credentials, for an access token."""
        params = self._params(call)
        app = self.apps.get(str(params.get("client_id", "")))
        if app is None or params.get("client_secret") != app.client_secret:
            return _oauth_error(401, "invalid_client")
        grant_type = params.get("grant_type")
        if grant_type == "client_credentials":
            scopes = str(params.get("scope") or "read").split()
            if not set(scopes) <= set(app.scopes):
                return _oauth_error(400, "invalid_scope")
            grant = _Grant(None, scopes, app.client_id)
        elif grant_type == "authorization_code":
            code = self._codes.get(str(params.get("code", "")))
            if (
                code is None
                or code.used
                or code.client_id != app.client_id
                or code.redirect_uri != params.get("redirect_uri")
                or (
                    code.challenge
                    and pkce_challenge(str(params.get("code_verifier", ""))) != code.challenge
                )
            ):
                return _oauth_error(400, "invalid_grant")
            code.used = True
            grant = _Grant(code.account_id, code.scopes, app.client_id)
        else:
            return _oauth_error(400, "unsupported_grant_type")
        token = secrets.token_urlsafe(32)
        self.tokens[token] = grant
        return json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "scope": " ".join(grant.scopes),
                "created_at": int(self.clock.now()),
            }
        )

    # ---- instance and account --------------------------------------------------------------

    @route("GET", "/api/v2/instance", "instance")
    def instance(self, call: Call) -> Response:
        """Describe the server, with the limits an adapter must respect."""
        return json_response(
            {
                "domain": self.domain,
                "title": "Gatepost test instance",
                "version": "4.5.0",
                "source_url": "https://github.com/mastodon/mastodon",
                "description": "An emulated Mastodon instance for tests",
                "languages": ["en", "cy"],
                "configuration": {
                    "urls": {"streaming": f"wss://{self.domain}"},
                    "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                    "statuses": {
                        "max_characters": self.max_characters,
                        "max_media_attachments": self.max_media_attachments,
                        "characters_reserved_per_url": self.characters_reserved_per_url,
                    },
                    "media_attachments": {
                        "supported_mime_types": list(_SUPPORTED_MEDIA),
                        "description_limit": self.description_limit,
                        "image_size_limit": 16_777_216,
                        "image_matrix_limit": 33_177_600,
                        "video_size_limit": 103_809_024,
                        "video_frame_rate_limit": 120,
                        "video_matrix_limit": 8_294_400,
                    },
                    "polls": {
                        "max_options": 4,
                        "max_characters_per_option": 50,
                        "min_expiration": 300,
                        "max_expiration": 2_629_746,
                    },
                    "translation": {"enabled": False},
                },
                "registrations": {"enabled": False, "approval_required": False},
                "api_versions": {"mastodon": 6},
            }
        )

    @route("GET", "/api/v1/accounts/verify_credentials", "accounts.verify_credentials")
    def verify_credentials(self, call: Call) -> Response:
        """Return the token's account."""
        account = self._user(call, "read:accounts")
        if isinstance(account, Response):
            return account
        entity = account.entity(self.domain, len(self.live_statuses(account)))
        entity["source"] = {"privacy": "public", "sensitive": False, "language": "en", "note": ""}
        return json_response(entity)

    @route("GET", "/api/v1/accounts/<account_id>/statuses", "accounts.statuses")
    def account_statuses(self, call: Call) -> Response:
        """List an account's statuses, newest first, paginated by id."""
        account = self.accounts.get(call.args["account_id"])
        if account is None:
            return json_response({"error": "Record not found"}, 404)
        args = call.request.args
        limit = max(1, min(int(args.get("limit", 20)), 40))
        found = [
            stored
            for stored in self._statuses.values()
            if stored.account_id == account.id and not stored.deleted
        ]
        ids = sorted((int(s.entity["id"]), s) for s in found)
        if "max_id" in args:
            ids = [(i, s) for i, s in ids if i < int(args["max_id"])]
        if "since_id" in args:
            ids = [(i, s) for i, s in ids if i > int(args["since_id"])]
        if args.get("exclude_replies") in ("true", "1"):
            ids = [(i, s) for i, s in ids if s.entity["in_reply_to_id"] is None]
        # min_id pages forward from the cursor (the oldest above it); the rest page backward.
        if "min_id" in args:
            page = [(i, s) for i, s in ids if i > int(args["min_id"])][:limit]
        else:
            page = ids[-limit:]
        page.reverse()
        headers = {}
        if page:
            url = f"{self.base_url}/api/v1/accounts/{account.id}/statuses"
            headers["Link"] = (
                f'<{url}?max_id={page[-1][0]}>; rel="next", <{url}?min_id={page[0][0]}>; rel="prev"'
            )
        return json_response([s.entity for _, s in page], headers=headers)

    # ---- statuses --------------------------------------------------------------------------

    @route("POST", "/api/v1/statuses", "statuses.create")
    def create_status(self, call: Call) -> Response:
        """Publish a status; a repeated Idempotency-Key within an hour returns the first one."""
        account = self._user(call, "write:statuses")
        if isinstance(account, Response):
            return account
        key = call.request.headers.get("Idempotency-Key")
        now = self.clock.now()
        if key:
            earlier = self._idempotency.get((account.id, key))
            if earlier and now - earlier[1] < IDEMPOTENCY_WINDOW:
                self.idempotent_replays += 1
                return json_response(self._statuses[earlier[0]].entity)
        params = self._params(call)
        text = str(params.get("status") or "")
        spoiler = str(params.get("spoiler_text") or "")
        media_ids = [str(m) for m in params.getlist("media_ids[]")]
        visibility = str(params.get("visibility") or "public")
        reply_to = params.get("in_reply_to_id") or None
        if not text.strip() and not media_ids:
            return _invalid("Text can't be blank")
        length = countable_length(text, spoiler, per_url=self.characters_reserved_per_url)
        if length > self.max_characters:
            return _invalid(f"Text character limit of {self.max_characters} exceeded")
        if visibility not in ("public", "unlisted", "private", "direct"):
            return _invalid("Visibility is not included in the list")
        if len(media_ids) > self.max_media_attachments:
            return _invalid(
                f"Media attachments cannot attach more than {self.max_media_attachments} files"
            )
        media = [self._media.get(m) for m in media_ids]
        if any(m is None or m.account_id != account.id for m in media):
            return _invalid("Media attachments are invalid")
        parent = self._statuses.get(str(reply_to)) if reply_to else None
        if reply_to and (parent is None or parent.deleted):
            return json_response(
                {"error": "The post you are trying to reply to does not appear to exist."}, 404
            )
        status_id = str(next(self._ids))
        language = params.get("language")
        entity = {
            "id": status_id,
            "created_at": self._iso(),
            "in_reply_to_id": parent.entity["id"] if parent else None,
            "in_reply_to_account_id": parent.account_id if parent else None,
            "sensitive": str(params.get("sensitive", "false")).lower() in ("true", "1"),
            "spoiler_text": spoiler,
            "visibility": visibility,
            "language": language if isinstance(language, str) and len(language) == 2 else None,
            "uri": f"https://{self.domain}/users/{account.username}/statuses/{status_id}",
            "url": f"https://{self.domain}/@{account.username}/{status_id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "content": "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p),
            "reblog": None,
            "application": {"name": "Gatepost", "website": None},
            "account": account.entity(self.domain, 0),
            "media_attachments": [m.entity for m in media if m],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }
        self._statuses[status_id] = _StoredStatus(entity, account.id, text, key)
        if key:
            self._idempotency[(account.id, key)] = (status_id, now)
        return json_response(entity)

    def _own_status(self, call: Call) -> tuple[MastodonAccount, _StoredStatus] | Response:
        account = self._user(call, "read:statuses")
        if isinstance(account, Response):
            return account
        stored = self._statuses.get(call.args["status_id"])
        if stored is None or stored.deleted:
            return json_response({"error": "Record not found"}, 404)
        return account, stored

    @route("GET", "/api/v1/statuses/<status_id>", "statuses.get")
    def get_status(self, call: Call) -> Response:
        """Return one status."""
        found = self._own_status(call)
        return found if isinstance(found, Response) else json_response(found[1].entity)

    @route("DELETE", "/api/v1/statuses/<status_id>", "statuses.delete")
    def delete_status(self, call: Call) -> Response:
        """Delete one of the token account's statuses, returning it with its source text."""
        account = self._user(call, "write:statuses")
        if isinstance(account, Response):
            return account
        found = self._own_status(call)
        if isinstance(found, Response):
            return found
        _, stored = found
        if stored.account_id != account.id:
            return json_response({"error": "Record not found"}, 404)
        stored.deleted = True
        return json_response({**stored.entity, "text": stored.text})

    # ---- media -----------------------------------------------------------------------------

    @route("POST", "/api/v2/media", "media.create")
    def create_media(self, call: Call) -> Response:
        """Accept an image with its description (alt text)."""
        account = self._user(call, "write:media")
        if isinstance(account, Response):
            return account
        upload = call.request.files.get("file")
        if upload is None or upload.mimetype not in _SUPPORTED_MEDIA:
            return _invalid("File content type is invalid, File is invalid")
        description = call.request.form.get("description") or None
        if description and len(description) > self.description_limit:
            return _invalid(
                f"Description is too long (maximum is {self.description_limit} characters)"
            )
        media_id = str(next(self._ids))
        processing = self.media_processing_polls > 0
        url = f"https://files.{self.domain}/media_attachments/{media_id}/original.png"
        entity: dict[str, Any] = {
            "id": media_id,
            "type": "image",
            "url": None if processing else url,
            "preview_url": url.replace("original", "small"),
            "remote_url": None,
            "text_url": None,
            "meta": {},
            "description": description,
            "blurhash": None,
        }
        self._media[media_id] = _Media(
            entity, account.id, self.media_processing_polls, upload.read()
        )
        return json_response(entity, 202 if processing else 200)

    @route("GET", "/api/v1/media/<media_id>", "media.get")
    def get_media(self, call: Call) -> Response:
        """Answer 206 while the upload is processing, then 200 with its url."""
        account = self._user(call, "write:media")
        if isinstance(account, Response):
            return account
        media = self._media.get(call.args["media_id"])
        if media is None or media.account_id != account.id:
            return json_response({"error": "Record not found"}, 404)
        if media.polls_left > 0:
            media.polls_left -= 1
            return json_response(media.entity, 206)
        media.entity["url"] = media.entity["preview_url"].replace("small", "original")
        return json_response(media.entity)


def _invalid(message: str) -> Response:
    return json_response({"error": f"Validation failed: {message}"}, 422)


_OAUTH_DESCRIPTIONS = {
    "invalid_client": "Client authentication failed due to unknown client, no client "
    "authentication included, or unsupported authentication method.",
    "invalid_grant": "The provided authorization grant is invalid, expired, revoked, does not "
    "match the redirection URI used in the authorization request, or was issued to another "
    "client.",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    "invalid_redirect_uri": "The requested redirect uri is malformed or doesn't match client "
    "redirect URI.",
    "invalid_request": "The request is missing a required parameter, includes an unsupported "
    "parameter value, or is otherwise malformed.",
    "unsupported_grant_type": "The authorization grant type is not supported by the "
    "authorization server.",
}


def _oauth_error(status: int, error: str) -> Response:
    return json_response({"error": error, "error_description": _OAUTH_DESCRIPTIONS[error]}, status)
