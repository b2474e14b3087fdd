"""Policy: approvers and admins use two-factor authentication before they reach any page."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

#: What someone who must set up 2FA can still reach: the set-up pages, signing out, the files.
ALLOWED_ENDPOINTS = frozenset(
    {
        "account.set_up_two_factor",
        "account.start_two_factor",
        "account.confirm_two_factor",
        "auth.sign_out",
        "static",
        "govuk_frontend.asset",
    }
)


def register_two_factor_enforcement(app: Flask) -> None:
    """Send signed-in approvers and admins without 2FA to set it up (e.g. after a role change)."""

    def require_two_factor() -> Response | None:
        if request.endpoint is None or request.endpoint in ALLOWED_ENDPOINTS:
            return None
        # The API authenticates by token, never by the session cookie.
        if request.blueprint == "api":
            return None
        if (
            current_user.is_authenticated
            and current_user.requires_second_factor
            and not current_user.totp_enabled
        ):
            return redirect(url_for("account.set_up_two_factor"))
        return None

    app.before_request(require_two_factor)
