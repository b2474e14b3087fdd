"""Channels publish concurrently on a bounded pool; one channel publishes in order, paced."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from config import Settings
from scheduler.core.clock import Clock
from scheduler.models import PostState
from scheduler.platforms import Published, PublishRequest
from scheduler.platforms.mock import MockPlatform
from tests.scheduler.publishing.conftest import Worker
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


class RecordingPlatform(MockPlatform):
    """The mock, slowed down, counting how many calls run at once overall and per channel."""

    def __init__(self, settings: Settings, clock: Clock, delay: float) -> None:
        super().__init__(settings, clock)
        self.delay = delay
        self.lock = threading.Lock()
        self.active: Counter[str] = Counter()
        self.most_at_once = 0
        self.most_on_one_channel = 0
        self.order: defaultdict[str, list[str]] = defaultdict(list)
        self.threads: set[int] = set()

    def answers_at_once(self, options: Mapping[str, Any]) -> bool:
        return False  # it sleeps, like a remote platform

    def publish(self, request: PublishRequest) -> Published:
        self.threads.add(threading.get_ident())
        with self.lock:
            self.active[request.channel] += 1
            self.most_at_once = max(self.most_at_once, sum(self.active.values()))
            self.most_on_one_channel = max(self.most_on_one_channel, self.active[request.channel])
            self.order[request.channel].append(request.idempotency_key)
        try:
            time.sleep(self.delay)
            return super().publish(request)
        finally:
            with self.lock:
                self.active[request.channel] -= 1


def test_channels_publish_concurrently_but_each_channel_in_order(
    factory: PublishingFactory, make_worker: Callable[..., Worker]
) -> None:
    worker = make_worker(worker={"max_concurrency": 4})
    recorder = RecordingPlatform(worker.settings, worker.clock, delay=0.05)
    worker.runtime.platforms.install("mock", recorder)
    channels = [factory.channel() for _ in range(6)]
    posts = {
        channel.handle: [factory.post(channel, send_at=AT) for _ in range(3)]
        for channel in channels
    }

    report = worker.run_at(AT)

    assert report.published == 18
    assert 2 <= recorder.most_at_once <= 4  # concurrent, within the bounded pool
    assert recorder.most_on_one_channel == 1
    for handle, channel_posts in posts.items():
        assert recorder.order[handle] == [post.idempotency_key for post in channel_posts]


class InstantRecorder(MockPlatform):
    """The mock as it is (no latency), noting which threads call it."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        super().__init__(settings, clock)
        self.threads: set[int] = set()

    def publish(self, request: PublishRequest) -> Published:
        self.threads.add(threading.get_ident())
        return super().publish(request)


def test_an_adapter_that_answers_at_once_is_called_from_the_pass_itself(
    factory: PublishingFactory, worker: Worker
) -> None:
    recorder = InstantRecorder(worker.settings, worker.clock)
    worker.runtime.platforms.install("mock", recorder)
    for _ in range(3):
        channel = factory.channel()
        factory.post(channel, send_at=AT)
    assert worker.run_at(AT).published == 3
    # No thread hand-offs for a local file: the pass's own thread sent them all.
    assert recorder.threads == {threading.get_ident()}


def test_a_channel_is_paced_to_the_rate_limit_its_adapter_declares(
    factory: PublishingFactory, worker: Worker
) -> None:
    channel = factory.channel(platform_options={"rate_limit_per_minute": 2})
    first, second, third = (factory.post(channel, send_at=AT) for _ in range(3))

    worker.run_at(AT)
    assert first.state is PostState.PUBLISHED
    assert (second.state, second.due_at) == (PostState.SCHEDULED, AT + timedelta(seconds=30))
    assert (third.state, third.due_at) == (PostState.SCHEDULED, AT + timedelta(seconds=60))
    assert second.hold_reason == (
        f"Paced to the platform's limit on {channel.handle}; "
        "it goes at Thu 12 Mar 2026 10:00:30 GMT"
    )

    worker.run_at(AT + timedelta(seconds=30))
    assert second.state is PostState.PUBLISHED
    assert third.state is PostState.SCHEDULED
    worker.run_at(AT + timedelta(seconds=60))
    assert third.state is PostState.PUBLISHED
    # Paced, never refused by the platform.
    assert all(post.last_error is None for post in (first, second, third))
    assert worker.published_keys() == [p.idempotency_key for p in (first, second, third)]


def test_other_channels_are_not_held_up_by_a_paced_one(
    factory: PublishingFactory, worker: Worker
) -> None:
    slow = factory.channel(platform_options={"rate_limit_per_minute": 1})
    fast = factory.channel()
    paced = [factory.post(slow, send_at=AT) for _ in range(3)]
    free = [factory.post(fast, send_at=AT) for _ in range(3)]
    worker.run_at(AT)
    assert [post.state for post in free] == [PostState.PUBLISHED] * 3
    assert [post.state for post in paced].count(PostState.PUBLISHED) == 1
