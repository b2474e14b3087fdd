"""The mock platform: its ledger, look-ups, deletes and injected faults."""

from __future__ import annotations

import json
import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config import Settings, SettingsError, load_settings
from scheduler.core.clock import FixedClock
from scheduler.core.errors import ValidationFailed
from scheduler.platforms import (
    Account,
    OutcomeUnknown,
    PermanentError,
    PublishRequest,
    TransientError,
    get_platform,
)
from scheduler.platforms.mock import MockPlatform
from scheduler.platforms.mock_ledger import read_ledger

NOW = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


def mock_settings(tmp_path: Path, **mock: Any) -> Settings:
    return load_settings(
        {},
        overrides={
            "instance_path": str(tmp_path / "instance"),
            "secret_key": "test-secret-key-that-is-long-enough",
            "mock_ledger": str(tmp_path / "ledger.jsonl"),
            "mock": mock,
        },
    )


def request(
    key: str,
    text: str = "Inflation fell to 2.1%",
    options: dict[str, Any] | None = None,
    **extra: Any,
) -> PublishRequest:
    account = Account("ons", options=options or {})
    return PublishRequest(account=account, text=text, idempotency_key=key, **extra)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def platform(tmp_path: Path, clock: FixedClock) -> MockPlatform:
    return MockPlatform(mock_settings(tmp_path), clock)


def test_registry_finds_the_mock_through_its_entry_point(tmp_path: Path) -> None:
    assert isinstance(get_platform("mock", mock_settings(tmp_path)), MockPlatform)


def test_publish_appends_one_json_line_and_lookup_finds_it(
    platform: MockPlatform, tmp_path: Path
) -> None:
    published = platform.publish(request("gatepost-1-v1"))
    reply = platform.publish(
        request("gatepost-2-v1", "More detail", reply_to=published.external_id)
    )

    lines = read_ledger(tmp_path / "ledger.jsonl")
    assert [line["idempotency_key"] for line in lines] == ["gatepost-1-v1", "gatepost-2-v1"]
    first = lines[0]
    assert {"external_id", "idempotency_key", "channel", "text", "reply_to", "published_at"} <= set(
        first
    )
    assert first["text"] == "Inflation fell to 2.1%"
    assert first["channel"] == "ons"
    assert datetime.fromisoformat(first["published_at"]) == NOW
    assert lines[1]["reply_to"] == published.external_id
    assert platform.lookup(request("gatepost-2-v1")) == reply
    assert platform.lookup(request("gatepost-9-v1")) is None
    assert (
        platform.lookup(
            PublishRequest(account=Account("other"), text="", idempotency_key="gatepost-1-v1")
        )
        is None
    )


def test_lookup_sees_what_another_instance_appended(tmp_path: Path, clock: FixedClock) -> None:
    settings = mock_settings(tmp_path)
    first, second = MockPlatform(settings, clock), MockPlatform(settings, clock)
    assert second.lookup(request("gatepost-1-v1")) is None
    published = first.publish(request("gatepost-1-v1"))
    assert second.lookup(request("gatepost-1-v1")) == published


def test_repeating_a_key_returns_the_first_post_and_is_recorded_as_a_replay(
    platform: MockPlatform, tmp_path: Path
) -> None:
    first = platform.publish(request("gatepost-1-v1"))
    again = platform.publish(request("gatepost-1-v1"))
    assert again == first
    events = [line["event"] for line in read_ledger(tmp_path / "ledger.jsonl")]
    assert events == ["published", "replayed"]


def test_delete_appends_a_tombstone_and_a_second_delete_is_refused(
    platform: MockPlatform, tmp_path: Path
) -> None:
    published = platform.publish(request("gatepost-1-v1"))
    platform.delete(Account("ons"), published.external_id)
    lines = read_ledger(tmp_path / "ledger.jsonl")
    assert lines[-1]["event"] == "deleted"
    assert lines[-1]["external_id"] == published.external_id
    with pytest.raises(PermanentError, match="no post"):
        platform.delete(Account("ons"), published.external_id)
    # It was published, so recovery must still find it.
    assert platform.lookup(request("gatepost-1-v1")) == published
    with pytest.raises(PermanentError, match="Cannot reply"):
        platform.publish(request("gatepost-2-v1", reply_to=published.external_id))


def test_replying_to_a_post_that_does_not_exist_is_refused(platform: MockPlatform) -> None:
    with pytest.raises(PermanentError, match="Cannot reply to mock-nope"):
        platform.publish(request("gatepost-1-v1", reply_to="mock-nope"))


def test_text_too_long_for_x_is_refused_permanently(platform: MockPlatform) -> None:
    with pytest.raises(PermanentError, match="over the limit of 280"):
        platform.publish(request("gatepost-1-v1", "word " * 60))
    # Twenty URLs are short to type but 23 each to X.
    with pytest.raises(PermanentError, match="over the limit"):
        platform.publish(request("gatepost-2-v1", " ".join(["a.co"] * 20)))


def test_every_nth_call_fails_transiently(tmp_path: Path, clock: FixedClock) -> None:
    platform = MockPlatform(mock_settings(tmp_path, fail_every_nth=3), clock)
    platform.publish(request("k1"))
    platform.publish(request("k2"))
    with pytest.raises(TransientError, match="every 3rd fails"):
        platform.publish(request("k3"))
    platform.publish(request("k3"))
    assert len(read_ledger(tmp_path / "ledger.jsonl")) == 3


@pytest.mark.parametrize(
    ("every", "said"),
    [
        (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
        (13, "13th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (101, "101st"), (111, "111th"),
        (112, "112th"),
    ],
)  # fmt: skip
def test_the_failing_call_is_named_with_a_proper_ordinal(
    tmp_path: Path, clock: FixedClock, every: int, said: str
) -> None:
    platform = MockPlatform(mock_settings(tmp_path, fail_every_nth=every), clock)
    for number in range(1, every):
        platform.publish(request(f"k{number}"))
    with pytest.raises(TransientError) as failed:
        platform.publish(request("last"))
    assert f"(every {said} fails)" in str(failed.value)


def test_matching_text_fails_by_substring_or_regex(tmp_path: Path, clock: FixedClock) -> None:
    platform = MockPlatform(
        mock_settings(tmp_path, fail_matching=r"GDP \d", fail_kind="permanent"), clock
    )
    with pytest.raises(PermanentError, match="matches"):
        platform.publish(request("k1", "GDP 2 per cent"))
    platform.publish(request("k2", "GDP fell"))
    literal = MockPlatform(mock_settings(tmp_path / "b", fail_matching="(provisional)"), clock)
    with pytest.raises(TransientError):
        literal.publish(request("k3", "Figures (provisional) out"))


def test_unknown_outcome_writes_the_post_then_drops_the_answer(
    tmp_path: Path, clock: FixedClock
) -> None:
    platform = MockPlatform(mock_settings(tmp_path, fail_every_nth=1, fail_kind="unknown"), clock)
    with pytest.raises(OutcomeUnknown):
        platform.publish(request("gatepost-5-v2"))
    found = platform.lookup(request("gatepost-5-v2"))
    assert found is not None
    assert [line["idempotency_key"] for line in read_ledger(tmp_path / "ledger.jsonl")] == [
        "gatepost-5-v2"
    ]


def test_latency_makes_each_call_slow(tmp_path: Path, clock: FixedClock) -> None:
    platform = MockPlatform(mock_settings(tmp_path, latency_ms=50), clock)
    started = time.monotonic()
    platform.publish(request("k1"))
    assert time.monotonic() - started >= 0.05


def test_rate_limit_answers_transient_error_with_retry_after(
    tmp_path: Path, clock: FixedClock
) -> None:
    platform = MockPlatform(mock_settings(tmp_path, rate_limit_per_minute=2), clock)
    platform.publish(request("k1"))
    clock.advance(timedelta(seconds=10))
    platform.publish(request("k2"))
    clock.advance(timedelta(seconds=20))
    with pytest.raises(TransientError) as limited:
        platform.publish(request("k3"))
    assert limited.value.retry_after == pytest.approx(30)
    assert platform.rate_limit_for({}) == 2
    clock.advance(timedelta(seconds=30))
    platform.publish(request("k3"))
    # Other channels have their own allowance.
    platform.publish(PublishRequest(account=Account("cy"), text="Helo", idempotency_key="k4"))


def test_channel_options_override_the_settings(tmp_path: Path, clock: FixedClock) -> None:
    platform = MockPlatform(mock_settings(tmp_path, fail_every_nth=1), clock)
    with pytest.raises(TransientError):
        platform.publish(request("k1"))
    calm = request("k2", options={"fail_every_nth": None, "rate_limit_per_minute": 5})
    platform.publish(calm)
    assert platform.rate_limit_for({"rate_limit_per_minute": 5}) == 5


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"fail_evry_nth": 2}, "mock.fail_evry_nth: unknown mock fault"),
        ({"fail_kind": "sometimes"}, "mock.fail_kind: must be one of transient, permanent"),
        ({"fail_every_nth": 0}, "mock.fail_every_nth: must be a whole number of at least 1"),
        ({"latency_ms": -5}, "mock.latency_ms: must be a number of milliseconds"),
        ({"fail_matching": ""}, "mock.fail_matching: must be a non-empty text"),
    ],
)
def test_bad_mock_settings_are_refused_with_the_key_named(
    tmp_path: Path, faults: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        MockPlatform(mock_settings(tmp_path, **faults))


def test_bad_channel_options_are_refused(platform: MockPlatform) -> None:
    with pytest.raises(ValidationFailed, match="latency: unknown mock fault"):
        platform.check_options({"latency": 5})
    platform.check_options({"latency_ms": 5})
    with pytest.raises(PermanentError, match="platform options are wrong"):
        platform.publish(request("k1", options={"rate_limit_per_minute": "lots"}))


def _publish_many(ledger: str, prefix: str, count: int) -> None:
    settings = load_settings(
        {},
        overrides={
            "instance_path": str(Path(ledger).parent / "instance"),
            "secret_key": "test-secret-key-that-is-long-enough",
            "mock_ledger": ledger,
        },
    )
    platform = MockPlatform(settings)
    for number in range(count):
        platform.publish(request(f"{prefix}-{number}", f"Post {prefix} {number} " * 5))
    platform.sync()


def test_processes_appending_together_never_interleave_or_lose_lines(tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.jsonl")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_publish_many, args=(ledger, prefix, 300)) for prefix in "ab"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    raw = Path(ledger).read_text().splitlines()
    assert len(raw) == 600
    keys = [json.loads(line)["idempotency_key"] for line in raw]
    assert sorted(keys) == sorted(f"{prefix}-{n}" for prefix in "ab" for n in range(300))
