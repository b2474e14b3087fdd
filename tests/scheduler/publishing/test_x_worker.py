"""A real worker pass publishing through the X adapter to the X emulator: threads, twins, faults.

Each channel is connected through the real `save_connection`, so the worker reads its tokens as
it does in production: encrypted in the channel's row, decrypted by its PlatformSet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from scheduler.channels.connections import save_connection
from scheduler.models import Channel, Post, PostState
from scheduler.platforms import Connection, Credentials, OutcomeUnknown, PublishRequest
from scheduler.platforms.x import XPlatform
from scheduler.publishing.claim.intake import take_batch
from tests.scheduler.publishing.conftest import Worker
from tests.support.emulators.x import XEmulator, XUser
from tests.support.publishing_factories import PublishingFactory

AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


@pytest.fixture
def x_worker(
    make_worker: Callable[..., Worker], x_emulator: XEmulator
) -> Callable[[dict[int, XUser]], Worker]:
    """Return a worker whose `x` adapter signs each channel in as the given emulator user."""

    def make(users: dict[int, XUser]) -> Worker:
        client = x_emulator.client
        worker = make_worker(
            x={"client_id": client.client_id, "client_secret": client.client_secret or ""}
        )
        platforms = worker.runtime.platforms
        platforms.install("x", XPlatform(worker.settings, worker.clock))
        for channel_id, user in users.items():
            access, refresh = x_emulator.issue_token(user)
            tokens: Credentials = {
                "access_token": access,
                "refresh_token": refresh or "",
                "expires_at": datetime.fromtimestamp(time.time() + 7200, UTC).isoformat(),
                "user_id": user.id,
                "username": user.username,
            }
            channel = worker.session.get(Channel, channel_id)
            assert channel is not None
            save_connection(
                worker.session,
                channel,
                Connection(account_name=f"@{user.username}", credentials=tokens),
                by=None,
                settings=worker.settings,
            )
        return worker

    return make


def x_twin_threads(
    factory: PublishingFactory, session: Session, emulator: XEmulator, count: int
) -> tuple[list[Post], list[Post], Channel, Channel]:
    english, welsh = factory.twin_channels()
    for channel in (english, welsh):
        channel.platform = "x"
        channel.instance_url = emulator.base_url
    english_thread = factory.thread(english, count, send_at=AT)
    welsh_thread = factory.thread(welsh, count, send_at=AT)
    for en_post, cy_post in zip(english_thread, welsh_thread, strict=True):
        cy_post.text = f"Edefyn {cy_post.thread_position} o {count}"
        en_post.twin_id, cy_post.twin_id = cy_post.id, en_post.id
    session.flush()
    return english_thread, welsh_thread, english, welsh


def test_a_twinned_thread_goes_out_in_one_pass_as_two_reply_chains(
    factory: PublishingFactory,
    session: Session,
    x_emulator: XEmulator,
    x_worker: Callable[[dict[int, XUser]], Worker],
) -> None:
    english_thread, welsh_thread, english, welsh = x_twin_threads(factory, session, x_emulator, 3)
    cymraeg = x_emulator.add_user("ons_cymraeg")
    worker = x_worker({english.id: x_emulator.user, welsh.id: cymraeg})

    worker.run_at(AT)

    assert [post.state for post in english_thread + welsh_thread] == [PostState.PUBLISHED] * 6
    by_author = {
        user.id: [t["text"] for t in x_emulator.tweets if t["author_id"] == user.id]
        for user in (x_emulator.user, cymraeg)
    }
    assert by_author == {
        x_emulator.user.id: ["Thread post 1 of 3", "Thread post 2 of 3", "Thread post 3 of 3"],
        cymraeg.id: ["Edefyn 1 o 3", "Edefyn 2 o 3", "Edefyn 3 o 3"],
    }
    ids = {tweet["text"]: tweet["id"] for tweet in x_emulator.tweets}
    assert english_thread[2].external_id == ids["Thread post 3 of 3"]
    assert welsh_thread[0].external_id == ids["Edefyn 1 o 3"]
    assert replies_of_posts(x_emulator) == {
        "Thread post 2 of 3": "Thread post 1 of 3",
        "Thread post 3 of 3": "Thread post 2 of 3",
        "Edefyn 2 o 3": "Edefyn 1 o 3",
        "Edefyn 3 o 3": "Edefyn 2 o 3",
    }


def test_a_lost_answer_is_found_by_look_up_and_the_thread_goes_on(
    factory: PublishingFactory,
    session: Session,
    x_emulator: XEmulator,
    x_worker: Callable[[dict[int, XUser]], Worker],
) -> None:
    english_thread, welsh_thread, english, welsh = x_twin_threads(factory, session, x_emulator, 3)
    cymraeg = x_emulator.add_user("ons_cymraeg")
    worker = x_worker({english.id: x_emulator.user, welsh.id: cymraeg})
    # X takes the first post of the thread, and the answer never arrives.
    x_emulator.lose_next_answer(endpoint="tweets.create")

    worker.run_at(AT)

    assert [post.state for post in english_thread + welsh_thread] == [PostState.PUBLISHED] * 6
    assert x_emulator.duplicate_texts() == {}
    assert len(x_emulator.tweets) == 6
    assert len(x_emulator.calls_to("tweets.create")) == 6  # looked up, not sent again
    assert len(x_emulator.calls_to("users.tweets")) == 1
    ids = {tweet["text"]: tweet["id"] for tweet in x_emulator.tweets}
    assert english_thread[0].external_id == ids["Thread post 1 of 3"]
    assert replies_of_posts(x_emulator)["Thread post 2 of 3"] == "Thread post 1 of 3"


def replies_of_posts(emulator: XEmulator) -> dict[str, str]:
    """Return, for each reply, the text of the post it replies to."""
    texts = {tweet["id"]: tweet["text"] for tweet in emulator.tweets}
    replies = {}
    for call in emulator.calls_to("tweets.create"):
        body = call.json()
        reply = body.get("reply")
        if reply and call.status == 201:
            replies[body["text"]] = texts[reply["in_reply_to_tweet_id"]]
    return replies


def test_a_25_post_release_thread_and_its_welsh_twin_go_out_in_one_pass(
    factory: PublishingFactory,
    session: Session,
    x_emulator: XEmulator,
    x_worker: Callable[[dict[int, XUser]], Worker],
) -> None:
    english_thread, welsh_thread, english, welsh = x_twin_threads(factory, session, x_emulator, 25)
    worker = x_worker({english.id: x_emulator.user, welsh.id: x_emulator.add_user("ons_cy")})

    worker.run_at(AT)

    assert {post.state for post in english_thread + welsh_thread} == {PostState.PUBLISHED}
    assert len(x_emulator.tweets) == 50
    assert len(replies_of_posts(x_emulator)) == 48


def test_a_duplicate_of_a_post_from_before_it_was_due_goes_to_unknown_for_a_person(
    factory: PublishingFactory,
    session: Session,
    x_emulator: XEmulator,
    x_worker: Callable[[dict[int, XUser]], Worker],
) -> None:
    channel = factory.channel("@ONSx", platform="x")
    channel.instance_url = x_emulator.base_url
    post = factory.post(channel, send_at=AT, text="Typed on X by hand the day before")
    worker = x_worker({channel.id: x_emulator.user})
    # Someone posted the same text on X itself an hour before it was due.
    x_emulator.clock.advance(AT.timestamp() - 3600 - x_emulator.clock.now())
    by_hand, _ = x_emulator.issue_token()
    httpx.post(
        f"{x_emulator.base_url}/2/tweets",
        json={"text": post.text},
        headers={"Authorization": f"Bearer {by_hand}"},
    ).raise_for_status()
    x_emulator.clock.advance(3600 + 60)

    worker.run_at(AT)

    assert post.state is PostState.UNKNOWN
    assert post.last_error is not None
    assert "refused the post as a duplicate" in post.last_error
    assert "check the account on X" in post.last_error
    assert len(x_emulator.tweets) == 1


def test_a_worker_that_died_after_sending_is_recovered_by_a_look_up_without_a_second_post(
    factory: PublishingFactory,
    session: Session,
    x_emulator: XEmulator,
    x_worker: Callable[[dict[int, XUser]], Worker],
) -> None:
    channel = factory.channel()
    channel.platform, channel.instance_url = "x", x_emulator.base_url
    thread = factory.thread(channel, 3, send_at=AT)
    dead = x_worker({channel.id: x_emulator.user})
    alive = x_worker({})

    # The dead worker claims the first post; X takes it but the answer is lost, and the worker
    # dies before recording anything.
    dead.clock.set(AT)
    intake = take_batch(dead.runtime, limit=10)
    job = next(job for unit in intake.units for job in unit.jobs)
    assert job.post.id == thread[0].id
    account = dead.runtime.platforms.account_for(job.channel)
    x_emulator.lose_next_answer(endpoint="tweets.create")
    sent = PublishRequest(
        account, job.post.text, idempotency_key=job.post.idempotency_key, first_tried_at=AT
    )
    with pytest.raises(OutcomeUnknown):
        dead.runtime.platforms.get("x").publish(sent)
    assert len(x_emulator.tweets) == 1
    dead.session.expire_all()
    assert thread[0].state is PostState.PUBLISHING

    # The lease runs out; the other worker asks X (the account's recent posts), finds the post
    # and sends the rest of the thread after it.
    alive.run_until_published(thread, AT + timedelta(minutes=2, seconds=1))

    assert [post.state for post in thread] == [PostState.PUBLISHED] * 3
    assert x_emulator.duplicate_texts() == {}
    assert len(x_emulator.tweets) == 3
    assert alive.actions(thread[0]) == ["claim", "mark_published"]
    assert replies_of_posts(x_emulator)["Thread post 2 of 3"] == "Thread post 1 of 3"
