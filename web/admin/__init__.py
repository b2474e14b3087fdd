"""Admin pages: people, channels, access lists, releases, quiet periods, overrides, audit."""

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

from web.admin import (  # noqa: E402,F401  (views attach routes to the blueprint)
    audit,
    channel_connect,
    channel_faults,
    channel_oauth,
    channels,
    overrides,
    quiet_periods,
    releases,
    users,
    views,
)
