"""Personal API tokens through the API: list, show, create (for yourself) and revoke."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field

from scheduler.identity.api_tokens import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    MAX_NAME_LENGTH,
    Scope,
    TokenStatus,
    create_token,
    display_prefix,
    get_token,
    list_tokens,
    revoke_token,
    token_status,
)
from scheduler.models import ApiToken
from web.api import routes
from web.api.endpoints import ApiCall, Reply
from web.api.schemas import RequestBody, ResponseBody


class TokenDescription(ResponseBody):
    """A token as it can be shown again: everything but the secret."""

    id: int
    name: str
    prefix: str = Field(description="The start of the token, e.g. gp_1a2b3c4d, to recognise it")
    scopes: list[Scope]
    status: TokenStatus
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Recorded to the minute")
    revoked_at: datetime | None


class TokenList(ResponseBody):
    """Your tokens, oldest first."""

    items: list[TokenDescription]


class NewToken(RequestBody):
    """What the new token may do, what to call it and how long it lasts."""

    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))] = Field(
        description="A subset of the calling token's own scopes"
    )
    name: str = Field(default="", max_length=MAX_NAME_LENGTH, description="To tell tokens apart")
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_LIFETIME.days,
        description=(
            f"Lifetime in days; by default {DEFAULT_LIFETIME.days}, or until the calling token "
            "expires if that is sooner"
        ),
    )


class CreatedToken(TokenDescription):
    """The new token, with its secret: shown this once and never again."""

    token: str = Field(description="The secret token; store it now, it cannot be shown again")


def describe_token(token: ApiToken, now: datetime) -> TokenDescription:
    """Return what may be shown of a token."""
    return TokenDescription(
        id=token.id,
        name=token.name,
        prefix=display_prefix(token),
        scopes=[scope for scope in Scope if scope.value in token.scope_set],
        status=token_status(token, now),
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


@routes.get("/tokens", scope=Scope.READ, response=TokenList, tag="tokens")
def get_tokens(call: ApiCall) -> TokenList:
    """List your API tokens, without their secrets."""
    return TokenList(
        items=[
            describe_token(token, call.now) for token in list_tokens(call.session, user=call.user)
        ]
    )


@routes.get("/tokens/{token_id}", scope=Scope.READ, response=TokenDescription, tag="tokens")
def get_one_token(call: ApiCall, token_id: int) -> TokenDescription:
    """Show one of your API tokens, without its secret."""
    return describe_token(get_token(call.session, token_id, by=call.user), call.now)


@routes.post(
    "/tokens",
    scope=Scope.WRITE,
    body=NewToken,
    response=CreatedToken,
    status=201,
    tag="tokens",
    description=(
        "Takes no Idempotency-Key: replaying the response would mean storing the secret. If a "
        "creation's outcome is unknown, list your tokens and revoke any you cannot use."
    ),
)
def post_token(call: ApiCall, body: NewToken) -> Reply:
    """Create another API token for yourself; the response holds its secret, once."""
    token, secret = create_token(
        call.session,
        call.user,
        scopes=[scope.value for scope in body.scopes],
        name=body.name,
        expires_in=timedelta(days=body.expires_in_days) if body.expires_in_days else None,
        by=call.user,
        via=call.token,
        now=call.now,
    )
    description = describe_token(token, call.now)
    return Reply(
        CreatedToken(**description.model_dump(), token=secret),
        headers={"Location": f"{routes.prefix}/tokens/{token.id}"},
    )


@routes.delete("/tokens/{token_id}", scope=Scope.WRITE, response=TokenDescription, tag="tokens")
def delete_token(call: ApiCall, token_id: int) -> TokenDescription:
    """Revoke an API token and every token minted from it, at once (again changes nothing)."""
    token = get_token(call.session, token_id, by=call.user)
    revoke_token(call.session, token, by=call.user, now=call.now)
    return describe_token(token, call.now)
