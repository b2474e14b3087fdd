"""List the units waiting for the signed-in approver, oldest first, with what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, render_template, request

from scheduler.access.post_actions import unreadable_because
from scheduler.access.rules import ViewingLog, may_clear_posts, read_texts, redacted_text
from scheduler.clearance.approval_warning import held_after_approval
from scheduler.clearance.review_changes import ReviewChanges, review_changes
from scheduler.core.errors import PermissionDenied
from scheduler.models import Post, User, utcnow
from scheduler.publishing.rules.facts import load_window
from scheduler.reports.inbox import waiting_for
from web.current import login_required, settings, signed_in_user
from web.extensions import db
from web.inbox import blueprint
from web.posts.forms import PostActionForm

PAGE_SIZE = 20


@dataclass(frozen=True)
class Entry:
    """One post of a unit as the approver sees it."""

    post: Post
    text: str | None
    notice: str
    #: What changed since its last review (None: never reviewed, or nothing changed).
    changes: ReviewChanges | None
    #: Written since the last review of the post it is the twin of: all of it is new.
    new_since_review: bool = False


@dataclass(frozen=True)
class UnitView:
    """A unit waiting: its posts beside their twins, and why the person may not clear it."""

    pairs: list[tuple[Entry, Entry | None]]
    #: The refusal of the guard `text_readable` (embargoed text they may not read), or None.
    cannot_clear: str | None
    #: The releases whose access lists the person is not on, for the texts hidden from them.
    unlisted_releases: list[str]
    #: What the approver is told before approving: the window will hold it, and until when.
    approval_warning: str | None


def _cursor(value: str | None) -> tuple[datetime, int] | None:
    if not value:
        return None
    instant, _, post_id = value.rpartition("_")
    try:
        return datetime.fromisoformat(instant), int(post_id)
    except ValueError:
        abort(400, "That page of the inbox does not exist; start from the first page")


def _pairs(entries: list[Entry]) -> list[tuple[Entry, Entry | None]]:
    """Put each post beside its twin, in thread order."""
    by_id = {entry.post.id: entry for entry in entries}
    placed: set[int] = set()
    rows: list[tuple[Entry, Entry | None]] = []
    for entry in entries:
        if entry.post.id in placed:
            continue
        twin = by_id.get(entry.post.twin_id) if entry.post.twin_id else None
        placed.add(entry.post.id)
        if twin is not None:
            placed.add(twin.post.id)
        rows.append((entry, twin))
    return rows


def require_clearer(user: User) -> None:
    """Refuse people without approver access to any channel (the navigation asks the same)."""
    if not may_clear_posts(db.session, user):
        raise PermissionDenied(
            "The inbox is for people who clear posts; you have approver access to no channel. "
            "Ask an admin or a channel owner if you clear posts"
        )


@blueprint.route("")
@login_required
def index() -> str:
    """Show what waits for the person's clearance."""
    user = signed_in_user()
    require_clearer(user)
    now = utcnow()
    config = settings()
    page = waiting_for(db.session, user, after=_cursor(request.args.get("after")), limit=PAGE_SIZE)
    listed = [post for unit in page.units for post in unit]
    viewings = ViewingLog()
    texts = dict(
        zip(
            (post.id for post in listed),
            read_texts(db.session, listed, reader=user, now=now, log=viewings),
            strict=True,
        )
    )
    # What changed is as secret as the text: only for the posts the person may read.
    readable = [post for unit in page.units for post in unit if texts[post.id] is not None]
    changes = review_changes(db.session, readable)
    added_twins = {
        post.twin_id for post in readable if post.id in changes and changes[post.id].twin_added
    }
    window = load_window(db.session, config, now=now) if page.units else None
    units = []
    for unit in page.units:
        entries = []
        for post in unit:
            text = texts[post.id]
            found = changes.get(post.id)
            entries.append(
                Entry(
                    post=post,
                    text=text,
                    notice="" if text is not None else redacted_text(post, config),
                    changes=found if found is not None and found.any else None,
                    new_since_review=text is not None and post.id in added_twins,
                )
            )
        cannot_clear = unreadable_because(db.session, unit[0], by=user, settings=config, now=now)
        unlisted = [
            post.release.title
            for post in unit
            if texts[post.id] is None and post.release is not None
        ]
        warning = (
            None
            if cannot_clear
            else held_after_approval(db.session, unit[0], settings=config, now=now, window=window)
        )
        units.append(
            UnitView(_pairs(entries), cannot_clear, list(dict.fromkeys(unlisted)), warning)
        )
    next_after = (
        f"{page.next_after[0].isoformat()}_{page.next_after[1]}" if page.next_after else None
    )
    html = render_template(
        "inbox/index.html",
        units=units,
        next_after=next_after,
        form=PostActionForm(formdata=None),
    )
    # Reading embargoed texts is recorded, apart from the read (see the post page).
    db.after_transaction(lambda: viewings.record_apart(db.database.session_factory))
    return html
