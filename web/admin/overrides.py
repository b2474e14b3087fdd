"""Admin pages for overrides: let a held post go outside the publishing window, with a reason."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from scheduler.clearance import get_post
from scheduler.core.errors import DomainError
from scheduler.publishing.override_review import has_current_override, held_posts, recent_overrides
from scheduler.publishing.overrides import grant_override
from web.admin import blueprint
from web.admin.calendar_forms import OverrideForm
from web.admin.guard import require_admin
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error
from web.ui.messages import flash_saved

Page = str | Response


@blueprint.route("/overrides")
@login_required
def overrides() -> str:
    """List the posts being held and the overrides already granted."""
    require_admin()
    held = held_posts(db.session)
    return render_template(
        "admin/overrides.html",
        held=held,
        overridden={post.id for post in held if has_current_override(db.session, post)},
        overrides=recent_overrides(db.session),
    )


@blueprint.route("/overrides/<int:post_id>", methods=["GET", "POST"])
@login_required
def grant_post_override(post_id: int) -> Page:
    """Grant an override for one post's current text, giving the reason."""
    admin = require_admin()
    post = get_post(db.session, post_id)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            grant_override(db.session, post, by=admin, reason=form.reason.data or "")
        except DomainError as error:
            add_domain_error(form, error)
        else:
            flash_saved(
                f"Post {post.id} may go outside the publishing window (never before an embargo)"
            )
            return redirect(url_for("admin.overrides"))
    return render_template("admin/grant_override.html", form=form, post=post)
