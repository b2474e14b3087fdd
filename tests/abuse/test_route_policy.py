"""Every route needs a decision: a new path parameter or a stale allow-list entry fails here."""

from __future__ import annotations

from werkzeug.routing import Rule

from tests.abuse import route_policy
from tests.abuse.conftest import World


def test_every_path_parameter_of_every_route_names_a_seeded_object(
    routes: list[Rule], world: World
) -> None:
    unclassified = [
        f"{rule.endpoint} ({rule.rule}): {name}"
        for rule in routes
        for name in sorted(rule.arguments)
        if (rule.endpoint, name) not in route_policy.NON_OBJECT_PARAMETERS
        and name not in world.path_values
    ]
    assert unclassified == [], (
        "These path parameters have no seeded value, so the abuse tests cannot aim at them: "
        "add them to path_values (someone else's object) or NON_OBJECT_PARAMETERS in "
        "tests/abuse/route_policy.py"
    )


def test_the_allow_lists_name_only_routes_that_exist(routes: list[Rule]) -> None:
    endpoints = {rule.endpoint for rule in routes}
    listed = (
        set(route_policy.PUBLIC_ENDPOINTS)
        | route_policy.SIGN_IN_STEP_ENDPOINTS
        | route_policy.CSRF_EXEMPT_WEB_ENDPOINTS
        | {endpoint for endpoint, _ in route_policy.NON_OBJECT_PARAMETERS}
    )
    assert sorted(listed - endpoints) == []
