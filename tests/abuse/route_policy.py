"""The reviewed classification of every route: who may reach it, and what its parameters name.

The abuse and embargo tests iterate `app.url_map`, so a route added later is attacked
automatically. Only the exceptions are listed here; `test_route_policy.py` fails when a route
needs a decision nobody has made yet (an unknown path parameter, a stale allow-list entry).
"""

from __future__ import annotations

from typing import Any

#: Endpoints anyone may reach without signing in, with why.
PUBLIC_ENDPOINTS: dict[str, str] = {
    "static": "the site's own CSS, JavaScript and images",
    "govuk_frontend.asset": "the GOV.UK Frontend stylesheet and script",
    "auth.sign_in": "the sign-in form",
    "health.health": "load balancers and monitoring; counts only, never post text",
    "metrics.metrics": "Prometheus numbers, no text; needs the metrics token or a listed address",
    "api.get_openapi_document": "the API's description (OpenAPI 3.1)",
    "api.get_problem_type": "what each kind of problem document means",
    "calendar.feed": "a person's iCalendar feed: the secret in the address is the credential",
}

#: Steps of signing in that need a password-checked but unfinished sign-in, not a session:
#: anonymous visitors are sent back to the sign-in form.
SIGN_IN_STEP_ENDPOINTS: frozenset[str] = frozenset(
    {"auth.two_factor", "auth.recovery_code", "auth.set_up_two_factor"}
)

#: Web POST endpoints that legitimately take no CSRF token (none: every form carries one).
CSRF_EXEMPT_WEB_ENDPOINTS: frozenset[str] = frozenset()

#: Endpoints that answer 503 by design (the health check, when no worker is alive).
MAY_ANSWER_503: frozenset[str] = frozenset({"health.health"})

#: Endpoints whose path parameter is a file name: traversal must be refused.
FILE_NAME_PARAMETERS: frozenset[str] = frozenset({"filename", "path"})

#: Endpoints where the path parameter is not an object someone owns (documentation, files).
NON_OBJECT_PARAMETERS: dict[tuple[str, str], str] = {
    ("api.get_problem_type", "slug"): "not-found",
    ("static", "filename"): "css/gatepost.css",
    ("govuk_frontend.asset", "filename"): "govuk-frontend.min.css",
    # The most consequential action on someone else's post.
    ("posts.act", "action"): "approve",
    # Feeds are reached by their secret; a guessed one must get nothing.
    ("calendar.feed", "token"): "guessed-feed-token",
    ("admin.export_channel_access", "export_format"): "csv",
    ("admin.export_access", "export_format"): "csv",
    ("audit.download", "export_format"): "csv",
}


def path_values(world: Any) -> dict[str, object]:
    """Return, for each known path parameter name, the victim's object it should name."""
    return {
        "post_id": world.embargoed.id,
        "thread_id": world.thread.id,
        "release_id": world.release.id,
        "channel_id": world.channel_b.id,
        "handle": world.channel_b.handle,
        "user_id": world.victim.id,
        "token_id": world.victim_token.id,
        "notification_id": world.victim_notification.id,
        "period_id": world.quiet_period.id,
    }


def value_for(endpoint: str, name: str, values: dict[str, object]) -> object:
    """Return the value to put in a rule's parameter; KeyError means nobody classified it."""
    if (endpoint, name) in NON_OBJECT_PARAMETERS:
        return NON_OBJECT_PARAMETERS[endpoint, name]
    return values[name]
