"""Mock platform timeline page."""

from __future__ import annotations

from flask import render_template, request

from scheduler.platforms.mock_timeline import read_timeline
from web import current
from web.current import login_required
from web.timeline import blueprint


@blueprint.route("/mock")
@login_required
def index() -> str:
    """Show what the mock platform has published, newest thread first, on one channel or all."""
    settings = current.settings()
    channel = request.args.get("channel", "").strip() or None
    timeline = read_timeline(settings.mock_ledger_path, channel=channel)
    return render_template("timeline/index.html", timeline=timeline, channel=channel)
