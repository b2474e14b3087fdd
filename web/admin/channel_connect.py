"""Admin connection of a channel to its platform: by token or app password, and checking it."""

from __future__ import annotations

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from scheduler.channels.connections import check_connection, connect_channel
from scheduler.core.errors import DomainError, NotFound
from scheduler.models import Channel
from scheduler.platforms.registry import platform_class
from web import current
from web.admin import blueprint
from web.admin.channel_forms import ConnectChannelForm
from web.admin.channels import channel_page, settings_form
from web.admin.guard import require_admin
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error
from web.ui.messages import flash_domain_error, flash_saved


def _channel(channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"There is no channel with id {channel_id}")
    return channel


@blueprint.route("/channels/<int:channel_id>/connect", methods=["POST"])
@login_required
def connect_channel_view(channel_id: int) -> str | Response:
    """Check a credential with the channel's platform and keep it, encrypted."""
    admin = require_admin()
    channel = _channel(channel_id)
    form = ConnectChannelForm()
    connect_with = platform_class(channel.platform).connect_with
    if form.validate_on_submit():
        settings = current.settings()
        try:
            connect_channel(
                db.session, channel, form.secret(connect_with), by=admin, settings=settings
            )
        except DomainError as error:
            secret = form.secret_field(connect_with) if error.field == "secret" else None
            add_domain_error(form, error, secret)
        else:
            flash_saved(f"@{channel.handle} is connected as {channel.connected_as}")
            return redirect(url_for("admin.channel", channel_id=channel.id))
    return channel_page(channel, settings_form(channel), connect_form=form)


@blueprint.route("/channels/<int:channel_id>/check", methods=["POST"])
@login_required
def check_channel_connection(channel_id: int) -> Response:
    """Ask the platform whether the channel's stored credentials still work."""
    admin = require_admin()
    channel = _channel(channel_id)
    settings = current.settings()
    try:
        result = check_connection(db.session, channel, by=admin, settings=settings)
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash(result.line(), "success" if result.working else "error")
    return redirect(url_for("admin.channel", channel_id=channel.id))
