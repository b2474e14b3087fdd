"""The admin landing page."""

from __future__ import annotations

from flask import render_template

from web.admin import blueprint
from web.admin.guard import require_admin
from web.current import login_required


@blueprint.route("")
@login_required
def index() -> str:
    """List what admins can manage."""
    require_admin()
    return render_template("admin/index.html")
