"""The pacer: a channel's posts spaced to its limit, each keeping the slot it was given."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scheduler.models import PostState
from scheduler.publishing.send.pacing import Pacer
from tests.scheduler.publishing.conftest import Worker
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)
GAP = timedelta(seconds=2.4)  # 25 a minute


def test_a_post_asking_again_keeps_its_slot_and_the_queue_behind_it_does_not_move() -> None:
    pacer = Pacer()
    assert pacer.reserve(1, 25, AT, post_id=10) is None
    assert pacer.reserve(1, 25, AT, post_id=11) == AT + GAP
    assert pacer.reserve(1, 25, AT + timedelta(seconds=1), post_id=11) == AT + GAP
    assert pacer.reserve(1, 25, AT + timedelta(seconds=1), post_id=12) == AT + 2 * GAP
    assert pacer.reserve(1, 25, AT + GAP, post_id=11) is None
    assert pacer.reserve(1, 25, AT + 2 * GAP, post_id=12) is None
    assert pacer.reserve(2, 25, AT, post_id=20) is None  # each channel has its own pace


@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=40))
def test_however_often_posts_ask_again_slots_keep_the_limit_and_never_move(
    asks: list[int],
) -> None:
    pacer = Pacer()
    now = AT
    went: dict[int, datetime] = {}
    slots: dict[int, datetime] = {}
    for post in asks:
        if post in went:
            continue
        slot = pacer.reserve(1, 25, now, post_id=post)
        if slot is None:
            went[post] = now
        else:
            assert slots.setdefault(post, slot) == slot  # asking again never moves it
        now += timedelta(seconds=1)
    # Each post goes at its slot or later, and the instants handed out (a post going at once
    # takes the instant it went) are never closer together than the limit allows.
    assert all(went[post] >= slot for post, slot in slots.items() if post in went)
    taken = sorted([*slots.values(), *(at for post, at in went.items() if post not in slots)])
    assert all(later - earlier >= GAP for earlier, later in itertools.pairwise(taken))


def test_a_paced_25_post_thread_and_its_twin_go_at_the_channel_s_pace_not_behind_themselves(
    factory: PublishingFactory, worker: Worker
) -> None:
    english, welsh = factory.twin_channels()
    for channel in (english, welsh):
        channel.platform_options = {"rate_limit_per_minute": 10}
    at = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)  # a Thursday, inside office hours
    english_thread = factory.thread(english, 25, send_at=at)
    welsh_thread = factory.thread(welsh, 25, send_at=at)
    for en_post, cy_post in zip(english_thread, welsh_thread, strict=True):
        en_post.twin_id, cy_post.twin_id = cy_post.id, en_post.id
    factory.session.flush()
    posts = english_thread + welsh_thread

    instant = worker.run_until_published(posts, at)[-1]

    assert all(post.state is PostState.PUBLISHED for post in posts)
    # Ten a minute: the 25th pair goes 24 slots of 6 s after the first.
    assert instant <= at + timedelta(minutes=2, seconds=30)
