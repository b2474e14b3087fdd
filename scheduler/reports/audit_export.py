"""Export the audit trail as CSV or JSON, per post, channel or date range, a page at a time."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from scheduler.access.rules import TextAccess, is_embargoed
from scheduler.clearance.transitions import Action
from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import at_local
from scheduler.models import AuditEvent, Channel, Comment, Post, User, utcnow
from scheduler.models.base import MAX_ID
from scheduler.reports.spreadsheet_cells import cell

EXPORT_FORMATS = ("csv", "json")
COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_email",
    "actor_label",
    "action",
    "post_id",
    "channel_id",
    "channel",
    "release_id",
    "subject_user_id",
    "subject_user_email",
    "from_state",
    "to_state",
    "comment",
    "details",
)
PAGE_SIZE = 500
#: What a comment event's `comment` holds for someone who may not read the post's text yet.
COMMENT_WITHHELD = (
    "Withheld: the post is under embargo and only its release's pre-release access list may "
    "read its comments"
)


@dataclass(frozen=True)
class AuditFilter:
    """Which events to export; every field left as None means "all"."""

    post_id: int | None = None
    channel_id: int | None = None
    #: From this instant on (inclusive).
    since: datetime | None = None
    #: Before this instant (exclusive).
    until: datetime | None = None

    def __post_init__(self) -> None:
        # Checked here, before any download starts: an id the database cannot hold would fail
        # the first page's query after the response had begun, leaving a truncated file.
        _check_id(self.post_id, "Post numbers", field="post_id")
        _check_id(self.channel_id, "Channel ids", field="channel")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValidationFailed("The end of the date range must be after its start")


def _check_id(value: int | None, what: str, *, field: str) -> None:
    if value is not None and not 1 <= value <= MAX_ID:
        raise ValidationFailed(f"{what} go from 1 to {MAX_ID}; {value} is none", field=field)


def day_range(
    first: date | None, last: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """Return (since, until) for the local days from `first` to `last` inclusive; None is open.

    A day at the end of the calendar has no instant before or after it that a datetime can hold:
    everything there is to export lies that side of it, so that end is left open.
    """
    since = until = None
    if first is not None:
        try:
            since = at_local(first, time(0), zone)
        except OverflowError:
            since = None
    if last is not None:
        try:
            until = at_local(last + timedelta(days=1), time(0), zone)
        except OverflowError:
            until = None
    return since, until


class CommentTexts:
    """The words of the comments a page of events names, as the exporter may read them."""

    def __init__(self, session: Session, reader: User | None, now: datetime) -> None:
        self.session = session
        self.now = now
        # None is the operator at the command line, who is on no release's access list.
        self.access = TextAccess(session, reader, now=now) if reader is not None else None

    def _readable(self, post: Post) -> bool:
        if self.access is None:
            return not is_embargoed(post, now=self.now)
        return self.access.allows(post)

    def of(self, events: list[AuditEvent]) -> dict[int, str]:
        """Return each comment event's words (by event id), or the note saying they are withheld."""
        wanted = {
            int(event.details["comment_id"]): event.id
            for event in events
            if event.action == Action.COMMENT.value and "comment_id" in (event.details or {})
        }
        if not wanted:
            return {}
        rows = self.session.execute(
            select(Comment.id, Comment.text, Post)
            .join(Post, Post.id == Comment.post_id)
            .where(Comment.id.in_(list(wanted)))
        )
        return {
            wanted[comment_id]: text if self._readable(post) else COMMENT_WITHHELD
            for comment_id, text, post in rows
        }


def iter_events(
    session: Session,
    criteria: AuditFilter,
    *,
    reader: User | None = None,
    now: datetime | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[dict[str, Any]]:
    """Yield matching events oldest first as plain dicts, fetching one page (by id) at a time.

    A comment's words are exported with its event, except on a post still under embargo to a
    reader off its release's access list (`reader` None: the operator, who is on no list).
    """
    comments = CommentTexts(session, reader, now or utcnow())
    actor = aliased(User)
    subject = aliased(User)
    last_id = 0
    while True:
        query = (
            select(AuditEvent, actor.email, subject.email, Channel.handle)
            .outerjoin(actor, actor.id == AuditEvent.actor_id)
            .outerjoin(subject, subject.id == AuditEvent.subject_user_id)
            .outerjoin(Channel, Channel.id == AuditEvent.channel_id)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(page_size)
        )
        if criteria.post_id is not None:
            query = query.where(AuditEvent.post_id == criteria.post_id)
        if criteria.channel_id is not None:
            query = query.where(AuditEvent.channel_id == criteria.channel_id)
        if criteria.since is not None:
            query = query.where(AuditEvent.occurred_at >= criteria.since)
        if criteria.until is not None:
            query = query.where(AuditEvent.occurred_at < criteria.until)
        rows = session.execute(query).all()
        said = comments.of([row[0] for row in rows])
        for event, actor_email, subject_email, handle in rows:
            yield {
                "id": event.id,
                "occurred_at": event.occurred_at.isoformat(),
                "actor_id": event.actor_id,
                "actor_email": actor_email,
                "actor_label": event.actor_label,
                "action": event.action,
                "post_id": event.post_id,
                "channel_id": event.channel_id,
                "channel": handle,
                "release_id": event.release_id,
                "subject_user_id": event.subject_user_id,
                "subject_user_email": subject_email,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "comment": said.get(event.id, event.comment),
                "details": event.details,
            }
        if len(rows) < page_size:
            return
        last_id = rows[-1][0].id


def csv_chunks(
    session: Session, criteria: AuditFilter, *, reader: User | None = None
) -> Iterator[str]:
    """Yield the export as CSV text, a header line then one line per event."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield _drain(buffer)
    for row in iter_events(session, criteria, reader=reader):
        values = [
            json.dumps(row[column], ensure_ascii=False, sort_keys=True)
            if column == "details"
            else row[column]
            for column in COLUMNS
        ]
        writer.writerow([cell(value) for value in values])
        yield _drain(buffer)


def json_chunks(
    session: Session, criteria: AuditFilter, *, reader: User | None = None
) -> Iterator[str]:
    """Yield the export as one JSON array, an event at a time."""
    yield "["
    separator = "\n"
    for row in iter_events(session, criteria, reader=reader):
        yield separator + json.dumps(row, ensure_ascii=False, sort_keys=True)
        separator = ",\n"
    yield "\n]\n"


def export_chunks(
    session: Session, criteria: AuditFilter, export_format: str, *, reader: User | None = None
) -> Iterator[str]:
    """Yield the export in "csv" or "json" (for streaming a download) as `reader` may see it."""
    if export_format == "csv":
        return csv_chunks(session, criteria, reader=reader)
    if export_format == "json":
        return json_chunks(session, criteria, reader=reader)
    raise ValidationFailed(
        f"Unknown format {export_format!r}; choose {' or '.join(EXPORT_FORMATS)}", field="format"
    )


def write_export(session: Session, criteria: AuditFilter, export_format: str, out: TextIO) -> int:
    """Write the export to a file; return how many events it holds."""
    count = 0
    for chunk in export_chunks(session, criteria, export_format):
        out.write(chunk)
        count += 1
    # Both formats write one chunk before and (JSON) one after the events.
    return count - (1 if export_format == "csv" else 2)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
