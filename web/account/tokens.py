"""Your API tokens: list them, create one (its secret shown once), and revoke one."""

from __future__ import annotations

from datetime import timedelta

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from scheduler.core.errors import DomainError, NotFound
from scheduler.identity.api_tokens import (
    create_token,
    display_prefix,
    get_token,
    list_tokens,
    revoke_token,
    token_status,
)
from scheduler.identity.two_factor import verify_code
from scheduler.models import Role, User, utcnow
from web.account import blueprint
from web.account.token_forms import CreateTokenForm
from web.current import login_required
from web.current import signed_in_user as _signed_in_user
from web.extensions import db
from web.forms.errors import add_domain_error, add_error
from web.ui.messages import flash_saved

Page = str | Response | tuple[str, int]


def _may_approve(user: User) -> bool:
    return user.role in (Role.APPROVER, Role.ADMIN)


@blueprint.route("/tokens")
@login_required
def tokens() -> str:
    """List the person's API tokens (never their secrets)."""
    user = _signed_in_user()
    return render_template(
        "account/tokens.html",
        tokens=list_tokens(db.session, user=user),
        status=lambda token: token_status(token, utcnow()),
        display_prefix=display_prefix,
    )


@blueprint.route("/tokens/new", methods=["GET", "POST"])
@login_required
def create_api_token() -> Page:
    """Create a token and show its secret once; people with 2FA confirm with a code."""
    user = _signed_in_user()
    form = CreateTokenForm()
    form.offer_scopes(may_approve=_may_approve(user))
    if not form.is_submitted():
        form.scopes.data = ["read"]
    if form.validate_on_submit():
        now = utcnow()
        if user.totp_enabled and not verify_code(user, (form.code.data or "").strip(), now=now):
            add_error(
                form,
                "Enter a current code from your authenticator app; each code works once",
                "code",
            )
        else:
            try:
                token, secret = create_token(
                    db.session,
                    user,
                    scopes=form.scopes.data or [],
                    name=form.name.data or "",
                    expires_in=timedelta(days=form.expires_in_days.data or 0),
                    by=user,
                    now=now,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return render_template(
                    "account/token_created.html",
                    token=token,
                    secret=secret,
                    prefix=display_prefix(token),
                )
    return render_template("account/create_token.html", form=form, needs_code=user.totp_enabled)


@blueprint.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int) -> Response:
    """Revoke one of the person's tokens at once."""
    user = _signed_in_user()
    token = get_token(db.session, token_id, by=user)
    if token.user_id != user.id:
        # Admins may see anyone's token, but this page is for the person's own.
        raise NotFound(f"You have no API token with id {token_id}")
    revoke_token(db.session, token, by=user, now=utcnow())
    flash_saved(f"Token {display_prefix(token)} ({token.name}) is revoked and no longer works")
    return redirect(url_for("account.tokens"))
