"""Pages shared by the sign-in and account flows: set up an authenticator app, save codes."""

from __future__ import annotations

from flask import render_template
from flask_wtf import FlaskForm

from scheduler.identity.two_factor import grouped_secret, provisioning_uri
from scheduler.models import User
from web.ui.qr_codes import qr_code_data_uri


def render_set_up(
    user: User,
    form: FlaskForm,
    *,
    action: str,
    required: bool,
    cancel_url: str | None = None,
) -> str:
    """Render the QR code, the secret for typing in by hand, and the form to confirm a code."""
    secret = user.totp_pending_secret or ""
    return render_template(
        "two_factor/set_up.html",
        form=form,
        action=action,
        required=required,
        cancel_url=cancel_url,
        resetting=user.totp_enabled,
        qr_code=qr_code_data_uri(provisioning_uri(user, secret)),
        secret=grouped_secret(secret),
    )


def render_recovery_codes(codes: list[str], *, continue_url: str) -> str:
    """Render new recovery codes, shown this once and never stored in clear."""
    return render_template("two_factor/recovery_codes.html", codes=codes, continue_url=continue_url)
