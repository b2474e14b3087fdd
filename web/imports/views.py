"""Import a thread: check the file (every row, nothing created), or import it all at once.

A file that passed its check is kept (web/imports/checked_uploads.py), so "Import this file"
imports it without choosing it again. The result links to each post created and offers to
submit the whole thread for clearance, through the post page's own submit action.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from config import Settings
from scheduler.access.post_actions import available_actions
from scheduler.access.rules import channels_where_role, may_write_posts
from scheduler.clearance.transitions import Action
from scheduler.core.errors import DomainError, PermissionDenied
from scheduler.core.local_time import describe, to_utc
from scheduler.imports.files import CSV_COLUMNS, ImportProblem, read_thread_file
from scheduler.imports.operations import (
    ImportRefused,
    check_thread_import,
    import_thread,
    thread_import_from,
)
from scheduler.models import AccessRole, Channel, Thread, User
from scheduler.releases.operations import list_releases
from web import current
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error, add_error
from web.forms.select_choice import SelectChoice
from web.imports import blueprint
from web.imports.checked_uploads import CheckedUpload, CheckedUploadRefused, CheckedUploads
from web.imports.forms import MAX_FILE_BYTES, ThreadImportForm

WEB_LABEL = "web"
CHECK = "check"


def require_importer(user: User) -> None:
    """Refuse people who write on no channel (the navigation asks the same)."""
    if not may_write_posts(db.session, user):
        raise PermissionDenied(
            "Importing a thread is for people who write posts; you have author access to no "
            "channel. Ask an admin or a channel owner for access"
        )


def checked_uploads(settings: Settings) -> CheckedUploads:
    """Return where checked files wait to be imported."""
    return CheckedUploads(settings.instance_path, settings.secret_key, max_bytes=MAX_FILE_BYTES)


@blueprint.route("/thread", methods=["GET", "POST"])
@login_required
def thread() -> str:
    """Check or import a release-day thread (and its twin) from a CSV or JSON file."""
    settings = current.settings()
    user: User = current_user
    require_importer(user)
    kept = checked_uploads(settings)
    form = ThreadImportForm()
    form.channel.choices = [SelectChoice("", "Choose a channel")] + [
        SelectChoice(channel.handle, f"@{channel.handle} ({channel.language})")
        for channel in _writable_channels(user)
    ]
    form.release.choices = [SelectChoice("", "None")] + [
        SelectChoice(
            str(release.id), f"{release.title}, {describe(release.embargo_at, settings.timezone)}"
        )
        for release in list_releases(db.session)
    ]
    problems: list[ImportProblem] = []
    checked: int | None = None
    checked_name = ""
    created: Thread | None = None
    if form.validate_on_submit():
        upload = _upload(form, kept, user)
        send_at = _send_at(form, settings)
        if upload is not None and len(upload.data) > MAX_FILE_BYTES:
            add_error(form, "The file must be smaller than 1 MB", "file")
        elif upload is not None and not form.errors:
            found = read_thread_file(
                upload.data, filename=upload.filename, media_type=upload.media_type
            )
            try:
                source = thread_import_from(
                    db.session,
                    found,
                    channel=form.channel.data,
                    release_id=int(form.release.data) if form.release.data else None,
                    send_at=send_at,
                    title=form.title.data or None,
                )
                if request.form.get("action") == CHECK:
                    problems = check_thread_import(db.session, source, by=user, settings=settings)
                    checked = len(source.rows)
                    if not problems:
                        # Kept, so that importing it needs no second choice of the file (a
                        # file kept already, checked again, keeps its token).
                        if form.has_new_file() or not form.checked_file.data:
                            form.checked_file.data = kept.keep(upload, user_id=user.id)
                        checked_name = upload.filename
                else:
                    created = import_thread(
                        db.session, source, by=user, settings=settings, actor_label=WEB_LABEL
                    )
                    if form.checked_file.data and not form.has_new_file():
                        token = form.checked_file.data
                        db.after_commit(lambda: kept.forget(token))
            except ImportRefused as refused:
                db.refuse()  # nothing of the file is saved; the page lists its problems instead
                problems = list(refused.problems)
            except DomainError as error:
                add_domain_error(form, error)
            if problems:
                form.checked_file.data = ""
                add_error(
                    form,
                    f"Nothing was imported: the file has {len(problems)} "
                    f"problem{'s' if len(problems) != 1 else ''}, listed below",
                    "file",
                )
    elif form.is_submitted() and form.checked_file.data and not form.has_new_file():
        # Other answers were wrong: the checked file still waits, named again by the form.
        checked_name = _checked_name(kept, form, user)
    return render_template(
        "imports/thread.html",
        form=form,
        problems=problems,
        checked=checked,
        checked_name=checked_name,
        created=created,
        may_submit=created is not None and _may_submit(created, user, settings),
        columns=CSV_COLUMNS,
        page_has_errors=bool(problems),
    )


def _upload(form: ThreadImportForm, kept: CheckedUploads, user: User) -> CheckedUpload | None:
    """Return the file chosen now, else the checked one the form names; note a refusal."""
    if form.has_new_file():
        chosen: FileStorage = form.file.data
        return CheckedUpload(
            data=chosen.read(MAX_FILE_BYTES + 1),
            filename=chosen.filename or "",
            media_type=chosen.mimetype or "",
        )
    try:
        return kept.take(form.checked_file.data or "", user_id=user.id)
    except CheckedUploadRefused as refused:
        form.checked_file.data = ""
        add_error(form, refused.message, "file")
        return None


def _checked_name(kept: CheckedUploads, form: ThreadImportForm, user: User) -> str:
    try:
        return kept.take(form.checked_file.data or "", user_id=user.id).filename
    except CheckedUploadRefused as refused:
        form.checked_file.data = ""
        add_error(form, refused.message, "file")
        return ""


def _may_submit(created: Thread, user: User, settings: Settings) -> bool:
    """Return whether the person may submit the new thread now (the post page's own offer)."""
    first = created.posts[0]
    return Action.SUBMIT in available_actions(db.session, first, by=user, settings=settings)


def _writable_channels(user: User) -> list[Channel]:
    return list(channels_where_role(db.session, user, AccessRole.AUTHOR))


def _send_at(form: ThreadImportForm, settings: Settings) -> datetime | None:
    """Return the send time typed (in local time), noting a half-given or impossible one."""
    day, wall = form.send_date.data, form.send_time.data
    if day is None and wall is None:
        return None
    if day is None or wall is None:
        missing = form.send_date if day is None else form.send_time
        add_error(form, f"Enter the {missing.label.text.lower()} too, or neither", missing.name)
        return None
    try:
        return to_utc(datetime.combine(day, wall), settings.timezone, field="send_date")
    except DomainError as error:
        add_domain_error(form, error)
        return None
