"""The audit trail: append-only, and exported as CSV or JSON by post, channel or dates."""

from __future__ import annotations

import ast
import csv
import io
import json
from datetime import timedelta
from typing import NamedTuple

import pytest
from sqlalchemy.orm import Session

from scheduler.clearance import request_changes, submit
from scheduler.core.errors import ValidationFailed
from scheduler.models import Channel, Post
from scheduler.reports.audit_export import AuditFilter, export_chunks, iter_events, write_export
from tests.support.factories import NOW, Factory
from tests.support.processes import PROJECT_ROOT


class History(NamedTuple):
    first: Post
    second: Post
    channel: Channel
    other: Channel


@pytest.fixture
def history(factory: Factory, session: Session) -> History:
    channel, other = factory.channel("Main"), factory.channel("Other")
    author = factory.author(channel, other)
    approver = factory.approver(channel)
    first = factory.post(channel, author, text="First")
    submit(session, first, by=author, settings=factory.settings, now=NOW + timedelta(days=1))
    request_changes(
        session,
        first,
        comment='=HYPERLINK("http://evil")',
        by=approver,
        settings=factory.settings,
        now=NOW + timedelta(days=2),
    )
    second = factory.post(other, author, text="Second")
    return History(first, second, channel, other)


def test_export_one_post_as_csv_with_formula_cells_defused(
    session: Session, history: History
) -> None:
    first, *_ = history
    out = io.StringIO()
    count = write_export(session, AuditFilter(post_id=first.id), "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == 3
    assert [(r["action"], r["from_state"], r["to_state"], r["channel"]) for r in rows] == [
        ("create", "", "draft", "Main"),
        ("submit", "draft", "in_review", "Main"),
        ("request_changes", "in_review", "draft", "Main"),
    ]
    assert rows[2]["comment"] == '\'=HYPERLINK("http://evil")'
    assert json.loads(rows[1]["details"]) == {"content_version": 1}


def test_export_by_channel_and_date_range_as_json(session: Session, history: History) -> None:
    _first, second, channel, other = history
    out = io.StringIO()
    write_export(session, AuditFilter(channel_id=other.id), "json", out)
    events = json.loads(out.getvalue())
    assert [(e["post_id"], e["action"]) for e in events] == [
        (None, "channel_created"),
        (None, "access_granted"),
        (second.id, "create"),
    ]

    day_two = AuditFilter(
        channel_id=channel.id, since=NOW + timedelta(days=1), until=NOW + timedelta(days=2)
    )
    assert [e["action"] for e in iter_events(session, day_two)] == ["submit"]
    assert json.loads("".join(export_chunks(session, AuditFilter(post_id=999_999), "json"))) == []


def test_pages_through_many_events(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    author = factory.author(channel)
    posts = [factory.post(channel, author, text=f"Post {n}") for n in range(7)]
    criteria = AuditFilter(channel_id=channel.id)
    ids = [e["post_id"] for e in iter_events(session, criteria, page_size=3) if e["post_id"]]
    assert ids == [post.id for post in posts]


def test_bad_filters_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="end of the date range must be after its start"):
        AuditFilter(since=NOW, until=NOW)
    for post_id in (0, -1, 2**31, 2**64):
        with pytest.raises(ValidationFailed, match="Post numbers go from 1 to 2147483647"):
            AuditFilter(post_id=post_id)
    with pytest.raises(ValidationFailed, match="Channel ids go from 1 to 2147483647"):
        AuditFilter(channel_id=2**31)


def test_no_code_updates_or_deletes_audit_events() -> None:
    """Only audit.record writes AuditEvent; nothing in the app changes or removes one."""
    offenders = []
    for path in [
        *(PROJECT_ROOT / "scheduler").rglob("*.py"),
        *(PROJECT_ROOT / "web").rglob("*.py"),
    ]:
        source = path.read_text()
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"update", "delete"}
                and any(isinstance(arg, ast.Name) and arg.id == "AuditEvent" for arg in node.args)
            ):
                offenders.append(f"{path}:{node.lineno}")
        if "audit_events" in source.lower() and path.name not in {"audit.py"}:
            for word in ("UPDATE audit_events", "DELETE FROM audit_events"):
                if word.lower() in source.lower():
                    offenders.append(f"{path}: {word}")
    assert offenders == []
