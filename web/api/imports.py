"""Bulk import of a release-day thread through the API, as JSON or as CSV."""

from __future__ import annotations

from pydantic import Field

from scheduler.clearance.threads import MAX_THREAD_POSTS
from scheduler.identity.api_tokens import Scope
from scheduler.imports.files import CSV_COLUMNS, ImportProblem, ImportRow, ThreadFile, read_csv
from scheduler.imports.operations import ImportRefused, import_thread, thread_import_from
from scheduler.models.base import MAX_ID
from web.api import routes
from web.api.bodies import TextBody
from web.api.endpoints import ApiCall, Reply
from web.api.post_views import API_VIA
from web.api.problems import ApiProblem, FieldError
from web.api.schemas import Instant, QueryParameters, RequestBody
from web.api.threads import ThreadOut, created_thread_reply

CSV_MEDIA_TYPE = "text/csv"


class ImportedPost(RequestBody):
    """One post of the thread, and its twin's text."""

    text: str
    twin_text: str | None = None


class ThreadImportBody(RequestBody):
    """A thread to import; where and when may instead be given as query parameters."""

    channel: str | None = Field(default=None, min_length=1, max_length=101)
    release_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    send_at: Instant | None = None
    title: str | None = Field(default=None, max_length=300)
    posts: list[ImportedPost] = Field(
        description=f"In order; at most {MAX_THREAD_POSTS} (more are reported, not imported)"
    )


class ImportOptions(QueryParameters):
    """Where and when the thread goes (needed for CSV, which holds only the posts)."""

    channel: str | None = Field(default=None, min_length=1, max_length=101)
    release_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    send_at: Instant | None = None
    title: str | None = Field(default=None, max_length=300)


@routes.post(
    "/imports/threads",
    scope=Scope.WRITE,
    body=ThreadImportBody,
    text_media_types={CSV_MEDIA_TYPE},
    query=ImportOptions,
    response=ThreadOut,
    status=201,
    idempotent=True,
    errors={403},
    tag="threads",
    description=(
        "Send JSON, or CSV with `Content-Type: text/csv`: a header row naming the columns "
        f"({', '.join(CSV_COLUMNS)}; text is required, position orders the rows), then one "
        "post a row. Every row is checked first; if any is wrong nothing is created and the "
        "422 problem lists each problem in `errors` with its `row` (1 is the first post) and "
        "column (`field`)."
    ),
)
def post_thread_import(
    call: ApiCall, body: ThreadImportBody | TextBody, query: ImportOptions
) -> Reply:
    """Import a release-day thread (and its twin) from JSON or CSV, all or nothing."""
    if isinstance(body, TextBody):
        found = read_csv(body.text)
    else:
        found = ThreadFile(
            rows=[
                ImportRow(number, post.text, post.twin_text)
                for number, post in enumerate(body.posts, 1)
            ],
            channel=body.channel,
            release_id=body.release_id,
            send_at=body.send_at,
            title=body.title,
        )
    try:
        source = thread_import_from(
            call.session,
            found,
            channel=query.channel,
            release_id=query.release_id,
            send_at=query.send_at,
            title=query.title,
        )
        thread = import_thread(
            call.session,
            source,
            by=call.user,
            settings=call.settings,
            now=call.now,
            actor_label=API_VIA,
        )
    except ImportRefused as refused:
        json_body = not isinstance(body, TextBody)
        raise ApiProblem(
            "invalid-input",
            refused.message,
            errors=[_field_error(problem, json_body=json_body) for problem in refused.problems],
        ) from None
    return created_thread_reply(call, thread)


def _field_error(problem: ImportProblem, *, json_body: bool) -> FieldError:
    column = problem.column or "(file)"
    pointer = None
    if json_body:
        if problem.row is not None:
            pointer = f"#/posts/{problem.row - 1}" + (
                f"/{problem.column}" if problem.column else ""
            )
        elif problem.column is not None:
            pointer = f"#/{problem.column}"
    message = (
        f"Row {problem.row}: {problem.message}" if problem.row is not None else problem.message
    )
    return FieldError(column, message, pointer, row=problem.row)
