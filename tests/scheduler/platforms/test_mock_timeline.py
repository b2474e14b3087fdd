"""The mock platform's timeline: threads from replies, deletions, channel filter, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from config import load_settings
from scheduler.platforms.base import Account, PublishRequest
from scheduler.platforms.mock import MockPlatform
from scheduler.platforms.mock_timeline import build_timeline, read_timeline


def event(external_id: str, channel: str, minute: int, reply_to: str | None = None) -> dict:
    return {
        "event": "published",
        "external_id": external_id,
        "idempotency_key": external_id,
        "channel": channel,
        "text": f"text {external_id}",
        "reply_to": reply_to,
        "published_at": datetime(2027, 3, 12, 9, minute, tzinfo=UTC).isoformat(),
    }


def test_replies_nest_under_their_post_and_the_newest_thread_comes_first() -> None:
    events = [
        event("a1", "ONS", 30),
        event("b1", "StatsWales", 31),
        event("a2", "ONS", 32, reply_to="a1"),
        event("a3", "ONS", 33, reply_to="a2"),
        {"event": "deleted", "external_id": "b1", "deleted_at": "2027-03-12T10:00:00+00:00"},
    ]

    timeline = build_timeline(events)

    assert [thread.external_id for thread in timeline.threads] == ["a1", "b1"]
    assert [reply.external_id for reply in timeline.threads[0].replies] == ["a2"]
    assert [reply.external_id for reply in timeline.threads[0].replies[0].replies] == ["a3"]
    assert timeline.threads[1].deleted_at == datetime(2027, 3, 12, 10, tzinfo=UTC)
    assert timeline.channels == ["ONS", "StatsWales"]
    assert [t.external_id for t in build_timeline(events, channel="@statswales").threads] == ["b1"]


def test_the_timeline_reads_what_the_mock_platform_published(tmp_path: Path) -> None:
    settings = load_settings({}, overrides={"mock_ledger": str(tmp_path / "ledger.jsonl"),
                                            "instance_path": str(tmp_path)})  # fmt: skip
    platform = MockPlatform(settings)
    first = platform.publish(
        PublishRequest(account=Account("ONS"), text="GDP grew 0.3%", idempotency_key="1:1")
    )
    platform.publish(
        PublishRequest(
            account=Account("ONS"),
            text="More detail",
            idempotency_key="2:1",
            reply_to=first.external_id,
        )
    )
    platform.sync()

    [thread] = read_timeline(settings.mock_ledger_path).threads

    assert thread.text == "GDP grew 0.3%"
    assert [reply.text for reply in thread.replies] == ["More detail"]
