"""Export the audit trail as CSV or JSON, filtered as the audit trail page is, a page at a time."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from scheduler.clearance.transitions import Action
from scheduler.core.errors import ValidationFailed
from scheduler.core.local_time import at_local
from scheduler.models import AuditEvent, Channel, Comment, User, utcnow
from scheduler.reports.audit_trail import AuditFilter, WithheldWords, matching
from scheduler.reports.spreadsheet_cells import cell

__all__ = ["AuditFilter", "day_range", "export_chunks", "iter_events", "write_export"]

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


def comment_words(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    """Return the words of the comments a page of events names, by event id.

    A comment's audit event names its comment, not its words (so nothing reading the trail can
    leak them); whether the reader may see them is `WithheldWords`' answer, as for any event.
    """
    wanted = {
        int(event.details["comment_id"]): event.id
        for event in events
        if event.action == Action.COMMENT.value and "comment_id" in (event.details or {})
    }
    if not wanted:
        return {}
    rows = session.execute(select(Comment.id, Comment.text).where(Comment.id.in_(list(wanted))))
    return {wanted[comment_id]: text for comment_id, text in rows}


def iter_events(
    session: Session,
    criteria: AuditFilter,
    *,
    reader: User | None = None,
    now: datetime | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[dict[str, Any]]:
    """Yield matching events oldest first as plain dicts, fetching one page (by id) at a time.

    `reader` is the person downloading: they get only the events they may see, with what could
    give away an embargoed release left out (None: the operator at the command line, who sees
    every event but, on no access list, no words about a release before its embargo).
    """
    now = now or utcnow()
    actor = aliased(User)
    subject = aliased(User)
    last_id = 0
    while True:
        query = (
            select(AuditEvent, actor.email, subject.email, Channel.handle)
            .outerjoin(actor, actor.id == AuditEvent.actor_id)
            .outerjoin(subject, subject.id == AuditEvent.subject_user_id)
            .outerjoin(Channel, Channel.id == AuditEvent.channel_id)
            .where(AuditEvent.id > last_id, *matching(criteria, reader))
            .order_by(AuditEvent.id)
            .limit(page_size)
        )
        rows = session.execute(query).all()
        events = [row[0] for row in rows]
        withheld = WithheldWords(session, reader, now=now, events=events)
        said = comment_words(session, events)
        for event, actor_email, subject_email, handle in rows:
            embargo_at = withheld.embargo_hiding(event)
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
                "comment": "" if embargo_at else said.get(event.id, event.comment),
                "details": {"withheld_until": embargo_at.isoformat()}
                if embargo_at
                else event.details,
            }
        if len(rows) < page_size:
            return
        last_id = rows[-1][0].id


def _reader(session: Session, reader_id: int | None) -> User | None:
    # A download streams after its request's unit of work has ended, so the person is looked up
    # again by id in the session the stream reads with.
    return session.get(User, reader_id) if reader_id is not None else None


def csv_chunks(
    session: Session, criteria: AuditFilter, reader_id: int | None = None
) -> Iterator[str]:
    """Yield the export as CSV text, a header line then one line per event."""
    reader = _reader(session, reader_id)
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
    session: Session, criteria: AuditFilter, reader_id: int | None = None
) -> Iterator[str]:
    """Yield the export as one JSON array, an event at a time."""
    reader = _reader(session, reader_id)
    yield "["
    separator = "\n"
    for row in iter_events(session, criteria, reader=reader):
        yield separator + json.dumps(row, ensure_ascii=False, sort_keys=True)
        separator = ",\n"
    yield "\n]\n"


def export_chunks(
    session: Session, criteria: AuditFilter, export_format: str, *, reader: User | None = None
) -> Iterator[str]:
    """Yield the export in "csv" or "json" (for streaming a download to the reader)."""
    reader_id = reader.id if reader is not None else None
    if export_format == "csv":
        return csv_chunks(session, criteria, reader_id)
    if export_format == "json":
        return json_chunks(session, criteria, reader_id)
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
