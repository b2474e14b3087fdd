"""The API describing itself: its OpenAPI document and what each problem type means."""

from __future__ import annotations

from typing import Any

from flask import current_app
from pydantic import Field

from scheduler.core.errors import NotFound
from web.api import routes
from web.api.endpoints import ApiCall
from web.api.openapi import openapi_document
from web.api.problems import PROBLEM_TYPES
from web.api.schemas import ResponseBody


class ProblemTypeDescription(ResponseBody):
    """One kind of problem the API answers with."""

    type: str = Field(description="The URI problem documents of this kind carry in `type`")
    title: str
    status: int = Field(description="The HTTP status it comes with")
    description: str = Field(description="What it means and what to do about it")


@routes.get("/openapi.json", public=True, response=dict[str, Any], tag="documentation")
def get_openapi_document(call: ApiCall) -> dict[str, Any]:
    """Describe the API as an OpenAPI 3.1 document."""
    return openapi_document(current_app)


@routes.get(
    "/problems/{slug:str}", public=True, response=ProblemTypeDescription, tag="documentation"
)
def get_problem_type(call: ApiCall, slug: str) -> ProblemTypeDescription:
    """Explain one kind of problem: the `type` of a problem document links here."""
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        raise NotFound(
            f"There is no problem type {slug!r}; the types are {', '.join(PROBLEM_TYPES)}"
        )
    return ProblemTypeDescription(
        type=kind.uri, title=kind.title, status=kind.status, description=kind.description
    )
