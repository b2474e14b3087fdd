"""Base models for API request and response bodies, and the problem document's schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from scheduler.core.time_horizon import Horizon
from scheduler.models import utcnow

#: The validation context key holding the request's instant (bodies.read_body passes it).
NOW_CONTEXT = "now"


def _within_horizon(instant: datetime, info: ValidationInfo) -> datetime:
    """Refuse an instant outside the accepted horizon (scheduler.core.time_horizon), saying it."""
    context = info.context if isinstance(info.context, dict) else {}
    horizon = Horizon.around(context.get(NOW_CONTEXT) or utcnow())
    if not horizon.contains(instant):
        raise PydanticCustomError(
            "out_of_horizon", "must be between {span}", {"span": horizon.describe()}
        )
    return instant


#: An instant given as ISO 8601 with an offset, within a year back and five years ahead; a time
#: without an offset is refused.
Instant = Annotated[
    AwareDatetime,
    AfterValidator(_within_horizon),
    Field(
        description="ISO 8601 date and time with an offset, e.g. 2027-03-12T09:30:00+00:00, "
        "from a year ago to five years ahead",
        examples=["2027-03-12T09:30:00+00:00"],
    ),
]


class RequestBody(BaseModel):
    """A JSON body a client sends: unknown fields are refused and types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryParameters(BaseModel):
    """Query-string parameters: unknown ones are refused; values arrive as text."""

    model_config = ConfigDict(extra="forbid")


class ResponseBody(BaseModel):
    """A JSON body Gatepost sends; every field is always present."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class ProblemFieldError(BaseModel):
    """One thing wrong with one field."""

    field: str = Field(description="The field, header or parameter, e.g. send_at")
    message: str = Field(description="What is wrong and how to fix it")
    pointer: str | None = Field(
        default=None, description="JSON Pointer to the field in the body, e.g. #/send_at"
    )
    row: int | None = Field(
        default=None, description="For an imported file: the row, 1 being the first post"
    )


class Problem(BaseModel):
    """An RFC 9457 problem document: what went wrong and what to do about it."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="URI reference naming the kind of problem")
    title: str = Field(description="Short summary of the kind of problem")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong this time, and what to do about it")
    instance: str = Field(description="The path of the request that had the problem")
    code: str = Field(
        description="A short, stable code for the refusal, e.g. invalid_state or not_found"
    )
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="For invalid input: each field that is wrong"
    )
