"""Releases through the API: create one with its embargo, list them, see who is on the list."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from scheduler.access.rules import is_on_release_access_list, may_manage_release
from scheduler.identity.api_tokens import Scope
from scheduler.models import Release
from scheduler.releases.operations import (
    create_release,
    get_release,
    list_releases,
    release_access_list,
)
from web.api import routes
from web.api.endpoints import ApiCall, Reply
from web.api.post_views import API_VIA
from web.api.references import named_people
from web.api.schemas import Instant, RequestBody, ResponseBody


class NewRelease(RequestBody):
    """A statistical release: its title, embargo and pre-release access list."""

    title: str = Field(min_length=1, max_length=300)
    embargo_at: Instant = Field(description="The release instant, usually 09:30 Europe/London")
    access: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="E-mail addresses of people who may see its posts' text before the "
        "embargo (you are always on the list)",
    )


class ReleaseOut(ResponseBody):
    """A release and its embargo."""

    id: int
    title: str
    embargo_at: datetime
    embargoed: bool = Field(description="Whether the embargo is still ahead")
    created_by: str | None = Field(description="The e-mail address of whoever recorded it")
    created_at: datetime
    access: list[str] | None = Field(
        description="Who is on the pre-release access list (e-mail addresses); null unless "
        "you are on it or manage the release"
    )


class ReleaseList(ResponseBody):
    """Releases by embargo, soonest first."""

    items: list[ReleaseOut]


def describe_release(call: ApiCall, release: Release) -> ReleaseOut:
    """Return the release, with its access list for those who may see it."""
    may_see_list = may_manage_release(call.user, release) or is_on_release_access_list(
        call.session, call.user, release
    )
    access = (
        sorted(entry.user.email for entry in release_access_list(call.session, release))
        if may_see_list
        else None
    )
    creator = release.created_by
    return ReleaseOut(
        id=release.id,
        title=release.title,
        embargo_at=release.embargo_at,
        embargoed=call.now < release.embargo_at,
        created_by=creator.email if creator is not None else None,
        created_at=release.created_at,
        access=access,
    )


@routes.post(
    "/releases",
    scope=Scope.WRITE,
    body=NewRelease,
    response=ReleaseOut,
    status=201,
    idempotent=True,
    tag="releases",
)
def post_release(call: ApiCall, body: NewRelease) -> Reply:
    """Record a release with its embargo and access list."""
    release = create_release(
        call.session,
        title=body.title,
        embargo_at=body.embargo_at,
        by=call.user,
        access=named_people(call.session, body.access, field="access"),
        now=call.now,
        actor_label=API_VIA,
    )
    return Reply(
        describe_release(call, release),
        headers={"Location": f"{routes.prefix}/releases/{release.id}"},
    )


@routes.get("/releases", scope=Scope.READ, response=ReleaseList, tag="releases")
def get_releases(call: ApiCall) -> ReleaseList:
    """List releases by embargo, soonest first."""
    return ReleaseList(
        items=[describe_release(call, release) for release in list_releases(call.session)]
    )


@routes.get("/releases/{release_id}", scope=Scope.READ, response=ReleaseOut, tag="releases")
def get_one_release(call: ApiCall, release_id: int) -> ReleaseOut:
    """Show a release (and its access list, if you are on it or manage it)."""
    return describe_release(call, get_release(call.session, release_id))
