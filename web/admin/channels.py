"""Admin pages for channels and their access lists (which owners may also manage)."""

from __future__ import annotations

import io

from flask import Response as FlaskResponse
from flask import redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from scheduler.channels import operations as channel_domain
from scheduler.core.errors import DomainError, NotFound
from scheduler.identity.accounts import get_user_by_email, list_users
from scheduler.models import Channel, User
from scheduler.platforms import available_platforms
from scheduler.reports.access_export import EXPORT_FORMATS, write_access_list
from web.admin import blueprint
from web.admin.channel_forms import (
    ACCESS_ROLE_HINTS,
    NOBODY,
    ChannelSettingsForm,
    ConnectChannelForm,
    CreateChannelForm,
    GrantAccessForm,
)
from web.admin.connection_status import connection_view
from web.admin.guard import require_access_manager, require_admin
from web.admin.mock_faults_form import FAULT_KIND_HINTS, MOCK, MockFaultsForm
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error
from web.forms.select_choice import SelectChoice
from web.forms.storable import storable_form_value
from web.ui.messages import flash_domain_error, flash_saved

Page = str | Response

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _channel(channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"There is no channel with id {channel_id}")
    return channel


def _chosen_channel(session: Session, value: str | None) -> Channel | None:
    if not value or value == NOBODY:
        return None
    found = session.get(Channel, int(value))
    if found is None:
        raise NotFound("That channel no longer exists; choose again")
    return found


def _chosen_user(session: Session, value: str | None) -> User | None:
    if not value or value == NOBODY:
        return None
    found = session.get(User, int(value))
    if found is None:
        raise NotFound("That person no longer exists; choose again")
    return found


@blueprint.route("/channels")
@login_required
def channels() -> str:
    """List every channel with its twin, owner and approvals."""
    require_admin()
    return render_template("admin/channels.html", channels=channel_domain.list_channels(db.session))


@blueprint.route("/channels/new", methods=["GET", "POST"])
@login_required
def create_channel() -> Page:
    """Add a channel on an installed platform."""
    admin = require_admin()
    form = CreateChannelForm()
    form.platform.choices = [SelectChoice(name, name) for name in available_platforms()]
    form.offer(channel_domain.list_channels(db.session), list_users(db.session), exclude=None)
    if form.validate_on_submit():
        try:
            twin = _chosen_channel(db.session, form.twin.data)
            owner = _chosen_user(db.session, form.owner.data)
            channel = channel_domain.create_channel(
                db.session,
                platform=form.platform.data or "",
                handle=form.handle.data or "",
                language=form.language.data or "",
                display_name=form.display_name.data or "",
                twin_handle=twin.handle if twin else None,
                requires_twin=bool(form.requires_twin.data),
                approvals_required=form.approvals_required.data or 1,
                owner=owner,
                instance_url=form.instance_url.data or None,
                by=admin,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            flash_saved(f"Channel @{channel.handle} added")
            return redirect(url_for("admin.channel", channel_id=channel.id))
    return render_template("admin/create_channel.html", form=form)


def settings_form(channel: Channel) -> ChannelSettingsForm:
    """Return the settings form, filled from the channel unless it was just posted."""
    form = ChannelSettingsForm()
    form.offer(channel_domain.list_channels(db.session), list_users(db.session), exclude=channel.id)
    if not form.is_submitted():
        form.twin.data = str(channel.twin_id) if channel.twin_id else NOBODY
        form.requires_twin.data = channel.requires_twin
        form.approvals_required.data = channel.approvals_required
        form.owner.data = str(channel.owner_id) if channel.owner_id else NOBODY
    return form


def channel_page(
    channel: Channel,
    form: ChannelSettingsForm,
    faults_form: MockFaultsForm | None = None,
    connect_form: ConnectChannelForm | None = None,
) -> str:
    """Render a channel's page: its connection, settings form and, for the mock, faults form."""
    if faults_form is None and channel.platform == MOCK:
        faults_form = MockFaultsForm(formdata=None)
        faults_form.fill(channel.platform_options or {})
    connection = connection_view(channel)
    if connect_form is None and connection is not None:
        connect_form = ConnectChannelForm(formdata=None)
    return render_template(
        "admin/channel.html",
        channel=channel,
        form=form,
        faults_form=faults_form,
        fault_kind_hints=FAULT_KIND_HINTS,
        connection=connection,
        connect_form=connect_form,
        page_has_errors=bool(
            (faults_form and faults_form.errors) or (connect_form and connect_form.errors)
        ),
    )


@blueprint.route("/channels/<int:channel_id>", methods=["GET", "POST"])
@login_required
def channel(channel_id: int) -> Page:
    """Show a channel and change its twin, twin rule, approvals and owner."""
    admin = require_admin()
    channel = _channel(channel_id)
    form = settings_form(channel)
    if form.validate_on_submit():
        try:
            _apply_settings(channel, form, admin)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            flash_saved(f"Settings for @{channel.handle} saved")
            return redirect(url_for("admin.channel", channel_id=channel.id))
    return channel_page(channel, form)


def _apply_settings(channel: Channel, form: ChannelSettingsForm, admin: User) -> None:
    session = db.session
    twin = _chosen_channel(session, form.twin.data)
    owner = _chosen_user(session, form.owner.data)
    requires_twin = bool(form.requires_twin.data)

    def change_twin() -> None:
        if (twin.id if twin else None) != channel.twin_id:
            channel_domain.set_twin(session, channel, twin, by=admin)

    def change_requirement() -> None:
        if requires_twin != channel.requires_twin:
            channel_domain.set_requires_twin(session, channel, requires_twin, by=admin)

    # Turning the requirement off must come before unlinking; turning it on, after linking.
    steps = (
        (change_twin, change_requirement) if requires_twin else (change_requirement, change_twin)
    )
    for step in steps:
        step()
    approvals = form.approvals_required.data or 1
    if approvals != channel.approvals_required:
        channel_domain.set_approvals_required(session, channel, approvals, by=admin)
    if (owner.id if owner else None) != channel.owner_id:
        channel_domain.set_channel_owner(session, channel, owner, by=admin)


@blueprint.route("/channels/<int:channel_id>/access", methods=["GET", "POST"])
@login_required
def channel_access(channel_id: int) -> Page:
    """Show who may write or clear on a channel, and add someone."""
    channel = _channel(channel_id)
    manager = require_access_manager(channel)
    form = GrantAccessForm()
    if form.validate_on_submit():
        try:
            person = get_user_by_email(db.session, form.email.data or "")
            channel_domain.grant_access(
                db.session, channel=channel, user=person, role=form.role.data or "", by=manager
            )
        except NotFound as error:
            add_domain_error(form, error, "email")
        except DomainError as error:
            add_domain_error(form, error)
        else:
            flash_saved(f"{person.email} is now {form.role.data} on @{channel.handle}")
            return redirect(url_for("admin.channel_access", channel_id=channel.id))
    return render_template(
        "admin/channel_access.html",
        channel=channel,
        entries=channel_domain.access_list(db.session, channel),
        form=form,
        role_hints=ACCESS_ROLE_HINTS,
        is_admin=manager.is_admin,
    )


@blueprint.route("/channels/<int:channel_id>/access/revoke", methods=["POST"])
@login_required
def revoke_channel_access(channel_id: int) -> Response:
    """Take someone off a channel's access list."""
    channel = _channel(channel_id)
    manager = require_access_manager(channel)
    try:
        person = get_user_by_email(db.session, storable_form_value("email", "Email address"))
        role = storable_form_value("role", "Role")
        channel_domain.revoke_access(
            db.session, channel=channel, user=person, role=role, by=manager
        )
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash_saved(f"{person.email} is no longer {role} on @{channel.handle}")
    return redirect(url_for("admin.channel_access", channel_id=channel.id))


@blueprint.route("/channels/<int:channel_id>/access.<export_format>")
@login_required
def export_channel_access(channel_id: int, export_format: str) -> FlaskResponse:
    """Download who may post on one channel, as CSV or JSON."""
    channel = _channel(channel_id)
    require_access_manager(channel)
    return _export(channel_domain.access_list(db.session, channel), export_format, channel.handle)


@blueprint.route("/channels/access.<export_format>")
@login_required
def export_access(export_format: str) -> FlaskResponse:
    """Download who may post where, on every channel, as CSV or JSON."""
    require_admin()
    return _export(channel_domain.access_list(db.session), export_format, "all-channels")


def _export(
    entries: list[channel_domain.AccessListEntry], export_format: str, name: str
) -> FlaskResponse:
    if export_format not in EXPORT_FORMATS:
        raise NotFound(f"Access lists download as {' or '.join(EXPORT_FORMATS)}")
    out = io.StringIO()
    write_access_list(entries, out, export_format)
    return FlaskResponse(
        out.getvalue(),
        mimetype=EXPORT_TYPES[export_format].split(";")[0],
        content_type=EXPORT_TYPES[export_format],
        headers={
            "Content-Disposition": f'attachment; filename="access-list-{name}.{export_format}"'
        },
    )
