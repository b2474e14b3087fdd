"""The mock ledger's hand-written `published` line: the JSON the generic encoder would write."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from scheduler.platforms.mock_ledger import MockLedger, published_line, read_ledger

# Any text a person could type, quotes, backslashes, control characters and emoji included.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@given(
    key=ANY_TEXT,
    channel=ANY_TEXT,
    text=ANY_TEXT,
    reply_to=st.none() | ANY_TEXT,
    instant=st.datetimes(timezones=st.just(UTC)),
)
def test_the_published_line_is_what_the_json_encoder_writes(
    key: str, channel: str, text: str, reply_to: str | None, instant: datetime
) -> None:
    line = published_line("mock-1", key, channel, text, reply_to, instant.isoformat())
    expected = {
        "event": "published",
        "external_id": "mock-1",
        "idempotency_key": key,
        "channel": channel,
        "text": text,
        "reply_to": reply_to,
        "published_at": instant.isoformat(),
    }
    assert line == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
    assert "\n" not in line


def test_a_published_post_reads_back_with_its_text_intact(tmp_path: Path) -> None:
    ledger = MockLedger(tmp_path / "ledger.jsonl")
    text = 'Chwyddiant: "2.1%"\\ \n\tðŵŷ 📈'
    entry = ledger.publish(
        idempotency_key="7:1",
        channel="ons_cy",
        text=text,
        reply_to=None,
        now=datetime(2026, 3, 12, 9, 30, tzinfo=UTC),
    )
    (line,) = read_ledger(tmp_path / "ledger.jsonl")
    assert line["text"] == text
    assert line["external_id"] == entry.external_id
    assert line["published_at"] == "2026-03-12T09:30:00+00:00"
