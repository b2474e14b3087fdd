"""Declare API endpoints (method, path, scope, models, idempotency) and serve them uniformly.

Each endpoint is a handler that receives an `ApiCall` plus its validated inputs, calls the domain
and returns a response model. Everything around it is done here, the same way every time:
authentication, the scope check, reading the body and query, idempotency keys, rendering, one
commit for a write, and problem details for every refusal. The OpenAPI document is generated
from the same declarations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.orm import Session

from config import Settings
from scheduler.core.clock import Clock, SystemClock
from scheduler.core.idempotency import (
    HEADER as IDEMPOTENCY_HEADER,
)
from scheduler.core.idempotency import (
    Replay,
    claim_key,
    fingerprint,
    store_response,
)
from scheduler.identity.api_tokens import Scope
from scheduler.models import ApiToken, IdempotencyKey, User
from scheduler.models.base import MAX_ID
from web import current
from web.api.authentication import authenticate_request, require_scope
from web.api.bodies import TextBody, read_body, read_query, read_text_body
from web.api.problems import ApiProblem, problem_for_exception
from web.extensions import csrf, db

ROUTES_EXTENSION = "gatepost.api_routes"
CLOCK_CONFIG = "GATEPOST_CLOCK"
REPLAYED_HEADER = "Idempotent-Replayed"
JSON_CONTENT_TYPE = "application/json"

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
_IDEMPOTENT_CAPABLE = frozenset({"POST", "PATCH"})
_REPLAYED_RESPONSE_HEADERS = ("Content-Type", "Location")
_PATH_PARAMETER = re.compile(r"\{(\w+)(?::(int|str))?\}")

Handler = Callable[..., Any]
H = TypeVar("H", bound=Handler)


@dataclass(frozen=True)
class ApiCall:
    """What a handler gets besides its inputs: the session, the instant, settings and caller."""

    session: Session
    now: datetime
    settings: Settings
    caller: ApiToken | None

    @property
    def token(self) -> ApiToken:
        """Return the token that authenticated the request (public endpoints have none)."""
        if self.caller is None:
            raise LookupError("a public endpoint has no caller")
        return self.caller

    @property
    def user(self) -> User:
        """Return the person whose token authenticated the request."""
        return self.token.user


@dataclass(frozen=True)
class Reply:
    """A handler's answer when the declared status alone is not enough (e.g. a Location)."""

    body: Any = None
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PathParameter:
    """One `{name}` in an endpoint's path: a positive integer id, or `{name:str}` a text."""

    name: str
    kind: str

    @property
    def flask_converter(self) -> str:
        """Return the Flask URL converter that matches the parameter."""
        # The id's range is checked when serving: a converter that refuses a value makes
        # Werkzeug answer 405 when another method's rule has the same path.
        return f"<{'string' if self.kind == 'str' else 'int'}:{self.name}>"

    def names_nothing(self, value: Any) -> bool:
        """Return whether the value is outside what any id can be."""
        return self.kind == "int" and not 1 <= value <= MAX_ID

    @property
    def json_schema(self) -> dict[str, Any]:
        """Return the parameter's JSON Schema."""
        if self.kind == "str":
            return {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@dataclass(frozen=True)
class Endpoint:
    """One API operation as declared: everything needed to serve it and to document it."""

    method: str
    path: str
    handler: Handler
    scope: Scope | None
    public: bool
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    status: int
    idempotent: bool
    errors: frozenset[int]
    tag: str
    description: str
    body_optional: bool = False
    text_media_types: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        """Return the operation's id (the handler's name)."""
        return self.handler.__name__

    @property
    def summary(self) -> str:
        """Return the first line of the handler's docstring."""
        return (self.handler.__doc__ or self.name).strip().splitlines()[0]

    @property
    def path_parameters(self) -> list[PathParameter]:
        """Return the parameters in the path, in order."""
        return [
            PathParameter(match[1], match[2] or "int")
            for match in _PATH_PARAMETER.finditer(self.path)
        ]

    @property
    def openapi_path(self) -> str:
        """Return the path as OpenAPI writes it, e.g. /tokens/{token_id}."""
        return _PATH_PARAMETER.sub(lambda match: "{" + match[1] + "}", self.path)

    @property
    def flask_rule(self) -> str:
        """Return the path as a Flask URL rule with converters."""
        parameters = {parameter.name: parameter for parameter in self.path_parameters}
        return _PATH_PARAMETER.sub(lambda match: parameters[match[1]].flask_converter, self.path)

    @property
    def takes_body(self) -> bool:
        """Return whether the method carries a body (one is refused if no model is declared)."""
        return self.method in _BODY_METHODS

    @cached_property
    def response_adapter(self) -> TypeAdapter[Any] | None:
        """Return the adapter that serialises the response body, if there is one."""
        return None if self.response is None else TypeAdapter(self.response)

    def problem_statuses(self) -> set[int]:
        """Return every problem status this endpoint can answer with."""
        statuses = set(self.errors)
        if not self.public:
            statuses |= {401, 403}
        if self.path_parameters:
            statuses.add(404)
        if self.takes_body:
            statuses |= {400, 413, 415, 422}
        if self.query is not None:
            statuses.add(422)
        if self.idempotent:
            statuses |= {409, 422}
        return statuses


class ApiRoutes:
    """A set of endpoint declarations under one prefix, served by one blueprint."""

    def __init__(self, prefix: str = "/api/v1") -> None:
        self.prefix = prefix
        self.endpoints: list[Endpoint] = []

    def endpoint(
        self,
        method: str,
        path: str,
        *,
        scope: Scope | None = None,
        public: bool = False,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        idempotent: bool = False,
        errors: frozenset[int] | set[int] = frozenset(),
        tag: str = "",
        description: str = "",
        body_optional: bool = False,
        text_media_types: frozenset[str] | set[str] = frozenset(),
    ) -> Callable[[H], H]:
        """Declare the decorated handler as serving `method path`.

        `scope`: the token scope required (None: any valid token). `public`: no token at all.
        `body`/`query`: RequestBody/QueryParameters models, validated before the handler runs
        and passed as `body=`/`query=`. `response`: the type the handler returns (serialised with
        pydantic; None for an empty response). `idempotent`: honour an Idempotency-Key header.
        `errors`: further problem statuses the domain call can cause (e.g. {404, 409}).
        `body_optional`: an empty body is read as `{}` (e.g. an action's optional version).
        `text_media_types`: other media types (e.g. text/csv) whose body the handler receives
        as a `TextBody` instead of a validated model.
        """
        method = method.upper()
        if body is not None and method not in _BODY_METHODS:
            raise ValueError(f"{method} {path}: only POST, PUT and PATCH take a body")
        if idempotent and (method not in _IDEMPOTENT_CAPABLE or public):
            raise ValueError(f"{method} {path}: only authenticated POST or PATCH are idempotent")
        if public and scope is not None:
            raise ValueError(f"{method} {path}: a public endpoint cannot require a scope")
        if (body_optional or text_media_types) and body is None:
            raise ValueError(f"{method} {path}: body options need a body model")

        def declare(handler: H) -> H:
            self.endpoints.append(
                Endpoint(
                    method=method,
                    path=path,
                    handler=handler,
                    scope=scope,
                    public=public,
                    body=body,
                    query=query,
                    response=response,
                    status=status if response is not None or status != 200 else 204,
                    idempotent=idempotent,
                    errors=frozenset(errors),
                    tag=tag,
                    description=description,
                    body_optional=body_optional,
                    text_media_types=frozenset(text_media_types),
                )
            )
            return handler

        return declare

    def get(self, path: str, **options: Any) -> Callable[[H], H]:
        """Declare a GET endpoint (see `endpoint`)."""
        return self.endpoint("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[H], H]:
        """Declare a POST endpoint (see `endpoint`)."""
        return self.endpoint("POST", path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[H], H]:
        """Declare a PATCH endpoint (see `endpoint`)."""
        return self.endpoint("PATCH", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[H], H]:
        """Declare a PUT endpoint (see `endpoint`)."""
        return self.endpoint("PUT", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[H], H]:
        """Declare a DELETE endpoint (see `endpoint`)."""
        return self.endpoint("DELETE", path, **options)

    def blueprint(self, name: str) -> Blueprint:
        """Return a blueprint serving every declared endpoint, exempt from CSRF checks."""
        names = [endpoint.name for endpoint in self.endpoints]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"API handler names must be unique: {', '.join(repeated)}")
        bp = Blueprint(name, __name__, url_prefix=self.prefix)
        for endpoint in self.endpoints:
            bp.add_url_rule(
                endpoint.flask_rule,
                endpoint=endpoint.name,
                view_func=_view(endpoint),
                methods=[endpoint.method],
                provide_automatic_options=False,
            )

        def on_register(state: BlueprintSetupState) -> None:
            # Only a bearer token authenticates the API, never the session cookie, so a
            # forged cross-site request carries no credentials: CSRF tokens have no work here.
            csrf.exempt(bp)
            state.app.extensions.setdefault(ROUTES_EXTENSION, []).append(self)

        bp.record_once(on_register)
        return bp


def registered_routes(app: Flask) -> list[ApiRoutes]:
    """Return every ApiRoutes the app serves."""
    routes: list[ApiRoutes] = app.extensions.get(ROUTES_EXTENSION, [])
    return routes


def _view(endpoint: Endpoint) -> Callable[..., Response]:
    def view(**path_values: Any) -> Response:
        try:
            return _serve(endpoint, path_values)
        except Exception as error:  # every failure becomes a problem document
            return problem_for_exception(error)

    view.__name__ = endpoint.name
    view.__doc__ = endpoint.handler.__doc__
    return view


def _serve(endpoint: Endpoint, path_values: dict[str, Any]) -> Response:
    now = _clock().now()
    token = None
    if not endpoint.public:
        token = authenticate_request(now=now)
        require_scope(token, endpoint.scope)
    for parameter in endpoint.path_parameters:
        if parameter.names_nothing(path_values[parameter.name]):
            raise ApiProblem(
                "not-found",
                f"{path_values[parameter.name]} is not an id; ids are whole numbers from 1 to "
                f"{MAX_ID}",
            )
    inputs = dict(path_values)
    payload: Any = None
    if endpoint.takes_body:
        if request.mimetype in endpoint.text_media_types:
            text = read_text_body()
            payload = {"media_type": request.mimetype, "text": text}
            inputs["body"] = TextBody(media_type=request.mimetype, text=text)
        else:
            payload, body = read_body(
                endpoint.body,
                optional=endpoint.body_optional,
                also_accepted=sorted(endpoint.text_media_types),
                now=now,
            )
            if body is not None:
                inputs["body"] = body
    if endpoint.query is not None:
        inputs["query"] = read_query(endpoint.query, now=now)
    elif request.args:
        raise ApiProblem(
            "invalid-input",
            f"{endpoint.method} {request.path} takes no query parameters; leave them out",
        )
    claim = _claim(endpoint, token, payload, now)
    if isinstance(claim, Replay):
        return _replayed(claim)
    call = ApiCall(session=db.session, now=now, settings=current.settings(), caller=token)
    response = _render(endpoint, endpoint.handler(call, **inputs))
    if claim is not None:
        store_response(
            db.session,
            claim,
            status=response.status_code,
            body=response.get_data(as_text=True),
            headers={
                name: response.headers[name]
                for name in _REPLAYED_RESPONSE_HEADERS
                if name in response.headers
            },
        )
    if request.method not in _READ_ONLY_METHODS:
        db.commit()
    return response


def _claim(
    endpoint: Endpoint, token: ApiToken | None, payload: Any, now: datetime
) -> IdempotencyKey | Replay | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None or endpoint.method not in _IDEMPOTENT_CAPABLE:
        return None
    if not endpoint.idempotent or token is None:  # (idempotent endpoints are never public)
        raise ApiProblem(
            "malformed-request",
            f"{endpoint.method} {request.path} does not take an {IDEMPOTENCY_HEADER} header "
            "(see its description); leave the header out",
        )
    return claim_key(
        db.session,
        user=token.user,
        key=key,
        method=endpoint.method,
        path=request.full_path.rstrip("?"),
        request_hash=fingerprint(payload),
        now=now,
    )


def _render(endpoint: Endpoint, result: Any) -> Response:
    reply = result if isinstance(result, Reply) else Reply(body=result)
    status = reply.status or endpoint.status
    if endpoint.response_adapter is None:
        response = Response(status=status)
    else:
        response = Response(
            endpoint.response_adapter.dump_json(reply.body),
            status=status,
            content_type=JSON_CONTENT_TYPE,
        )
    response.headers.update(reply.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _replayed(replay: Replay) -> Response:
    response = Response(replay.body, status=replay.status)
    response.headers.update(replay.headers)
    response.headers[REPLAYED_HEADER] = "true"
    response.headers["Cache-Control"] = "no-store"
    return response


def _clock() -> Clock:
    clock: Clock | None = current_app.config.get(CLOCK_CONFIG)
    return clock or SystemClock()
