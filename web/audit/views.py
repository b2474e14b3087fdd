"""The audit trail page: a page of what happened, newest first, and its downloads."""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from werkzeug.wrappers import Response as Page

from scheduler.access.rules import may_view_audit_trail
from scheduler.core.errors import NotFound, PermissionDenied
from scheduler.models import User, utcnow
from scheduler.reports.audit_export import EXPORT_FORMATS, export_chunks
from scheduler.reports.audit_trail import (
    AuditFilter,
    TrailPage,
    channels_to_filter_by,
    people_to_filter_by,
    trail_page,
)
from web.audit import blueprint
from web.audit.forms import AuditTrailForm
from web.current import login_required, settings, signed_in_user
from web.extensions import db

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def require_audit_reader() -> User:
    """Return the signed-in person if they may see the audit trail, or refuse."""
    user = signed_in_user()
    if not may_view_audit_trail(db.session, user):
        raise PermissionDenied("Only admins and channel owners can see the audit trail")
    return user


def _cursor(name: str) -> int | None:
    text = request.args.get(name, "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 11:
        raise NotFound("There is no such page of the audit trail")
    return int(text)


def _form(user: User) -> AuditTrailForm:
    form = AuditTrailForm(formdata=request.args)
    form.offer(channels_to_filter_by(db.session, user), people_to_filter_by(db.session, user))
    return form


@blueprint.route("")
@login_required
def index() -> tuple[str, int]:
    """Show a page of the events the person may see, filtered, with Older and Newer links."""
    user = require_audit_reader()
    form = _form(user)
    criteria = form.criteria(settings()) if request.args else AuditFilter()
    page = None
    if criteria is not None:
        page = trail_page(
            db.session,
            reader=user,
            criteria=criteria,
            now=utcnow(),
            before=_cursor("before"),
            after=_cursor("after"),
        )
    return render_template(
        "audit/index.html",
        form=form,
        page=page or TrailPage(entries=[], older_than=None, newer_than=None),
        filtered=criteria is not None,
        filter_args=form.query_args(),
        export_formats=EXPORT_FORMATS,
        paged="before" in request.args or "after" in request.args,
    ), 200 if criteria is not None else 400


@blueprint.route("/download.<export_format>")
@login_required
def download(export_format: str) -> tuple[str, int] | Page:
    """Stream every event the page's filters select, oldest first, as CSV or JSON."""
    user = require_audit_reader()
    if export_format not in EXPORT_FORMATS:
        raise NotFound(f"The audit trail downloads as {' or '.join(EXPORT_FORMATS)}")
    form = _form(user)
    criteria = form.criteria(settings())
    if criteria is None:
        return index()
    chunks = export_chunks(db.session, criteria, export_format, reader=user)
    return Response(
        stream_with_context(chunks),
        content_type=EXPORT_TYPES[export_format],
        headers={"Content-Disposition": f'attachment; filename="audit.{export_format}"'},
    )
