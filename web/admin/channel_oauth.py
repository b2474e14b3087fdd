"""Connect a channel through its platform's OAuth sign-in (X): start, then take the answer.

The page prepares the sign-in (a random state, and what the adapter keeps, such as the PKCE
verifier); its button sends the admin to the platform, which sends them back to the callback.
What is kept between the two lives in the person's session only, encrypted (Flask's session is
a signed cookie anyone holding it can read) and for ten minutes; never in an address.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from config import Settings
from scheduler.channels.accounts import account_of
from scheduler.channels.connections import save_connection
from scheduler.core.errors import NotFound
from scheduler.models import Channel, utcnow
from scheduler.platforms import Platform, PlatformError
from scheduler.platforms.registry import get_platform
from web.admin import blueprint
from web.admin.guard import require_admin
from web.current import login_required
from web.current import settings as _settings
from web.extensions import db
from web.middleware.database import writes_on_get
from web.middleware.security_headers import CONTENT_SECURITY_POLICY
from web.ui.messages import flash_saved

PENDING_KEY = "channel_oauth"
#: Long enough to sign in to the platform (and pass its own second step), short enough to lapse.
PENDING_LIFETIME_SECONDS = 10 * 60
_NOTHING_SAVED = "Nothing was saved."

Page = str | Response | tuple[str, int]


def _sealer(settings: Settings) -> Fernet:
    """Return the cipher for sign-ins in progress, keyed from the secret key for this use only."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"gatepost channel oauth pending"
    ).derive(settings.secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _adapter(channel: Channel) -> Platform:
    adapter = get_platform(channel.platform, _settings())
    if not adapter.supports_authorization:
        raise NotFound(
            f"@{channel.handle} is a {channel.platform} channel, which has no sign-in page to "
            "connect through"
        )
    return adapter


def _channel(channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"There is no channel with id {channel_id}")
    return channel


def _callback_url() -> str:
    base = _settings().base_url
    path = url_for("admin.channel_oauth_callback")
    return (
        f"{base.rstrip('/')}{path}"
        if base
        else url_for("admin.channel_oauth_callback", _external=True)
    )


def _keep_pending(pending: dict[str, Any]) -> None:
    sealed = _sealer(_settings()).encrypt(json.dumps(pending).encode())
    session[PENDING_KEY] = sealed.decode("ascii")


def _pending(*, forget: bool) -> dict[str, Any] | None:
    """Return the sign-in in progress, or None if there is none or it lapsed (or was altered)."""
    sealed = session.pop(PENDING_KEY, None) if forget else session.get(PENDING_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        opened = _sealer(_settings()).decrypt(sealed.encode(), ttl=PENDING_LIFETIME_SECONDS)
    except InvalidToken:
        return None
    pending = json.loads(opened)
    return pending if isinstance(pending, dict) else None


def _problem(channel: Channel | None, title: str, message: str, status: int = 400) -> Page:
    return (
        render_template(
            "admin/channel_oauth_problem.html", channel=channel, title=title, message=message
        ),
        status,
    )


@blueprint.route("/channels/<int:channel_id>/connect/oauth", methods=["GET", "POST"])
@login_required
def channel_oauth_start(channel_id: int) -> Page:
    """Prepare the platform's sign-in for a channel (GET), then send the admin there (POST)."""
    require_admin()
    channel = _channel(channel_id)
    adapter = _adapter(channel)
    if request.method == "POST":
        pending = _pending(forget=False)
        if pending is not None and pending.get("channel_id") == channel.id:
            return redirect(str(pending["url"]), code=303)
        # The page lapsed or another channel's sign-in started since: prepare afresh.
        return redirect(url_for("admin.channel_oauth_start", channel_id=channel.id), code=303)
    state = secrets.token_urlsafe(32)
    try:
        authorization = adapter.start_authorization(
            account_of(channel, _settings(), with_credentials=False), _callback_url(), state
        )
    except PlatformError as error:
        return _problem(channel, f"@{channel.handle} cannot be connected yet", error.message, 503)
    _keep_pending(
        {
            "channel_id": channel.id,
            "state": state,
            "url": authorization.url,
            "kept": dict(authorization.kept),
        }
    )
    destination = urlsplit(authorization.url)
    page = render_template(
        "admin/channel_oauth_start.html",
        channel=channel,
        platform_host=destination.hostname,
    )
    response = current_app.make_response(page)
    # The button's form is sent here, then redirected to the platform: allow that one origin.
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {destination.scheme}://{destination.netloc}"
    )
    return response


@blueprint.route("/channels/oauth/callback")
@writes_on_get  # the platform sends the admin back with a GET that keeps the connection
@login_required
def channel_oauth_callback() -> Page:
    """Take the platform's answer: check it belongs to the sign-in started here, then keep it."""
    admin = require_admin()
    pending = _pending(forget=True)
    state = request.args.get("state", "")
    if pending is None or not hmac.compare_digest(state, str(pending.get("state", ""))):
        return _problem(
            None,
            "The sign-in could not be finished",
            "It was not started from this browser, was started again since, or took longer "
            f"than {PENDING_LIFETIME_SECONDS // 60} minutes. {_NOTHING_SAVED} Start again from "
            "the channel's page.",
        )
    channel = _channel(int(pending["channel_id"]))
    adapter = _adapter(channel)
    error = request.args.get("error")
    if error == "access_denied":
        return _problem(
            channel,
            f"@{channel.handle} was not connected",
            f"Gatepost was not allowed to use the account. {_NOTHING_SAVED} To connect the "
            "channel, try again and choose to allow Gatepost.",
        )
    code = request.args.get("code", "")
    if error or not code:
        described = request.args.get("error_description") or error or "no sign-in code came back"
        return _problem(
            channel,
            f"@{channel.handle} was not connected",
            f"The platform did not sign you in ({described}). {_NOTHING_SAVED} Try again.",
        )
    try:
        connection = adapter.finish_authorization(
            account_of(channel, _settings(), with_credentials=False),
            _callback_url(),
            code,
            pending.get("kept") or {},
        )
    except PlatformError as refused:
        return _problem(
            channel, f"@{channel.handle} was not connected", f"{refused.message}. {_NOTHING_SAVED}"
        )
    save_connection(db.session, channel, connection, by=admin, settings=_settings(), now=utcnow())
    flash_saved(f"Connected as {connection.account_name}")
    return redirect(url_for("admin.channel", channel_id=channel.id))
