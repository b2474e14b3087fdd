"""Build a release-day thread: add, reorder, split and remove posts, then save or submit it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler import clearance
from scheduler.clearance.compose_choices import authorable_channels, visible_releases
from scheduler.core.errors import DomainError, ValidationFailed
from scheduler.core.local_time import to_utc
from scheduler.models import Channel, Release, utcnow
from scheduler.releases.release_day import NewRelease, refuse_two_releases, write_thread
from web.compose import blueprint
from web.compose.thread_form import ThreadForm
from web.compose.views import require_composer
from web.current import login_required, settings, signed_in_user
from web.extensions import db
from web.forms.errors import add_domain_error, add_error
from web.forms.post_choices import fill_choices, picked
from web.forms.send_time import send_at_from
from web.ui.messages import flash_saved

Page = str | Response | tuple[str, int]


@dataclass
class Row:
    """One post of the thread being built, and its twin."""

    text: str
    twin_text: str


def _rows() -> list[Row]:
    texts = request.form.getlist("texts")
    twins = request.form.getlist("twin_texts")
    twins += [""] * (len(texts) - len(twins))
    return [Row(text, twin) for text, twin in zip(texts, twins, strict=False)]


def _rearrange(rows: list[Row], operation: str) -> list[Row]:
    """Apply an add, move or remove button to the rows (all work without JavaScript)."""
    verb, _, number = operation.partition("-")
    if verb == "add":
        return [*rows, Row("", "")]
    if not number.isdigit() or not 1 <= int(number) <= len(rows):
        return rows
    index = int(number) - 1
    if verb == "remove":
        return rows[:index] + rows[index + 1 :]
    other = index - 1 if verb == "up" else index + 1 if verb == "down" else None
    if other is None or not 0 <= other < len(rows):
        return rows
    rows = list(rows)
    rows[index], rows[other] = rows[other], rows[index]
    return rows


def _render(
    form: ThreadForm, rows: list[Row], twin: Channel | None, status: int = 200
) -> tuple[str, int]:
    has_errors = bool(form.errors or form.form_errors)
    page = render_template(
        "compose/thread.html",
        form=form,
        rows=rows,
        twin_channel=twin,
        zone_name=settings().timezone.key,
        page_has_errors=has_errors,
    )
    return page, 400 if has_errors else status


@blueprint.route("/thread", methods=["GET", "POST"])
@login_required
def thread() -> Page:
    """Build a thread of posts (with twins) that clears and goes out as one."""
    user = signed_in_user()
    config = settings()
    now = utcnow()
    require_composer(user)
    channels = authorable_channels(db.session, user)
    releases = visible_releases(db.session, user, now=now)
    form = ThreadForm(formdata=request.form if request.method == "POST" else None)
    fill_choices(form, channels, releases, config)
    if request.method == "GET":
        return _render(form, [Row("", ""), Row("", "")], channels[0].twin)
    rows = _rows()
    operation = request.form.get("op", "")
    chosen = next((item for item in channels if str(item.id) == form.channel.data), channels[0])
    if not form.holds_only_storable_text():
        return _render(form, rows, chosen.twin)
    if operation not in ("split", "draft", "submit"):
        return _render(form, _rearrange(rows, operation), chosen.twin)
    if not form.validate():
        return _render(form, rows, chosen.twin)
    try:
        channel, release = picked(form, channels, releases)
        new_release = _new_release(form, release)
        if operation == "split":
            return _render(form, _split(form, channel, rows), channel.twin)
        send_at = send_at_from(form, config.timezone)
        filled = [row for row in rows if row.text.strip() or row.twin_text.strip()]
        has_twins = any(row.twin_text.strip() for row in filled)
        written = write_thread(
            db.session,
            channel=channel,
            texts=[row.text for row in filled],
            twin_texts=[row.twin_text for row in filled] if has_twins else None,
            by=user,
            settings=config,
            send_at=send_at,
            release=release,
            new_release=new_release,
            title=(form.title.data or "").strip(),
            submit_for_clearance=operation == "submit",
            now=now,
        )
    except DomainError as error:
        add_domain_error(form, error)
        return _render(form, rows, chosen.twin)
    first = written.thread.posts[0]
    if written.submitted is not None:
        flash_saved(written.submitted.message)
    else:
        flash_saved(f"Thread of {len(written.thread.posts)} posts saved as a draft.")
    return redirect(url_for("posts.show", post_id=first.id))


def _new_release(form: ThreadForm, picked_release: Release | None) -> NewRelease | None:
    """Read the release typed in, if any (created with the thread; its creator gets access)."""
    title = (form.new_release_title.data or "").strip()
    if not title:
        return None
    refuse_two_releases(picked_release, title)
    day, wall = form.embargo_date.data, form.embargo_time.data
    if day is None:
        raise ValidationFailed("Enter the date of the embargo", field="embargo_date")
    if wall is None:
        raise ValidationFailed("Enter the time of the embargo", field="embargo_time")
    embargo_at = to_utc(datetime.combine(day, wall), settings().timezone, field="embargo_time")
    return NewRelease(title=title, embargo_at=embargo_at)


def _split(form: ThreadForm, channel: Channel, rows: list[Row]) -> list[Row]:
    """Replace the rows with the long text split by the channel's rules (twins alongside)."""
    long_text = (form.long_text.data or "").strip()
    long_twin = (form.long_twin_text.data or "").strip()
    if not long_text:
        add_error(form, "Enter the long text to split into posts", "long_text")
        return rows
    if long_twin:
        texts, twins = clearance.split_twins_for_channel(channel, long_text, long_twin, settings())
    else:
        texts = clearance.split_for_channel(channel, long_text, settings())
        twins = [""] * len(texts)
    form.long_text.data = ""
    form.long_twin_text.data = ""
    return [Row(text, twin) for text, twin in zip(texts, twins, strict=True)]
