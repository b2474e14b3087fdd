"""Your calendar feed: create, regenerate or revoke its secret address; serve the feed."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as Redirect

from scheduler.core.errors import NotFound
from scheduler.reports.feeds import (
    build_feed,
    create_feed_token,
    revoke_feed_token,
    user_for_feed_token,
)
from web.calendar import blueprint
from web.current import login_required
from web.extensions import db
from web.ui.messages import flash_saved


@blueprint.route("/feed", methods=["GET"])
@login_required
def feed_settings() -> str:
    """Show whether the person has a calendar feed, and the buttons to change it."""
    return render_template(
        "calendar/feed.html", has_feed=current_user.calendar_token_hash is not None, feed_url=None
    )


@blueprint.route("/feed", methods=["POST"])
@login_required
def change_feed() -> str | Redirect:
    """Create or regenerate the feed address (shown once), or revoke it."""
    if request.form.get("action") == "revoke":
        revoked = revoke_feed_token(db.session, current_user, by=current_user)
        flash_saved("Your calendar feed is turned off" if revoked else "You had no calendar feed")
        return redirect(url_for("calendar.feed_settings"))
    token = create_feed_token(db.session, current_user, by=current_user)
    # Rendered, not redirected: the address is shown this once and never kept in the session.
    return render_template(
        "calendar/feed.html",
        has_feed=True,
        feed_url=url_for("calendar.feed", token=token, _external=True),
    )


@blueprint.route("/feed/<token>.ics")
def feed(token: str) -> Response:
    """Serve the person's iCalendar feed to their calendar app (the address is the secret)."""
    try:
        user = user_for_feed_token(db.session, token)
    except NotFound:
        abort(404)
    body = build_feed(db.session, user=user, base_url=request.host_url)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": "inline; filename=gatepost.ics"},
    )
