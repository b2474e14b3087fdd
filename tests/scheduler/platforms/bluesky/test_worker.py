"""The real worker publishing to Bluesky: a release-day thread with its Welsh twin, and a crash.

Channels are connected with their app passwords through the real `connect_channel`, and the
worker reads and refreshes their credentials where production keeps them: encrypted in the row.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from scheduler.channels.connections import connect_channel
from scheduler.channels.credentials import cipher_for
from scheduler.models import Channel, PostState
from scheduler.platforms import OutcomeUnknown, PublishRequest
from scheduler.platforms.bluesky import BlueskyPlatform
from scheduler.publishing.claim.intake import take_batch
from tests.scheduler.publishing.conftest import Worker
from tests.scheduler.publishing.conftest import make_worker as make_worker
from tests.support.emulators.base import ManualClock
from tests.support.emulators.bluesky import BlueskyEmulator
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)  # a Thursday's 09:30 release
CREATE = "com.atproto.repo.createRecord"


@pytest.fixture
def publishing(session: Session) -> PublishingFactory:
    """Return the publishing factory bound to the test's session."""
    return PublishingFactory(session)


@pytest.fixture
def pds() -> Iterator[BlueskyEmulator]:
    """Yield a PDS whose clock starts at the release instant, like the worker's."""
    with BlueskyEmulator(clock=ManualClock(AT.timestamp())) as emulator:
        emulator.add_account("ystadegau.test", "cyfrinair-ap-1234")
        yield emulator


def on_bluesky(worker: Worker, pds: BlueskyEmulator, logins: dict[Channel, str]) -> BlueskyPlatform:
    """Connect each channel with its app password; return the worker's own Bluesky adapter."""
    for channel, secret in logins.items():
        channel.platform = "bluesky"
        channel.instance_url = pds.base_url
        worker.session.flush()
        connect_channel(worker.session, channel, secret, by=None, settings=worker.settings)
    adapter = worker.runtime.platforms.get("bluesky")
    assert isinstance(adapter, BlueskyPlatform)
    return adapter


def stored_credentials(worker: Worker, channel: Channel) -> dict[str, str]:
    worker.session.refresh(channel)
    assert channel.credentials_encrypted is not None
    return cipher_for(worker.settings).open(channel.credentials_encrypted)


def _instant(created_at: str) -> datetime:
    return datetime.fromisoformat(created_at.replace("Z", "+00:00"))


def records_by_uri(pds: BlueskyEmulator) -> dict[str, dict[str, Any]]:
    return {record["uri"]: record for record in pds.posts}


def test_a_release_day_thread_and_its_welsh_twin_go_out_as_reply_chains(
    publishing: PublishingFactory,
    make_worker: Callable[..., Worker],
    pds: BlueskyEmulator,
) -> None:
    worker = make_worker()
    english, welsh = publishing.twin_channels()
    on_bluesky(
        worker,
        pds,
        {english: "gatepost.test app-pass-word-1234", welsh: "ystadegau.test cyfrinair-ap-1234"},
    )
    release = publishing.release(AT)
    english_thread = publishing.thread(english, 25, send_at=AT, release=release)
    welsh_thread = publishing.thread(welsh, 25, send_at=AT, release=release)
    for number, (en_post, cy_post) in enumerate(zip(english_thread, welsh_thread, strict=True), 1):
        cy_post.text = f"Neges {number} o 25: diweithdra 4.2% ŵ #ystadegau"
        en_post.twin_id, cy_post.twin_id = cy_post.id, en_post.id
    worker.session.flush()
    connected = stored_credentials(worker, english)
    pds.expire_token_next(endpoint=CREATE)  # the English session expires during the release

    worker.run_until_published(english_thread + welsh_thread, AT)

    assert len(pds.created) == 50
    assert pds.duplicate_texts() == {}
    records = records_by_uri(pds)
    for thread, language in ((english_thread, "en"), (welsh_thread, "cy")):
        assert all(post.external_id and len(post.external_id) <= 200 for post in thread)
        chain = [records[post.external_id.split()[0]] for post in thread]  # type: ignore[union-attr]
        root = {"uri": chain[0]["uri"], "cid": chain[0]["cid"]}
        assert "reply" not in chain[0]["value"]
        for parent, reply in itertools.pairwise(chain):
            assert reply["value"]["reply"] == {
                "root": root,
                "parent": {"uri": parent["uri"], "cid": parent["cid"]},
            }
        assert {tuple(record["value"]["langs"]) for record in chain} == {(language,)}
        assert [record["value"]["text"] for record in chain] == [post.text for post in thread]
    # Twins interleave: each English post, then its Welsh twin, then the next English post.
    order = [record.value["text"] for record in pds.created]
    assert order[:4] == [english_thread[0].text, welsh_thread[0].text,
                         english_thread[1].text, welsh_thread[1].text]  # fmt: skip
    assert all(post.twin_gap_ms is not None for post in english_thread)
    # Each account is sent at most 25 posts a minute: 2.4 s apart at least.
    for did in {record.did for record in pds.created}:
        sent = [_instant(r.value["createdAt"]) for r in pds.created if r.did == did]
        assert min(b - a for a, b in itertools.pairwise(sent)) >= timedelta(seconds=2.4)
    # The Welsh facets point at the tag's UTF-8 bytes.
    facet = records[welsh_thread[0].external_id.split()[0]]["value"]["facets"][0]  # type: ignore[union-attr]
    raw = welsh_thread[0].text.encode()
    assert raw[facet["index"]["byteStart"] : facet["index"]["byteEnd"]] == b"#ystadegau"
    # The refreshed English pair was stored, and it is the one the PDS still honours.
    stored = stored_credentials(worker, english)
    assert stored["refresh_jwt"] != connected["refresh_jwt"]
    assert not pds.tokens[stored["refresh_jwt"]].revoked


def test_a_worker_that_died_after_sending_is_recovered_by_get_record_without_a_second_post(
    publishing: PublishingFactory,
    make_worker: Callable[..., Worker],
    pds: BlueskyEmulator,
) -> None:
    dead, alive = make_worker("dead"), make_worker("alive")
    channel = publishing.channel()
    on_bluesky(dead, pds, {channel: "gatepost.test app-pass-word-1234"})
    adapter = on_bluesky(alive, pds, {})
    thread = publishing.thread(channel, 3, send_at=AT)

    # The dead worker claims the thread's first post; Bluesky takes it but the answer is lost,
    # and so is the look-up after it; the worker dies before recording anything.
    dead.clock.set(AT)
    intake = take_batch(dead.runtime, limit=10)
    claimed = [job for unit in intake.units for job in unit.jobs]
    assert [job.post.id for job in claimed][:1] == [thread[0].id]
    job = claimed[0]
    account = dead.runtime.platforms.account_for(job.channel)
    pds.lose_next_answer(endpoint=CREATE)
    pds.fail_next(503, endpoint="com.atproto.repo.getRecord")
    sent = PublishRequest(account, job.post.text, idempotency_key=job.post.idempotency_key)
    with pytest.raises(OutcomeUnknown):
        dead.runtime.platforms.get("bluesky").publish(sent)
    assert len(pds.posts) == 1
    dead.session.expire_all()
    assert thread[0].state is PostState.PUBLISHING

    # The lease runs out; the other worker asks Bluesky, finds the post, and sends the rest.
    instants = alive.run_until_published(thread, AT + timedelta(minutes=2, seconds=1))
    assert len(pds.created) == 3
    assert pds.duplicate_texts() == {}
    first = thread[0]
    assert alive.actions(first) == ["claim", "mark_published"]
    found = adapter.lookup(sent)
    assert found is not None
    assert found.external_id == first.external_id
    records = records_by_uri(pds)
    one, two, three = (records[post.external_id.split()[0]] for post in thread)  # type: ignore[union-attr]
    assert two["value"]["reply"]["parent"] == {"uri": one["uri"], "cid": one["cid"]}
    assert three["value"]["reply"]["root"] == {"uri": one["uri"], "cid": one["cid"]}
    assert instants[0] == AT + timedelta(minutes=2, seconds=1)


def test_a_paced_twinned_thread_goes_out_at_its_pace(
    publishing: PublishingFactory,
    make_worker: Callable[..., Worker],
    pds: BlueskyEmulator,
) -> None:
    worker = make_worker()
    english, welsh = publishing.twin_channels()
    on_bluesky(
        worker,
        pds,
        {english: "gatepost.test app-pass-word-1234", welsh: "ystadegau.test cyfrinair-ap-1234"},
    )
    english_thread = publishing.thread(english, 5, send_at=AT)
    welsh_thread = publishing.thread(welsh, 5, send_at=AT)
    for en_post, cy_post in zip(english_thread, welsh_thread, strict=True):
        en_post.twin_id, cy_post.twin_id = cy_post.id, en_post.id
    worker.session.flush()
    instants = worker.run_until_published(english_thread + welsh_thread, AT)
    assert instants[-1] - AT <= timedelta(seconds=4 * 2.4)
