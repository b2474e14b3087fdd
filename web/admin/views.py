"""The admin landing page."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from web.admin import blueprint
from web.admin.guard import require_admin


@blueprint.route("")
@login_required
def index() -> str:
    """List what admins can manage."""
    require_admin()
    return render_template("admin/index.html")
