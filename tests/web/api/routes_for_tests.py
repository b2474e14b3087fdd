"""Endpoints that exist only in tests, to exercise the API machinery without real features."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from pydantic import Field
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import TooManyRequests

from scheduler.core import audit
from scheduler.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from scheduler.identity.api_tokens import Scope
from web.api.endpoints import ApiCall, ApiRoutes
from web.api.schemas import Instant, QueryParameters, RequestBody, ResponseBody

NOTE_ACTION = "test_note"
SLOW_NOTE = "slow"

routes = ApiRoutes("/api/v1")


class Echo(RequestBody):
    """Fields of several types."""

    at: Instant
    count: int
    flag: bool = False
    tags: list[str] = Field(default_factory=list, max_length=3)


class Echoed(ResponseBody):
    """The fields as understood."""

    at: Instant
    count: int
    flag: bool
    tags: list[str]


class NoteBody(RequestBody):
    """A note to write into the audit trail."""

    text: str = Field(min_length=1, max_length=200)


class Note(ResponseBody):
    """The note written."""

    id: int
    text: str


class Search(QueryParameters):
    """Paging parameters."""

    limit: int = Field(default=10, ge=1, le=100)
    state: str | None = None


@routes.post("/test/echo", scope=Scope.WRITE, body=Echo, response=Echoed, tag="test")
def echo(call: ApiCall, body: Echo) -> Echoed:
    """Return the body as understood."""
    return Echoed(**body.model_dump())


@routes.get("/test/search", scope=Scope.READ, query=Search, response=Search, tag="test")
def search(call: ApiCall, query: Search) -> Search:
    """Return the query as understood."""
    return query


@routes.post("/test/empty", scope=Scope.WRITE, tag="test")
def empty(call: ApiCall) -> None:
    """Do nothing, with no body."""


@routes.post(
    "/test/notes",
    scope=Scope.WRITE,
    body=NoteBody,
    response=Note,
    status=201,
    idempotent=True,
    errors={403},
    tag="test",
)
def create_note(call: ApiCall, body: NoteBody) -> Note:
    """Write a note into the audit trail."""
    if body.text == "forbidden":
        raise PermissionDenied("Notes may not say that")
    if body.text == SLOW_NOTE:
        time.sleep(0.3)  # long enough for a concurrent duplicate to arrive meanwhile
    event = audit.record(call.session, NOTE_ACTION, actor=call.user, comment=body.text)
    call.session.flush()
    return Note(id=event.id, text=body.text)


REFUSALS: dict[str, Callable[[], Exception]] = {
    "forbidden": lambda: PermissionDenied("Only approvers can do that; ask one"),
    "not_found": lambda: NotFound("No post 99; check the id"),
    "invalid_state": lambda: InvalidTransition("Post 5 is published; it cannot be submitted"),
    "conflict": lambda: Conflict("Someone else changed post 5; reload it"),
    "invalid": lambda: ValidationFailed("Give a send time after now", field="send_at"),
    "refused": lambda: DomainError("Gatepost will not do that"),
    "stale": lambda: StaleDataError("UPDATE statement on table 'posts' expected 1 row"),
    "rate_limited": lambda: TooManyRequests(retry_after=30),
    "crash": lambda: RuntimeError("connection to postgresql://admin:hunter2@db failed"),
}


@routes.get("/test/refusals/{kind:str}", scope=Scope.READ, errors={403, 409, 422, 429}, tag="test")
def refuse(call: ApiCall, kind: str) -> None:
    """Raise the error named."""
    raise REFUSALS[kind]()


def mount(app: Flask) -> None:
    """Add the test-only endpoints to an app that has not served a request yet."""
    app.register_blueprint(routes.blueprint("api_test"))
