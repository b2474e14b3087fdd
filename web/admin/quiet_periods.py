"""Admin pages for quiet periods: times when nothing is published, on one channel or all."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from config.settings import Settings
from scheduler.channels import quiet_periods as quiet_domain
from scheduler.channels.operations import list_channels
from scheduler.core.errors import DomainError, NotFound
from scheduler.models import Channel, utcnow
from web import current
from web.admin import blueprint
from web.admin.calendar_forms import ALL_CHANNELS, QuietPeriodForm, channel_choices
from web.admin.guard import require_admin
from web.admin.local_instants import local_instant
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error
from web.ui.messages import flash_domain_error, flash_saved

Page = str | Response
# The domain names the instants; the form asks for their dates.
_FIELDS = {"ends_at": "ends_date", "starts_at": "starts_date"}


def _settings() -> Settings:
    settings = current.settings()
    return settings


@blueprint.route("/quiet-periods", methods=["GET", "POST"])
@login_required
def quiet_periods() -> Page:
    """List quiet periods not yet over, and add one."""
    admin = require_admin()
    form = QuietPeriodForm()
    channels = list_channels(db.session)
    form.channel.choices = channel_choices([(channel.id, channel.handle) for channel in channels])
    if form.validate_on_submit():
        zone = _settings().timezone
        try:
            starts_at = local_instant(form.starts_date, form.starts_time, form.starts_fold, zone)
            ends_at = local_instant(form.ends_date, form.ends_time, form.ends_fold, zone)
            period = quiet_domain.add_quiet_period(
                db.session,
                by=admin,
                name=form.name.data or "",
                starts_at=starts_at,
                ends_at=ends_at,
                channel=_channel(form.channel.data),
                reason=form.reason.data or "",
            )
        except DomainError as error:
            add_domain_error(form, error, _FIELDS.get(error.field or ""))
        else:
            flash_saved(f"Quiet period “{period.name}” added; posts due in it will be held")
            return redirect(url_for("admin.quiet_periods"))
    return render_template(
        "admin/quiet_periods.html",
        form=form,
        periods=quiet_domain.list_quiet_periods(db.session, now=utcnow()),
        channels={channel.id: channel for channel in channels},
    )


def _channel(value: str | None) -> Channel | None:
    if not value or value == ALL_CHANNELS:
        return None
    channel = db.session.get(Channel, int(value))
    if channel is None:
        raise NotFound("That channel no longer exists; choose again")
    return channel


@blueprint.route("/quiet-periods/<int:period_id>/cancel", methods=["POST"])
@login_required
def cancel_quiet_period(period_id: int) -> Response:
    """Cancel a quiet period; posts it held go as soon as the other rules allow."""
    admin = require_admin()
    period = quiet_domain.get_quiet_period(db.session, period_id)
    try:
        released = quiet_domain.cancel_quiet_period(db.session, period, by=admin)
    except DomainError as error:
        flash_domain_error(error)
    else:
        held = f"{released} held post{'s' if released != 1 else ''}"
        flash_saved(f"Quiet period “{period.name}” cancelled; {held} will go when allowed")
    return redirect(url_for("admin.quiet_periods"))
