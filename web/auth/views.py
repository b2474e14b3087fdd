"""Signing in (password, then a second factor where set up or required) and signing out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from scheduler.core.errors import ValidationFailed
from scheduler.identity.sign_in import (
    NextStep,
    SignInRefused,
    check_code,
    check_password,
    check_recovery_code,
    complete_sign_in,
    next_step,
)
from scheduler.identity.sign_in_throttle import SignInLocked
from scheduler.identity.two_factor import confirm_enrolment, start_enrolment
from scheduler.models import utcnow
from web.auth import blueprint
from web.auth.forms import CodeForm, RecoveryCodeForm, SignInForm
from web.auth.lockout import TOO_MANY_REQUESTS, client_ip, lockout_message
from web.auth.pending import (
    begin_pending_sign_in,
    clear_pending_sign_in,
    finish_sign_in,
    pending_next_url,
    pending_user,
)
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error, add_error
from web.ui.two_factor_pages import render_recovery_codes, render_set_up

Page = str | Response | tuple[str, int]
Checked = TypeVar("Checked")


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
def sign_in() -> Page:
    """Show the sign-in form and check the password; a second factor may follow."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        now = utcnow()
        try:
            user = check_password(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                ip_address=client_ip(),
                now=now,
            )
        except SignInLocked as locked:
            # The failure that caused the lock is saved all the same (SignInLocked keeps it).
            add_error(form, lockout_message(locked), "email")
            status = TOO_MANY_REQUESTS
        except SignInRefused as refused:
            add_domain_error(form, refused)
        else:
            next_url = safe_next_url(request.args.get("next"))
            step = next_step(user)
            if step is NextStep.DONE:
                complete_sign_in(db.session, user, method="password", now=now)
                db.after_commit(lambda: finish_sign_in(user))
                return redirect(next_url or url_for("main.home"))
            if step is NextStep.ENROL:
                start_enrolment(user)
            db.after_commit(lambda: begin_pending_sign_in(user, next_url))
            if step is NextStep.ENROL:
                return redirect(url_for("auth.set_up_two_factor"))
            return redirect(url_for("auth.two_factor"))
    return render_template("auth/sign_in.html", form=form), status


@blueprint.route("/sign-in/two-factor", methods=["GET", "POST"])
def two_factor() -> Page:
    """Ask for the code from the person's authenticator app."""
    return _second_factor(
        CodeForm,
        "auth/two_factor.html",
        check_code,
        method="totp",
        then=lambda _, next_url: redirect(next_url or url_for("main.home")),
    )


@blueprint.route("/sign-in/recovery-code", methods=["GET", "POST"])
def recovery_code() -> Page:
    """Let the person use a recovery code instead of their app."""
    return _second_factor(
        RecoveryCodeForm,
        "auth/recovery_code.html",
        check_recovery_code,
        method="recovery_code",
        then=_after_recovery_code,
    )


def _after_recovery_code(left: int, _next_url: str | None) -> Response:
    # On the fresh session, once signed in: finish_sign_in clears everything before it.
    db.after_commit(lambda: flash(_codes_left_message(left), "important"))
    return redirect(url_for("account.index"))


def _second_factor(
    form_class: type[CodeForm | RecoveryCodeForm],
    template: str,
    check: Callable[..., Checked],
    *,
    method: str,
    then: Callable[[Checked, str | None], Response],
) -> Page:
    # `then` gives the page once the person is signed in, with the check's result and where they
    # were going; anything it puts in the session must wait for the fresh one (after_commit).
    user = pending_user()
    if user is None or not user.totp_enabled:
        return _start_again()
    form = form_class()
    status = 200
    if form.validate_on_submit():
        now = utcnow()
        try:
            checked = check(
                db.session, user, code=form.code.data or "", ip_address=client_ip(), now=now
            )
        except SignInLocked as locked:
            clear_pending_sign_in()
            add_error(form, lockout_message(locked), "code")
            status = TOO_MANY_REQUESTS
        except SignInRefused as refused:
            add_domain_error(form, refused)
        else:
            next_url = pending_next_url()
            complete_sign_in(db.session, user, method=method, now=now)
            db.after_commit(lambda: finish_sign_in(user))
            return then(checked, next_url)
    return render_template(template, form=form), status


@blueprint.route("/sign-in/set-up-two-factor", methods=["GET", "POST"])
def set_up_two_factor() -> Page:
    """Have an approver or admin set up an authenticator app before going any further."""
    user = pending_user()
    if user is None or user.totp_pending_secret is None:
        return _start_again()
    form = CodeForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            codes = confirm_enrolment(db.session, user, form.code.data or "", now=now)
        except ValidationFailed as refused:
            add_domain_error(form, refused)
        else:
            next_url = pending_next_url()
            complete_sign_in(db.session, user, method="totp_enrolment", now=now)
            db.after_commit(lambda: finish_sign_in(user))
            return render_recovery_codes(codes, continue_url=next_url or url_for("main.home"))
    return render_set_up(user, form, action=url_for("auth.set_up_two_factor"), required=True)


@blueprint.route("/sign-out", methods=["POST"])
@login_required
def sign_out() -> Response:
    """Sign the person out."""
    logout_user()
    flash("You have been signed out", "success")
    return redirect(url_for("auth.sign_in"))


def _start_again() -> Response:
    clear_pending_sign_in()
    flash("Sign in again to continue: signing in must be finished within 10 minutes", "important")
    return redirect(url_for("auth.sign_in"))


def _codes_left_message(left: int) -> str:
    if left == 0:
        return "You have used your last recovery code. Create new ones now, before you need them."
    plural = "code" if left == 1 else "codes"
    return f"You have {left} recovery {plural} left. Create new ones if you have lost your app."
