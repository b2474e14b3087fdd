"""The JSON API under /api/v1: bearer tokens, JSON bodies, problem details, OpenAPI 3.1."""

from web.api.endpoints import ApiRoutes

routes = ApiRoutes("/api/v1")

# The endpoint modules declare their endpoints on `routes`.
from web.api import (  # noqa: E402,F401
    channels,
    comments,
    documents,
    imports,
    me,
    post_actions,
    posts,
    releases,
    threads,
    tokens,
)

blueprint = routes.blueprint("api")
