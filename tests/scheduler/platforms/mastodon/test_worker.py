"""The real worker publishing to Mastodon: a release-day thread with its Welsh twin, and a crash.

Channels are connected with their access tokens through the real `connect_channel`, and the
worker reads them where production keeps them: encrypted in the channel's row.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from scheduler.channels.connections import connect_channel
from scheduler.models import Channel, Post, PostState
from scheduler.platforms import OutcomeUnknown, Platform, PublishRequest, registry
from scheduler.platforms.mastodon import MastodonPlatform
from scheduler.publishing.claim.intake import take_batch
from tests.scheduler.publishing.conftest import Worker
from tests.scheduler.publishing.conftest import make_worker as make_worker
from tests.support.emulators.base import ManualClock
from tests.support.emulators.mastodon import MastodonAccount, MastodonEmulator
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)  # a Thursday's 09:30 release
CREATE = "statuses.create"


@pytest.fixture
def publishing(session: Session) -> PublishingFactory:
    """Return the publishing factory bound to the test's session."""
    return PublishingFactory(session)


@pytest.fixture
def instance(monkeypatch: pytest.MonkeyPatch) -> Iterator[MastodonEmulator]:
    """Yield an instance whose clock starts at the release instant, like the worker's."""
    found = registry.platform_class

    def platform_class(name: str) -> type[Platform]:
        return MastodonPlatform if name == "mastodon" else found(name)

    # As the entry point will after a reinstall.
    monkeypatch.setattr(registry, "platform_class", platform_class)
    with MastodonEmulator(clock=ManualClock(AT.timestamp())) as emulator:
        emulator.add_account("ystadegau")
        yield emulator


def on_mastodon(
    worker: Worker, instance: MastodonEmulator, logins: dict[Channel, MastodonAccount]
) -> MastodonPlatform:
    """Connect each channel with a token of its account; return the worker's Mastodon adapter."""
    platforms = worker.runtime.platforms
    adapter = MastodonPlatform(worker.settings, worker.clock, platforms.credentials_changed)
    platforms.install("mastodon", adapter)
    for channel, user in logins.items():
        channel.platform = "mastodon"
        channel.instance_url = instance.base_url
        worker.session.flush()
        token = instance.issue_token(user, scopes="read:accounts read:statuses write")
        connect_channel(worker.session, channel, token, by=None, settings=worker.settings)
        assert channel.connected_as == f"@{user.username}@mastodon.example"
    return adapter


def chain_of(instance: MastodonEmulator, thread: list[Post]) -> list[dict[str, object]]:
    statuses = {status["id"]: status for status in instance.live_statuses()}
    return [statuses[post.external_id] for post in thread if post.external_id]


def test_a_release_day_thread_and_its_welsh_twin_go_out_at_once_as_reply_chains(
    publishing: PublishingFactory,
    make_worker: Callable[..., Worker],
    instance: MastodonEmulator,
) -> None:
    worker = make_worker()
    english, welsh = publishing.twin_channels()
    welsh_account = next(a for a in instance.accounts.values() if a.username == "ystadegau")
    on_mastodon(worker, instance, {english: instance.account, welsh: welsh_account})
    release = publishing.release(AT)
    english_thread = publishing.thread(english, 25, send_at=AT, release=release)
    welsh_thread = publishing.thread(welsh, 25, send_at=AT, release=release)
    for number, (en_post, cy_post) in enumerate(zip(english_thread, welsh_thread, strict=True), 1):
        cy_post.text = f"Neges {number} o 25: diweithdra 4.2% ŵ #ystadegau"
        en_post.twin_id, cy_post.twin_id = cy_post.id, en_post.id
    worker.session.flush()

    instants = worker.run_until_published(english_thread + welsh_thread, AT)

    assert instants == [AT]  # not paced: Mastodon takes 300 statuses per 3 hours
    assert len(instance.statuses) == 50
    assert instance.duplicate_texts() == {}
    for thread, user, language in (
        (english_thread, instance.account, "en"),
        (welsh_thread, welsh_account, "cy"),
    ):
        chain = chain_of(instance, thread)
        assert len(chain) == 25
        assert chain[0]["in_reply_to_id"] is None
        for parent, reply in itertools.pairwise(chain):
            assert reply["in_reply_to_id"] == parent["id"]
        assert {status["language"] for status in chain} == {language}
        assert {status["account"]["id"] for status in chain} == {user.id}  # type: ignore[index]
    keys = [call.headers["Idempotency-Key"] for call in instance.calls_to(CREATE)]
    assert sorted(keys) == sorted(post.idempotency_key for post in english_thread + welsh_thread)


def test_a_worker_that_died_after_sending_is_recovered_by_look_up_without_a_second_post(
    publishing: PublishingFactory,
    make_worker: Callable[..., Worker],
    instance: MastodonEmulator,
) -> None:
    dead, alive = make_worker("dead"), make_worker("alive")
    channel = publishing.channel()
    on_mastodon(dead, instance, {channel: instance.account})
    adapter = on_mastodon(alive, instance, {})
    thread = publishing.thread(channel, 3, send_at=AT)

    # The dead worker claims the thread's first post; Mastodon makes the status but the answer
    # is lost, and the worker dies before recording anything.
    dead.clock.set(AT)
    intake = take_batch(dead.runtime, limit=10)
    job = next(job for unit in intake.units for job in unit.jobs)
    assert job.post.id == thread[0].id
    account = dead.runtime.platforms.account_for(job.channel)
    instance.lose_next_answer(endpoint=CREATE)
    sent = PublishRequest(
        account, job.post.text, idempotency_key=job.post.idempotency_key, first_tried_at=AT
    )
    with pytest.raises(OutcomeUnknown):
        dead.runtime.platforms.get("mastodon").publish(sent)
    assert len(instance.statuses) == 1
    dead.session.expire_all()
    assert thread[0].state is PostState.PUBLISHING

    # The lease runs out; the other worker reads the account's statuses, finds the post, and
    # sends the rest as replies to it.
    instants = alive.run_until_published(thread, AT + timedelta(minutes=2, seconds=1))
    assert instants[0] == AT + timedelta(minutes=2, seconds=1)
    assert len(instance.statuses) == 3
    assert instance.duplicate_texts() == {}
    assert instance.idempotent_replays == 0  # found by the look-up, not by sending again
    first = thread[0]
    assert alive.actions(first) == ["claim", "mark_published"]
    assert first.external_id == instance.statuses[0]["id"]
    found = adapter.lookup(sent)
    assert found is not None
    assert found.external_id == first.external_id
    one, two, three = chain_of(instance, thread)
    assert (two["in_reply_to_id"], three["in_reply_to_id"]) == (one["id"], two["id"])
