"""Home page."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from web.current import login_required
from web.main import blueprint


@blueprint.route("/")
@login_required
def home() -> str:
    """Show the signed-in person's home page."""
    return render_template("main/home.html", user=current_user)
