"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from scheduler.accounts import authenticate
from web.auth import blueprint
from web.auth.forms import SignInForm
from web.extensions import db


def safe_next_url(target: str | None) -> str | None:
    """Return the target if it is a path on this site, so `next=` cannot redirect elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | Response:
    """Show the sign-in form, and sign the person in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is not None:
            db.commit()
            login_user(user)
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
        form.email.errors.append("Enter a correct email address and password")
    return render_template("auth/sign_in.html", form=form)


@blueprint.route("/sign-out", methods=["POST"])
@login_required
def sign_out() -> Response:
    """Sign the person out."""
    logout_user()
    flash("You have been signed out", "success")
    return redirect(url_for("auth.sign_in"))
