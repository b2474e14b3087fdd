"""Who the calling token belongs to."""

from __future__ import annotations

from pydantic import Field

from scheduler.models import Role
from web.api import routes
from web.api.endpoints import ApiCall
from web.api.schemas import ResponseBody
from web.api.tokens import TokenDescription, describe_token


class Me(ResponseBody):
    """The person a token acts for, and the token itself."""

    id: int
    email: str
    name: str
    role: Role = Field(description="author, approver or admin")
    token: TokenDescription = Field(description="The token this request was made with")


@routes.get("/me", response=Me, tag="account")
def get_me(call: ApiCall) -> Me:
    """Say whose token this is, what it may do and when it expires."""
    user = call.user
    return Me(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        token=describe_token(call.token, call.now),
    )
