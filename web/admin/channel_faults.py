"""Admin change of the faults a mock channel injects."""

from __future__ import annotations

from flask import redirect, url_for
from werkzeug.wrappers import Response

from scheduler.channels.options import set_platform_options
from scheduler.core.errors import DomainError, NotFound
from scheduler.models import Channel
from web import current
from web.admin import blueprint
from web.admin.channels import channel_page, settings_form
from web.admin.guard import require_admin
from web.admin.mock_faults_form import MOCK, MockFaultsForm
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error
from web.ui.messages import flash_saved


@blueprint.route("/channels/<int:channel_id>/faults", methods=["POST"])
@login_required
def channel_faults(channel_id: int) -> str | Response:
    """Set which calls to a mock channel fail, how, and how slowly it answers."""
    admin = require_admin()
    channel = db.session.get(Channel, channel_id)
    if channel is None or channel.platform != MOCK:
        raise NotFound(f"There is no mock channel with id {channel_id}")
    form = MockFaultsForm()
    if form.validate_on_submit():
        settings = current.settings()
        try:
            changed = set_platform_options(
                db.session, channel, form.options(), by=admin, settings=settings
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            flash_saved(
                f"Mock faults for @{channel.handle} " + ("saved" if changed else "unchanged")
            )
            return redirect(url_for("admin.channel", channel_id=channel.id))
    settings_page_form = settings_form(channel)
    return channel_page(channel, settings_page_form, form)
