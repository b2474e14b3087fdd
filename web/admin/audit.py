"""Admin download of the audit trail, filtered by post, channel and dates, streamed."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import render_template, request, stream_with_context

from scheduler.channels.operations import list_channels
from scheduler.core.errors import DomainError
from scheduler.reports.audit_export import AuditFilter, day_range, export_chunks
from web import current
from web.admin import blueprint
from web.admin.calendar_forms import ALL_CHANNELS, AuditExportForm, channel_choices
from web.admin.guard import require_admin
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


@blueprint.route("/audit")
@login_required
def audit_export() -> tuple[str, int] | FlaskResponse:
    """Ask which events to download; with `download` in the query, stream them."""
    admin = require_admin()
    form = AuditExportForm(formdata=request.args if "download" in request.args else None)
    form.channel.choices = channel_choices(
        [(channel.id, channel.handle) for channel in list_channels(db.session)]
    )
    if "download" in request.args and form.validate():
        settings = current.settings()
        since, until = day_range(form.since.data, form.until.data, settings.timezone)
        try:
            criteria = AuditFilter(
                post_id=form.post_id.data,
                channel_id=int(form.channel.data)
                if form.channel.data and form.channel.data != ALL_CHANNELS
                else None,
                since=since,
                until=until,
            )
        except DomainError as error:
            add_domain_error(form, error)
            form.until.errors = [*form.until.errors, *form.form_errors]
            form.form_errors.clear()
        else:
            export_format = form.export_format.data or "csv"
            chunks = export_chunks(db.session, criteria, export_format, reader=admin)
            return FlaskResponse(
                stream_with_context(chunks),
                content_type=EXPORT_TYPES[export_format],
                headers={"Content-Disposition": f'attachment; filename="audit.{export_format}"'},
            )
    has_errors = any(field.errors for field in form) or bool(form.form_errors)
    return render_template("admin/audit.html", form=form), 400 if has_errors else 200
