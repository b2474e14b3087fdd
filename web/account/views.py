"""Your account: password, 2FA, recovery codes, and signing out everywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash, redirect, render_template, session, url_for
from flask_login import logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from scheduler.core.errors import DomainError
from scheduler.identity import account_security
from scheduler.identity.recovery_codes import regenerate_recovery_codes, remaining_recovery_codes
from scheduler.identity.sign_in import confirm_current_password
from scheduler.identity.sign_in_throttle import SignInLocked
from scheduler.identity.two_factor import (
    check_may_turn_off,
    confirm_enrolment,
    start_enrolment,
    turn_off,
)
from scheduler.models import User, utcnow
from scheduler.notifications.choices import email_preference
from web.account import blueprint
from web.account.email_notifications import describe_preference
from web.account.forms import ChangePasswordForm, ConfirmPasswordForm, SetUpTwoFactorForm
from web.auth.lockout import TOO_MANY_REQUESTS, client_ip, lockout_message
from web.auth.pending import finish_sign_in
from web.current import login_required
from web.current import signed_in_user as _signed_in_user
from web.extensions import db
from web.forms.errors import add_domain_error, add_error
from web.ui.two_factor_pages import render_recovery_codes, render_set_up

Page = str | Response | tuple[str, int]
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What came of an account change: whether it was made, its result, the page's status."""

    ok: bool
    value: T | None = None
    status: int = 200


def _with_current_password(
    form: FlaskForm, change: Callable[[], T], *, confirm: bool = True
) -> Outcome[T]:
    """Make a change needing the current password once the form is valid (wrong ones count)."""
    if not form.validate_on_submit():
        return Outcome(False)
    user = _signed_in_user()
    try:
        if confirm:
            confirm_current_password(
                db.session,
                user,
                form.current_password.data or "",
                ip_address=client_ip(),
                now=utcnow(),
            )
        return Outcome(True, change())
    except SignInLocked as locked:
        add_error(form, lockout_message(locked), "current_password")
        return Outcome(False, status=TOO_MANY_REQUESTS)
    except DomainError as refused:
        add_domain_error(form, refused)
        return Outcome(False)


@blueprint.route("")
@login_required
def index() -> str:
    """Show how the person signs in, and what they can change."""
    user = _signed_in_user()
    return render_template(
        "account/index.html",
        user=user,
        recovery_codes_left=remaining_recovery_codes(db.session, user),
        email_choice=describe_preference(email_preference(db.session, user)),
    )


@blueprint.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Page:
    """Change the password, which signs the person out everywhere else."""
    user = _signed_in_user()
    form = ChangePasswordForm()
    outcome = _with_current_password(
        form,
        lambda: account_security.change_password(
            db.session,
            user,
            current_password=form.current_password.data or "",
            new_password=form.new_password.data or "",
            now=utcnow(),
        ),
    )
    if outcome.ok:
        db.after_commit(
            lambda: finish_sign_in(
                user, then_flash="Your password has been changed and your other sessions ended"
            )
        )
        return redirect(url_for("account.index"))
    return render_template("account/change_password.html", form=form), outcome.status


@blueprint.route("/two-factor", methods=["GET"])
@login_required
def set_up_two_factor() -> str:
    """Explain setting up an authenticator app, or show the QR code once one is started."""
    user = _signed_in_user()
    if user.totp_pending_secret is None:
        return render_template("account/two_factor_start.html", user=user)
    return _set_up_page(user, SetUpTwoFactorForm())


@blueprint.route("/two-factor/start", methods=["POST"])
@login_required
def start_two_factor() -> Response:
    """Make a new secret for the person's authenticator app."""
    start_enrolment(_signed_in_user())
    return redirect(url_for("account.set_up_two_factor"))


@blueprint.route("/two-factor", methods=["POST"])
@login_required
def confirm_two_factor() -> Page:
    """Switch to the new app once the person types a code from it."""
    user = _signed_in_user()
    if user.totp_pending_secret is None:
        return redirect(url_for("account.set_up_two_factor"))
    form = SetUpTwoFactorForm()
    outcome = _with_current_password(
        form,
        lambda: confirm_enrolment(
            db.session,
            user,
            form.code.data or "",
            now=utcnow(),
            current_password=form.current_password.data or "",
        ),
        confirm=user.totp_enabled,  # replacing an app needs the password; a first one does not
    )
    if outcome.ok and outcome.value is not None:
        db.after_commit(lambda: finish_sign_in(user))
        return render_recovery_codes(outcome.value, continue_url=url_for("account.index"))
    return _set_up_page(user, form), outcome.status


@blueprint.route("/two-factor/turn-off", methods=["GET", "POST"])
@login_required
def turn_off_two_factor() -> Page:
    """Turn off two-factor authentication (authors only; approvers and admins must keep it)."""
    user = _signed_in_user()
    check_may_turn_off(user, by=user)
    if not user.totp_enabled:
        return redirect(url_for("account.index"))
    form = ConfirmPasswordForm()
    outcome = _with_current_password(
        form,
        lambda: turn_off(
            db.session,
            user,
            by=user,
            now=utcnow(),
            current_password=form.current_password.data or "",
        ),
    )
    if outcome.ok:
        db.after_commit(lambda: finish_sign_in(user, then_flash="Two-factor authentication is off"))
        return redirect(url_for("account.index"))
    return render_template("account/turn_off_two_factor.html", form=form), outcome.status


@blueprint.route("/recovery-codes", methods=["GET", "POST"])
@login_required
def replace_recovery_codes() -> Page:
    """Replace the person's recovery codes with new ones, after checking their password."""
    user = _signed_in_user()
    if not user.totp_enabled:
        return redirect(url_for("account.index"))
    form = ConfirmPasswordForm()
    outcome = _with_current_password(
        form,
        lambda: regenerate_recovery_codes(
            db.session,
            user,
            current_password=form.current_password.data or "",
            now=utcnow(),
        ),
    )
    if outcome.ok and outcome.value is not None:
        return render_recovery_codes(outcome.value, continue_url=url_for("account.index"))
    return render_template("account/replace_recovery_codes.html", form=form), outcome.status


@blueprint.route("/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere() -> Response:
    """End every session the person has, this one included."""
    account_security.sign_out_everywhere(db.session, _signed_in_user(), now=utcnow())
    db.after_commit(_signed_out_everywhere)
    return redirect(url_for("auth.sign_in"))


def _signed_out_everywhere() -> None:
    logout_user()
    session.clear()
    flash("You have been signed out on every device", "success")


def _must_enrol(user: User) -> bool:
    return user.requires_second_factor and not user.totp_enabled


def _set_up_page(user: User, form: SetUpTwoFactorForm) -> str:
    return render_set_up(
        user,
        form,
        action=url_for("account.confirm_two_factor"),
        required=_must_enrol(user),
        cancel_url=None if _must_enrol(user) else url_for("account.index"),
    )
