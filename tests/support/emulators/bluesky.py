"""A Bluesky PDS on 127.0.0.1 speaking XRPC, for adapter tests without the internet.

Wire formats follow `bluesky-social/atproto` (commit d6296a1, August 2026). Lexicons:
lexicons/com/atproto/server/createSession.json, refreshSession.json and getSession.json,
lexicons/com/atproto/repo/createRecord.json, getRecord.json, deleteRecord.json, uploadBlob.json
and strongRef.json, lexicons/com/atproto/identity/resolveHandle.json,
lexicons/app/bsky/feed/post.json (text at most 3000 bytes and 300 graphemes; langs at most 3;
record key type "tid"),
lexicons/app/bsky/richtext/facet.json (byteSlice: zero-indexed UTF-8 byte offsets, end
exclusive) and lexicons/app/bsky/embed/images.json (at most 4 images, `alt` required, 2 MB).
Behaviour from the PDS source:
- packages/xrpc-server/src/errors.ts: errors are {"error": name, "message": text}; a 500 says
  only "Internal Server Error".
- packages/pds/src/auth-verifier.ts: an expired access token answers 400 {"error":
  "ExpiredToken", "message": "Token has expired"}; a bad one 400 "InvalidToken"; none 401
  "AuthMissing".
- packages/pds/src/account-manager: access tokens live 120 minutes, refresh tokens 90 days;
  refreshSession rotates the refresh token (a used one answers 400 ExpiredToken "Token has
  been revoked"); a wrong password answers 401 "Invalid identifier or password".
- packages/pds/src/repo/prepare.ts: the rkey of an app.bsky.feed.post must be a TID; validation
  failures answer 400 InvalidRequest "Invalid app.bsky.feed.post record: ...".
- packages/pds/src/api/com/atproto/repo/createRecord.ts with packages/repo/src/mst/mst.ts: a
  create over an rkey that already holds a record fails in the repo tree ("There is already a
  value at key"), which the PDS answers as a bare 500 InternalServerError; only getRecord can
  then tell whether the post exists.
- getRecord.ts: a missing record answers 400 {"error": "RecordNotFound", "message": "Could not
  locate record: at://..."} (400, not 404). deleteRecord.ts: deleting a missing record succeeds.
- packages/xrpc-server/src/rate-limiter-http.ts: RateLimit-Limit, RateLimit-Remaining,
  RateLimit-Reset (Unix seconds) and RateLimit-Policy ("limit;w=seconds") on every limited
  call, and Retry-After on a 429 {"error": "RateLimitExceeded", "message": "Rate Limit
  Exceeded"}. createRecord costs 3 points of 5000 an hour (pds rate limits "repo-write-hour").

Stricter than a real PDS, to catch adapter mistakes: facet byte ranges must lie inside the
text, and a reply's root and parent strong refs must name records that exist here with that cid
(a real PDS stores such a reply; the app view would show it detached).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, ClassVar

from werkzeug.wrappers import Response

from tests.support.emulators.base import (
    Call,
    Emulator,
    ManualClock,
    RateLimitState,
    json_response,
    route,
)
from tests.support.emulators.graphemes import grapheme_length

POST = "app.bsky.feed.post"
ACCESS_LIFETIME = 120 * 60.0
REFRESH_LIFETIME = 90 * 24 * 3600.0
TID_PATTERN = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_RECORD_KEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_FEATURES = {
    "app.bsky.richtext.facet#link": "uri",
    "app.bsky.richtext.facet#mention": "did",
    "app.bsky.richtext.facet#tag": "tag",
}
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def cid_for(data: bytes, *, codec: int = 0x71) -> str:
    """Return a base32 CIDv1 (sha2-256) of `data`: codec dag-cbor 0x71 for records, raw 0x55."""
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    bits = "".join(f"{byte:08b}" for byte in raw)
    bits += "0" * (-len(bits) % 5)
    return "b" + "".join(_BASE32[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


def make_tid(microseconds: int, clock_id: int = 0) -> str:
    """Return the TID of a time in microseconds since the epoch and a 10-bit clock id."""
    value = (microseconds << 10) | (clock_id & 0x3FF)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _jwt(payload: dict[str, Any]) -> str:
    """Return a JWT-shaped token (the signature is random: only this emulator checks it)."""

    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    header = {"typ": "at+jwt" if payload["scope"] == "com.atproto.access" else "refresh+jwt"}
    return ".".join(
        [
            part(json.dumps({**header, "alg": "ES256K"}).encode()),
            part(json.dumps(payload).encode()),
            part(secrets.token_bytes(32)),
        ]
    )


@dataclass
class BlueskyAccount:
    """An account hosted on the emulated PDS."""

    did: str
    handle: str
    password: str
    email: str = ""


@dataclass
class _Token:
    did: str
    kind: str  # "access" or "refresh"
    expires_at: float
    revoked: bool = False


@dataclass
class _Record:
    uri: str
    cid: str
    value: dict[str, Any]
    did: str


@dataclass
class _Blob:
    cid: str
    mime_type: str
    size: int
    content: bytes = field(repr=False)


class BlueskyEmulator(Emulator):
    """A PDS: sessions with expiring tokens, records under chosen rkeys, blobs, rate limits.

    Endpoint names for faults are the XRPC method ids, e.g. com.atproto.repo.createRecord.
    """

    RATE_LIMITS: ClassVar[dict[str, tuple[int, float]]] = {
        "default": (3000, 300.0),
        "repo-write": (5000 // 3, 3600.0),
        "session": (30, 300.0),
    }
    RATE_LIMIT_BUCKETS: ClassVar[dict[str, str]] = {
        "com.atproto.repo.createRecord": "repo-write",
        "com.atproto.repo.deleteRecord": "repo-write",
        "com.atproto.server.createSession": "session",
    }

    def __init__(self, *, clock: ManualClock | None = None, latency: float = 0.0) -> None:
        super().__init__(clock=clock, latency=latency)
        self._numbers = itertools.count(1)
        self.accounts: dict[str, BlueskyAccount] = {}
        self.tokens: dict[str, _Token] = {}
        self._records: dict[str, _Record] = {}
        #: Every record ever created, deleted ones too, oldest first.
        self.created: list[_Record] = []
        self.blobs: dict[str, _Blob] = {}
        self.account = self.add_account("gatepost.test", "app-pass-word-1234")

    # ---- test set-up and assertions --------------------------------------------------------

    def add_account(self, handle: str, password: str) -> BlueskyAccount:
        """Host a new account."""
        with self.lock:
            number = next(self._numbers)
            did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
            account = BlueskyAccount(did, handle, password, f"user{number}@example.test")
            self.accounts[did] = account
            return account

    def open_session(self, account: BlueskyAccount | None = None) -> tuple[str, str]:
        """Return (accessJwt, refreshJwt) for an account, skipping createSession."""
        with self.lock:
            return self._new_session(account or self.account)

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Return the app.bsky.feed.post records that exist now, oldest first."""
        with self.lock:
            return [
                {"uri": r.uri, "cid": r.cid, "value": r.value}
                for r in self._records.values()
                if r.uri.split("/")[3] == POST
            ]

    def duplicate_texts(self) -> dict[str, int]:
        """Return each post text created more than once by one account, with its count."""
        counts: dict[tuple[str, str], int] = {}
        with self.lock:
            for record in self.created:
                if record.uri.split("/")[3] == POST:
                    key = (record.did, str(record.value.get("text", "")))
                    counts[key] = counts.get(key, 0) + 1
        return {text: n for (_, text), n in counts.items() if n > 1}

    # ---- the platform's formats ------------------------------------------------------------

    def error_response(self, status: int, message: str) -> Response:
        """Return the XRPC error body for a status."""
        names = {
            400: ("InvalidRequest", "Invalid Request"),
            401: ("AuthenticationRequired", "Authentication Required"),
            404: ("MethodNotImplemented", "Method Not Implemented"),
            405: ("InvalidRequest", "Method Not Allowed"),
            502: ("UpstreamFailure", "Upstream Failure"),
            503: ("NotEnoughResources", "Not Enough Resources"),
            504: ("UpstreamTimeout", "Upstream Timeout"),
        }
        error, text = names.get(status, ("InternalServerError", "Internal Server Error"))
        return json_response({"error": error, "message": text}, status)

    def rate_limited_response(self, state: RateLimitState) -> Response:
        """Return the PDS's 429 with Retry-After."""
        headers = self.rate_limit_headers(state)
        headers["Retry-After"] = str(max(0, int(state.reset_at - self.clock.now() + 0.999)))
        return json_response(
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429, headers
        )

    def expired_token_response(self) -> Response:
        """Return the PDS's refusal of an expired access token."""
        return _error(400, "ExpiredToken", "Token has expired")

    def rate_limit_headers(self, state: RateLimitState) -> dict[str, str]:
        """Return the RateLimit-* headers the PDS sends."""
        return {
            "RateLimit-Limit": str(state.limit),
            "RateLimit-Remaining": str(max(state.remaining, 0)),
            "RateLimit-Reset": str(int(state.reset_at)),
            "RateLimit-Policy": f"{state.limit};w={int(state.window)}",
        }

    # ---- sessions --------------------------------------------------------------------------

    def _new_session(self, account: BlueskyAccount) -> tuple[str, str]:
        now = self.clock.now()
        pair = []
        for kind, scope, lifetime in (
            ("access", "com.atproto.access", ACCESS_LIFETIME),
            ("refresh", "com.atproto.refresh", REFRESH_LIFETIME),
        ):
            payload = {
                "scope": scope,
                "sub": account.did,
                "aud": "did:web:pds.example",
                "iat": int(now),
                "exp": int(now + lifetime),
                "jti": secrets.token_hex(8),
            }
            token = _jwt(payload)
            self.tokens[token] = _Token(account.did, kind, now + lifetime)
            pair.append(token)
        return pair[0], pair[1]

    def _session_body(self, account: BlueskyAccount, access: str, refresh: str) -> Response:
        return json_response(
            {
                "accessJwt": access,
                "refreshJwt": refresh,
                "handle": account.handle,
                "did": account.did,
                "email": account.email,
                "emailConfirmed": True,
                "active": True,
            }
        )

    def _authenticate(self, call: Call, kind: str = "access") -> BlueskyAccount | Response:
        token = call.bearer()
        if token is None:
            return _error(401, "AuthMissing", "Authentication Required")
        grant = self.tokens.get(token)
        if grant is None:
            return _error(400, "InvalidToken", "Token could not be verified")
        if grant.kind != kind:
            return _error(400, "InvalidToken", "Invalid token type")
        if self.clock.now() >= grant.expires_at:
            return _error(400, "ExpiredToken", "Token has expired")
        if grant.revoked:
            return _error(400, "ExpiredToken", "Token has been revoked")
        return self.accounts[grant.did]

    @route("POST", "/xrpc/com.atproto.server.createSession", "com.atproto.server.createSession")
    def create_session(self, call: Call) -> Response:
        """Sign in with a handle, DID or e-mail and an (app) password."""
        body = call.json()
        if not isinstance(body, dict):
            return _error(400, "InvalidRequest", "Request body must be JSON")
        for required in ("identifier", "password"):
            if not isinstance(body.get(required), str):
                return _error(400, "InvalidRequest", f'Input must have the property "{required}"')
        identifier = body["identifier"].removeprefix("@").lower()
        account = next(
            (
                a
                for a in self.accounts.values()
                if identifier in (a.did, a.handle.lower(), a.email.lower())
            ),
            None,
        )
        if account is None or account.password != body["password"]:
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        return self._session_body(account, *self._new_session(account))

    @route("POST", "/xrpc/com.atproto.server.refreshSession", "com.atproto.server.refreshSession")
    def refresh_session(self, call: Call) -> Response:
        """Trade a refresh token for a new pair; the old refresh token stops working."""
        account = self._authenticate(call, kind="refresh")
        if isinstance(account, Response):
            return account
        self.tokens[str(call.bearer())].revoked = True
        return self._session_body(account, *self._new_session(account))

    @route("GET", "/xrpc/com.atproto.server.getSession", "com.atproto.server.getSession")
    def get_session(self, call: Call) -> Response:
        """Say who an access token signs in as."""
        account = self._authenticate(call)
        if isinstance(account, Response):
            return account
        return json_response(
            {
                "handle": account.handle,
                "did": account.did,
                "email": account.email,
                "emailConfirmed": True,
                "active": True,
            }
        )

    @route("GET", "/xrpc/com.atproto.identity.resolveHandle", "com.atproto.identity.resolveHandle")
    def resolve_handle(self, call: Call) -> Response:
        """Return the DID of a handle hosted here."""
        handle = call.request.args.get("handle", "").lower()
        for account in self.accounts.values():
            if account.handle.lower() == handle:
                return json_response({"did": account.did})
        return _error(400, "HandleNotFound", "Unable to resolve handle")

    # ---- repository ------------------------------------------------------------------------

    def _repo_account(self, repo: object) -> BlueskyAccount | None:
        for account in self.accounts.values():
            if repo in (account.did, account.handle):
                return account
        return None

    @route("POST", "/xrpc/com.atproto.repo.createRecord", "com.atproto.repo.createRecord")
    def create_record(self, call: Call) -> Response:
        """Write a record under a caller-chosen or generated rkey, validating known lexicons."""
        account = self._authenticate(call)
        if isinstance(account, Response):
            return account
        body = call.json()
        if not isinstance(body, dict):
            return _error(400, "InvalidRequest", "Request body must be JSON")
        for required in ("repo", "collection", "record"):
            if required not in body:
                return _error(400, "InvalidRequest", f'Input must have the property "{required}"')
        if self._repo_account(body["repo"]) is not account:
            return _error(401, "AuthenticationRequired", "Authentication Required")
        collection = str(body["collection"])
        record = body["record"]
        if not isinstance(record, dict):
            return _error(400, "InvalidRequest", "Input/record must be an object")
        record = {"$type": collection, **record}
        if record["$type"] != collection:
            return _invalid(f"Invalid $type: expected {collection}, got {record['$type']}")
        rkey = body.get("rkey")
        if rkey is not None and (not isinstance(rkey, str) or not _RECORD_KEY.match(rkey)):
            return _invalid(f"Invalid record key: {rkey}")
        if rkey is None:
            rkey = self._next_tid()
        status = "unknown"
        if collection == POST and body.get("validate") is not False:
            if not TID_PATTERN.match(rkey):
                return _invalid(f"Invalid record key for {POST}: must be a valid TID")
            problem = self._post_problem(record)
            if problem:
                return _invalid(f"Invalid {POST} record: {problem}")
            status = "valid"
        uri = f"at://{account.did}/{collection}/{rkey}"
        if uri in self._records:
            # The repository tree refuses the key; the PDS reports only a 500.
            return self.error_response(500, "There is already a value at key")
        cid = cid_for(json.dumps(record, sort_keys=True).encode())
        stored = _Record(uri, cid, record, account.did)
        self._records[uri] = stored
        self.created.append(stored)
        rev = self._next_tid()
        return json_response(
            {
                "uri": uri,
                "cid": cid,
                "commit": {"cid": cid_for(rev.encode()), "rev": rev},
                "validationStatus": status,
            }
        )

    def _next_tid(self) -> str:
        return make_tid(int(self.clock.now() * 1_000_000) + next(self._numbers))

    def _post_problem(self, record: dict[str, Any]) -> str | None:
        """Return why a post record breaks app.bsky.feed.post, or None when it is valid."""
        text = record.get("text")
        if not isinstance(text, str):
            return 'Record must have the property "text" at $.record'
        if not isinstance(record.get("createdAt"), str):
            return 'Record must have the property "createdAt" at $.record'
        size = len(text.encode())
        if size > 3000:
            return f"string too big (maximum 3000, got {size}) at $.record.text"
        graphemes = grapheme_length(text)
        if graphemes > 300:
            return f"grapheme too big (maximum 300, got {graphemes}) at $.record.text"
        for i, facet in enumerate(record.get("facets") or []):
            problem = _facet_problem(facet, size)
            if problem:
                return f"{problem} at $.record.facets[{i}]"
        langs = record.get("langs")
        if langs is not None:
            if not isinstance(langs, list) or len(langs) > 3:
                return "array too big (maximum 3) at $.record.langs"
            if any(not isinstance(lang, str) or not _LANGUAGE.match(lang) for lang in langs):
                return "Invalid language format at $.record.langs"
        if "reply" in record:
            problem = self._reply_problem(record["reply"])
            if problem:
                return problem
        if "embed" in record:
            return self._embed_problem(record["embed"])
        return None

    def _reply_problem(self, reply: Any) -> str | None:
        if not isinstance(reply, dict):
            return "reply must be an object at $.record.reply"
        for part in ("root", "parent"):
            ref = reply.get(part)
            if not isinstance(ref, dict) or not {"uri", "cid"} <= ref.keys():
                return f'Object must have the properties "uri" and "cid" at $.record.reply.{part}'
            target = self._records.get(str(ref["uri"]))
            if target is None or target.cid != ref["cid"]:
                return f"no record {ref['uri']} with cid {ref['cid']} at $.record.reply.{part}"
        return None

    def _embed_problem(self, embed: Any) -> str | None:
        if not isinstance(embed, dict) or embed.get("$type") != "app.bsky.embed.images":
            return None  # other embeds are not modelled
        images = embed.get("images")
        if not isinstance(images, list) or not 1 <= len(images) <= 4:
            return "array too big (maximum 4) at $.record.embed.images"
        for i, image in enumerate(images):
            where = f"$.record.embed.images[{i}]"
            if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
                return f'Object must have the property "alt" at {where}'
            blob = image.get("image")
            ref = blob.get("ref", {}).get("$link") if isinstance(blob, dict) else None
            stored = self.blobs.get(str(ref))
            if stored is None:
                return f"Could not find blob: {ref} at {where}.image"
            if not stored.mime_type.startswith("image/") or stored.size > 2_000_000:
                return f"blob does not match accept image/* and maxSize 2000000 at {where}.image"
        return None

    @route("GET", "/xrpc/com.atproto.repo.getRecord", "com.atproto.repo.getRecord")
    def get_record(self, call: Call) -> Response:
        """Return a record by repo, collection and rkey."""
        args = call.request.args
        for required in ("repo", "collection", "rkey"):
            if required not in args:
                return _error(400, "InvalidRequest", f'Params must have the property "{required}"')
        account = self._repo_account(args["repo"])
        if account is None:
            return _error(400, "InvalidRequest", "Could not locate record")
        uri = f"at://{account.did}/{args['collection']}/{args['rkey']}"
        record = self._records.get(uri)
        if record is None or ("cid" in args and args["cid"] != record.cid):
            return _error(400, "RecordNotFound", f"Could not locate record: {uri}")
        return json_response({"uri": uri, "cid": record.cid, "value": record.value})

    @route("POST", "/xrpc/com.atproto.repo.deleteRecord", "com.atproto.repo.deleteRecord")
    def delete_record(self, call: Call) -> Response:
        """Delete a record; deleting one that does not exist succeeds."""
        account = self._authenticate(call)
        if isinstance(account, Response):
            return account
        body = call.json()
        if not isinstance(body, dict) or not {"repo", "collection", "rkey"} <= body.keys():
            return _error(400, "InvalidRequest", 'Input must have the property "rkey"')
        if self._repo_account(body["repo"]) is not account:
            return _error(401, "AuthenticationRequired", "Authentication Required")
        uri = f"at://{account.did}/{body['collection']}/{body['rkey']}"
        if self._records.pop(uri, None) is None:
            return json_response({})
        rev = self._next_tid()
        return json_response({"commit": {"cid": cid_for(rev.encode()), "rev": rev}})

    @route("POST", "/xrpc/com.atproto.repo.uploadBlob", "com.atproto.repo.uploadBlob")
    def upload_blob(self, call: Call) -> Response:
        """Store the raw body as a blob and return its reference."""
        account = self._authenticate(call)
        if isinstance(account, Response):
            return account
        content = call.request.get_data()
        mime_type = call.request.mimetype or "application/octet-stream"
        cid = cid_for(content, codec=0x55)
        self.blobs[cid] = _Blob(cid, mime_type, len(content), content)
        return json_response(
            {
                "blob": {
                    "$type": "blob",
                    "ref": {"$link": cid},
                    "mimeType": mime_type,
                    "size": len(content),
                }
            }
        )


def _facet_problem(facet: Any, text_bytes: int) -> str | None:
    """Return why a facet is malformed or points outside the text, or None."""
    if not isinstance(facet, dict):
        return "facet must be an object"
    index = facet.get("index")
    if not isinstance(index, dict):
        return 'Object must have the property "index"'
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not isinstance(start, int) or not isinstance(end, int):
        return "byteStart and byteEnd must be integers"
    if not 0 <= start <= end <= text_bytes:
        return f"byte range {start}..{end} lies outside the text's {text_bytes} UTF-8 bytes"
    features = facet.get("features")
    if not isinstance(features, list) or not features:
        return 'Object must have the property "features"'
    for feature in features:
        kind = feature.get("$type") if isinstance(feature, dict) else None
        if kind not in _FEATURES or not isinstance(feature.get(_FEATURES[kind]), str):
            return f"unknown or incomplete facet feature {kind}"
    return None


def _error(status: int, error: str, message: str) -> Response:
    return json_response({"error": error, "message": message}, status)


def _invalid(message: str) -> Response:
    return _error(400, "InvalidRequest", message)
