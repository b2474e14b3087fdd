"""List the units waiting for the signed-in approver, oldest first, with what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, render_template, request
from flask_login import login_required

from scheduler.inbox import waiting_for
from scheduler.models import Post, Role, utcnow
from scheduler.review_changes import DiffPiece, changes_since_reviews
from scheduler.visibility import read_texts, redacted_text
from web.current import settings, signed_in_user
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
    changes: list[DiffPiece] | None


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


@blueprint.route("")
@login_required
def index() -> str:
    """Show what waits for the person's clearance."""
    user = signed_in_user()
    if user.role not in (Role.APPROVER, Role.ADMIN):
        abort(403, "The inbox is for approvers; ask an admin if you clear posts")
    now = utcnow()
    page = waiting_for(db.session, user, after=_cursor(request.args.get("after")), limit=PAGE_SIZE)
    listed = [post for unit in page.units for post in unit]
    texts = dict(
        zip(
            (post.id for post in listed),
            read_texts(db.session, listed, reader=user, now=now),
            strict=True,
        )
    )
    readable = [post for unit in page.units for post in unit if texts[post.id] is not None]
    changes = changes_since_reviews(db.session, readable)
    units = []
    for unit in page.units:
        entries = []
        for post in unit:
            text = texts[post.id]
            entries.append(
                Entry(
                    post=post,
                    text=text,
                    notice="" if text is not None else redacted_text(post, settings()),
                    changes=changes.get(post.id),
                )
            )
        units.append(_pairs(entries))
    next_after = (
        f"{page.next_after[0].isoformat()}_{page.next_after[1]}" if page.next_after else None
    )
    html = render_template(
        "inbox/index.html",
        units=units,
        next_after=next_after,
        form=PostActionForm(formdata=None),
    )
    # Reading embargoed texts is recorded; keep those records.
    db.commit()
    return html
