"""Bearer-token authentication and scope checks for API requests (no cookies, so no CSRF)."""

from __future__ import annotations

from datetime import datetime

from flask import request

from scheduler.identity.api_tokens import Scope, check_token, record_token_use, use_needs_recording
from scheduler.models import ApiToken
from web.api.problems import ApiProblem, bearer_challenge
from web.extensions import db

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate_request(*, now: datetime) -> ApiToken:
    """Return the live token the request carries, or refuse with a 401 problem."""
    header = request.headers.get("Authorization", "").strip()
    scheme, _, raw = header.partition(" ")
    if not header or scheme.lower() != "bearer" or not raw.strip():
        if not header:
            detail = "Send your API token as Authorization: Bearer TOKEN"
        else:
            detail = (
                f"The API takes Authorization: Bearer TOKEN, not {scheme[:20]!r}; "
                "put the word Bearer, a space, then the token"
            )
        raise ApiProblem(
            "unauthenticated", detail, headers={"WWW-Authenticate": bearer_challenge()}
        )
    token = check_token(db.session, raw, now=now)
    if use_needs_recording(token, now):
        if request.method in _READ_ONLY_METHODS:
            # A read's session must not take SQLite's write lock; note the use on the side.
            with db.separate_unit_of_work() as session:
                record_token_use(session, token, now=now)
        else:
            # A write's session already holds the write lock (a second writer would wait on
            # it); the use is committed with the request's own changes.
            record_token_use(db.session, token, now=now)
    return token


def require_scope(token: ApiToken, scope: Scope | None) -> None:
    """Refuse with a 403 problem naming the scope when the token lacks it."""
    if scope is None or scope.value in token.scope_set:
        return
    held = ", ".join(sorted(token.scope_set)) or "none"
    raise ApiProblem(
        "insufficient-scope",
        f"This needs a token with the {scope.value} scope; this token has {held}. Create a "
        f"token with the {scope.value} scope",
        headers={
            "WWW-Authenticate": bearer_challenge(error="insufficient_scope", scope=scope.value)
        },
        code="insufficient_scope",
    )
