"""Import a thread: check the file (every row, nothing created), or import it all at once."""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from config import Settings
from scheduler.access.rules import channels_where_role
from scheduler.core.errors import DomainError
from scheduler.core.local_time import describe, to_utc
from scheduler.imports.files import CSV_COLUMNS, ImportProblem, read_thread_file
from scheduler.imports.operations import (
    ImportRefused,
    check_thread_import,
    import_thread,
    thread_import_from,
)
from scheduler.models import AccessRole, Channel, User
from scheduler.releases.operations import list_releases
from web import current
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error, add_error
from web.forms.select_choice import SelectChoice
from web.imports import blueprint
from web.imports.forms import MAX_FILE_BYTES, ThreadImportForm

WEB_LABEL = "web"
CHECK = "check"


@blueprint.route("/thread", methods=["GET", "POST"])
@login_required
def thread() -> str:
    """Check or import a release-day thread (and its twin) from a CSV or JSON file."""
    settings = current.settings()
    user: User = current_user
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
    created = None
    if form.validate_on_submit():
        upload: FileStorage = form.file.data
        data = upload.read(MAX_FILE_BYTES + 1)
        send_at = _send_at(form, settings)
        if len(data) > MAX_FILE_BYTES:
            add_error(form, "The file must be smaller than 1 MB", "file")
        elif not form.errors:
            found = read_thread_file(
                data, filename=upload.filename or "", media_type=upload.mimetype or ""
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
                else:
                    created = import_thread(
                        db.session, source, by=user, settings=settings, actor_label=WEB_LABEL
                    )
            except ImportRefused as refused:
                db.refuse()  # nothing of the file is saved; the page lists its problems instead
                problems = list(refused.problems)
            except DomainError as error:
                add_domain_error(form, error)
            if problems:
                add_error(
                    form,
                    f"Nothing was imported: the file has {len(problems)} "
                    f"problem{'s' if len(problems) != 1 else ''}, listed below",
                    "file",
                )
    return render_template(
        "imports/thread.html",
        form=form,
        problems=problems,
        checked=checked,
        created=created,
        columns=CSV_COLUMNS,
        page_has_errors=bool(problems),
    )


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
