"""The real worker publishing to Mastodon: a release-day thread with its Welsh twin, and a crash.

Channels are connected with access tokens through the real `connect_channel`; the worker reads
them where production keeps them, encrypted in the row, and sends through the adapter's own
HTTP client to the emulator.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from scheduler.channels.connections import connect_channel
from scheduler.models import Channel, PostState
from scheduler.platforms import OutcomeUnknown, PublishRequest
from scheduler.platforms.mastodon import MastodonPlatform
from scheduler.publishing.claim.intake import take_batch
from tests.scheduler.publishing.conftest import Worker
from tests.scheduler.publishing.conftest import make_worker as make_worker
from tests.support.emulators.base import ManualClock
from tests.support.emulators.mastodon import MastodonEmulator
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)  # a Thursday's 09:30 release


@pytest.fixture
def publishing(session: Session) -> PublishingFactory:
    """Return the publishing factory bound to the test's session."""
    return PublishingFactory(session)


@pytest.fixture
def instance() -> Iterator[MastodonEmulator]:
    """Yield an instance whose clock starts at the release instant, like the worker's."""
    with MastodonEmulator(clock=ManualClock(AT.timestamp())) as emulator:
        yield emulator


def on_mastodon(
    worker: Worker, instance: MastodonEmulator, channels: dict[Channel, str]
) -> MastodonPlatform:
    """Give the worker the Mastodon adapter and connect each channel as its account."""
    adapter = MastodonPlatform(worker.settings, worker.runtime.shared_clock)
    worker.runtime.platforms.install("mastodon", adapter)
    for channel, username in channels.items():
        channel.platform = "mastodon"
        channel.instance_url = instance.base_url
        worker.session.flush()
        token = instance.issue_token(instance.add_account(username))
        connect_channel(
            worker.session, channel, token, by=None, settings=worker.settings, adapter=adapter
        )
    return adapter


def by_id(instance: MastodonEmulator) -> dict[str, dict[str, object]]:
    return {str(status["id"]): status for status in instance.statuses}


def test_a_release_day_thread_and_its_welsh_twin_go_out_as_two_reply_chains(
    publishing: PublishingFactory, make_worker: Callable[..., Worker], instance: MastodonEmulator
) -> None:
    worker = make_worker()
    english, welsh = publishing.twin_channels()
    on_mastodon(worker, instance, {english: "ons", welsh: "ystadegau"})
    release = publishing.release(AT)
    english_thread = publishing.thread(english, 25, send_at=AT, release=release)
    welsh_thread = publishing.thread(welsh, 25, send_at=AT, release=release)
    for number, (en_post, cy_post) in enumerate(zip(english_thread, welsh_thread, strict=True), 1):
        cy_post.text = f"Neges {number} o 25: diweithdra 4.2%"
        en_post.twin_id, cy_post.twin_id = cy_post.id, en_post.id
    worker.session.flush()

    report = worker.run_at(AT)

    assert report.published == 50
    assert instance.duplicate_texts() == {}
    made = by_id(instance)
    assert len(made) == 50
    for thread, language in ((english_thread, "en"), (welsh_thread, "cy")):
        assert all(post.state is PostState.PUBLISHED for post in thread)
        chain = [made[str(post.external_id)] for post in thread]
        assert chain[0]["in_reply_to_id"] is None
        for parent, reply in itertools.pairwise(chain):
            assert reply["in_reply_to_id"] == parent["id"]
        assert {status["language"] for status in chain} == {language}
    # Twins go back to back: each English post, then its Welsh twin.
    order = [int(str(status["id"])) for status in instance.statuses]
    assert order == sorted(order)
    first_two = [instance.statuses[0]["content"], instance.statuses[1]["content"]]
    assert "Neges 1 o 25" in str(first_two[1])


def test_a_worker_that_died_after_sending_is_recovered_by_a_look_up_without_a_second_post(
    publishing: PublishingFactory,
    make_worker: Callable[..., Worker],
    instance: MastodonEmulator,
) -> None:
    dead, alive = make_worker("dead"), make_worker("alive")
    channel = publishing.channel()
    on_mastodon(dead, instance, {channel: "ons"})
    alive.runtime.platforms.install("mastodon", MastodonPlatform(alive.settings))
    thread = publishing.thread(channel, 3, send_at=AT)

    # The dead worker claims the first post; Mastodon makes it but the answer is lost, and the
    # worker dies before recording anything.
    dead.clock.set(AT)
    intake = take_batch(dead.runtime, limit=10)
    job = next(job for unit in intake.units for job in unit.jobs)
    assert job.post.id == thread[0].id
    account = dead.runtime.platforms.account_for(job.channel)
    instance.lose_next_answer(endpoint="statuses.create")
    sent = PublishRequest(
        account, job.post.text, idempotency_key=job.post.idempotency_key, first_tried_at=AT
    )
    with pytest.raises(OutcomeUnknown):
        dead.runtime.platforms.get("mastodon").publish(sent)
    assert len(instance.statuses) == 1
    dead.session.expire_all()
    assert thread[0].state is PostState.PUBLISHING

    # The lease runs out; the other worker asks Mastodon, finds the post among the account's
    # statuses, and sends the rest of the thread after it.
    instant = AT + timedelta(minutes=2, seconds=1)
    for _ in range(20):
        alive.run_at(instant)
        if all(post.state is PostState.PUBLISHED for post in thread):
            break
        due = [post.due_at for post in thread if post.due_at is not None]
        assert due, [post.hold_reason for post in thread]
        instant = max(instant, min(due))

    assert all(post.state is PostState.PUBLISHED for post in thread)
    assert instance.duplicate_texts() == {}
    assert len(instance.statuses) == 3
    assert alive.actions(thread[0]) == ["claim", "mark_published"]
    made = by_id(instance)
    assert made[str(thread[0].external_id)]["id"] == instance.statuses[0]["id"]
    assert made[str(thread[1].external_id)]["in_reply_to_id"] == thread[0].external_id
    assert made[str(thread[2].external_id)]["in_reply_to_id"] == thread[1].external_id
