"""Read an API request's JSON body and query string into models, refusing bad input clearly."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from scheduler.core.storable_text import is_storable, unstorable_message
from web.api.problems import ApiProblem, FieldError
from web.api.schemas import NOW_CONTEXT

#: Far above any Gatepost request (a thread of posts is a few kB), far below the upload limit.
MAX_BODY_BYTES = 1024 * 1024
EXAMPLE_INSTANT = "2027-03-12T09:30:00+00:00"
_NO_BODY = object()

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class TextBody:
    """A body sent as text in another media type than JSON (e.g. text/csv), read as UTF-8."""

    media_type: str
    text: str


def read_body(
    model: type[M] | None,
    *,
    optional: bool = False,
    also_accepted: Sequence[str] = (),
    now: datetime | None = None,
) -> tuple[Any, M | None]:
    """Return the parsed JSON payload and the body validated against the model.

    An endpoint without a body model accepts an empty body (or `{}`) and returns (None, None);
    with `optional`, an empty body is read as `{}`. Instants are checked against the horizon
    around `now` (the request's clock).
    """
    context = {NOW_CONTEXT: now}
    payload = _parse_json(also_accepted)
    if optional and payload is _NO_BODY and model is not None:
        payload = {}
        return payload, model.model_validate(payload, context=context)
    if model is None:
        if payload is _NO_BODY or payload == {}:
            return None, None
        fields = sorted(payload) if isinstance(payload, dict) else []
        raise ApiProblem(
            "invalid-input",
            f"{request.method} {request.path} takes no body; leave it out",
            errors=[
                FieldError(name, "Unknown field; this takes no body", _pointer((name,)))
                for name in fields
            ],
        )
    if payload is _NO_BODY:
        raise ApiProblem(
            "malformed-request",
            "The body is empty; send a JSON object with Content-Type: application/json",
        )
    if not isinstance(payload, dict):
        raise ApiProblem(
            "invalid-input",
            f"The body must be a JSON object ({{...}}), not {_json_type(payload)}",
            errors=[FieldError("(body)", "Send a JSON object", "#")],
        )
    _refuse_unstorable_text(payload, ())
    try:
        body = model.model_validate_json(request.get_data(cache=True), context=context)
    except ValidationError as error:
        raise invalid_input(error, model) from None
    return payload, body


def read_query(model: type[M], *, now: datetime | None = None) -> M:
    """Return the query string validated against the model (instants within the horizon)."""
    repeated = sorted(name for name, values in request.args.lists() if len(values) > 1)
    if repeated:
        raise ApiProblem(
            "invalid-input",
            f"Give each query parameter once ({', '.join(repeated)} came more than once)",
            errors=[FieldError(name, "Give this parameter once") for name in repeated],
        )
    for name, value in request.args.items(multi=True):
        if not (is_storable(name) and is_storable(value)):
            shown = name if is_storable(name) else "(query)"
            message = unstorable_message(shown)
            raise ApiProblem("invalid-input", message, errors=[FieldError(shown, message)])
    try:
        return model.model_validate(request.args.to_dict(flat=True), context={NOW_CONTEXT: now})
    except ValidationError as error:
        raise invalid_input(error, model, in_query=True) from None


def invalid_input(
    error: ValidationError, model: type[BaseModel], *, in_query: bool = False
) -> ApiProblem:
    """Return a 422 problem naming each field pydantic refused and how to fix it."""
    errors = [
        FieldError(
            _field_name(details["loc"]),
            _message(details, model, in_query=in_query),
            None if in_query else _pointer(details["loc"]),
        )
        for details in error.errors(include_url=False)
    ]
    summary = "; ".join(f"{item.field}: {item.message}" for item in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return ApiProblem("invalid-input", f"{summary}{more}", errors=errors)


def read_text_body() -> str:
    """Return a non-JSON body (e.g. CSV) as text, refusing one too large or not UTF-8."""
    raw = _raw_body()
    if raw is None or not raw.strip():
        raise ApiProblem(
            "malformed-request", f"The body is empty; send the {request.mimetype} content"
        )
    return _utf8(raw, request.mimetype)


def _raw_body() -> bytes | None:
    """Return the body's bytes within the size limit, or None when there is none."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiProblem("body-too-large", _too_large())
    # A body sent without a length (chunked) is cut off as it is read; Werkzeug stops quietly
    # at the limit, so read one byte past it to tell "too large" from "exactly the limit".
    request.max_content_length = MAX_BODY_BYTES + 1
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return None
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiProblem("body-too-large", _too_large())
    return raw


def _utf8(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiProblem(
            "malformed-request", f"The body is not UTF-8 (byte {error.start}); send {what} as UTF-8"
        ) from None


def _parse_json(also_accepted: Sequence[str] = ()) -> Any:
    """Return the body parsed as JSON, or _NO_BODY when it is empty."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiProblem("body-too-large", _too_large())
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return _NO_BODY
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        had = f"it had {request.mimetype}" if request.mimetype else "it had none"
        others = "".join(f" or {kind}" for kind in also_accepted)
        raise ApiProblem(
            "unsupported-media-type",
            f"Send the body as JSON with Content-Type: application/json{others} ({had})",
        )
    raw = _raw_body()
    if raw is None or not raw.strip():
        return _NO_BODY
    text = _utf8(raw, "JSON")
    try:
        return json.loads(text, object_pairs_hook=_refuse_repeats, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise ApiProblem(
            "malformed-request",
            f"The body is not valid JSON: {error.msg} at line {error.lineno} column "
            f"{error.colno}; check for missing quotes, commas or brackets",
        ) from None
    except _NotJson as error:
        raise ApiProblem("malformed-request", str(error)) from None
    except RecursionError:
        raise ApiProblem(
            "malformed-request", "The body is nested too deeply to read; flatten it"
        ) from None


def _refuse_unstorable_text(value: Any, location: tuple[int | str, ...]) -> None:
    """Refuse text no database can store (the rule forms share: scheduler.core.storable_text)."""
    if isinstance(value, dict):
        for name, item in value.items():
            _refuse_unstorable_text(name, location)
            _refuse_unstorable_text(item, (*location, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_unstorable_text(item, (*location, index))
    elif isinstance(value, str) and not is_storable(value):
        name = _field_name(location)
        message = unstorable_message(name)
        raise ApiProblem(
            "invalid-input", message, errors=[FieldError(name, message, _pointer(location))]
        )


class _NotJson(ValueError):
    """Something json.loads accepts that is not JSON, or is ambiguous."""


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _NotJson(f"The field {name!r} appears twice in one object; send it once")
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number; send a finite number or null")


def _too_large() -> str:
    limit = MAX_BODY_BYTES // 1024 // 1024
    return f"The request body is too large; API request bodies may be at most {limit} MiB"


def _field_name(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(body)"


def _pointer(location: tuple[int | str, ...]) -> str:
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in location)
    return "#/" + "/".join(escaped) if location else "#"


def _message(details: ErrorDetails, model: type[BaseModel], *, in_query: bool) -> str:
    kind = details["type"]
    location = details["loc"]
    if kind == "missing":
        return "This parameter is required" if in_query else "This field is required"
    if kind == "extra_forbidden":
        what = "parameter" if in_query else "field"
        message = f"Unknown {what} {location[-1]!r}"
        if len(location) == 1:
            known = ", ".join(model.model_fields)
            message += f"; the {what}s are {known}" if known else f"; this takes no {what}s"
        return message
    if kind == "out_of_horizon":
        return f"{_field_name(location)} {details['msg']}"
    if kind == "timezone_aware":
        return f"Include an offset, e.g. {EXAMPLE_INSTANT}"
    if kind.startswith("datetime_"):
        return f"Give an ISO 8601 date and time with an offset, e.g. {EXAMPLE_INSTANT}"
    message = details["msg"]
    if kind.endswith("_type") and not in_query:
        message += f", not {_json_type(details['input'])}"
    return message


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
