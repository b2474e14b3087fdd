"""People and the worker write one vocabulary: every post audit action is a transition table name.

DESIGN.md, invariant 3. The scenario drives every person's operation and the real worker, on
both databases, then reads the whole audit trail: an action outside `Action` is one that
notifications and reports cannot read.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.clearance import (
    add_to_thread,
    add_twin,
    approve,
    create_thread,
    edit_post,
    reorder_thread,
    request_changes,
    retry,
    schedule,
    submit,
    withdraw,
)
from scheduler.clearance.media import attach_image, remove_image
from scheduler.clearance.removal import remove_published
from scheduler.clearance.transitions import (
    ALERTS,
    EDIT_KINDS,
    STATE_KEEPING,
    TRANSITIONS,
    Action,
)
from scheduler.core.clock import FixedClock
from scheduler.core.database import Database
from scheduler.models import AuditEvent, PostState, Role
from scheduler.publishing.overrides import grant_override
from scheduler.publishing.worker.identity import WorkerIdentity
from scheduler.publishing.worker.run_pass import run_pass
from scheduler.publishing.worker.runtime import WorkerRuntime
from scheduler.releases.operations import move_embargo
from tests.scheduler.clearance.test_media import image_bytes
from tests.support.factories import NOW, Factory
from tests.support.publishing_factories import make_settings

SOON = NOW + timedelta(hours=1)  # a Wednesday, in the worker's office hours
PASS = SOON + timedelta(minutes=1)


def test_every_post_audit_action_people_and_the_worker_write_is_a_table_action(
    session: Session,
    session_factory: sessionmaker[Session],
    database: Database,
    tmp_path: Path,
) -> None:
    settings = make_settings(database, tmp_path)
    factory = Factory(session, settings)
    english, welsh = factory.twin_channels(requires_twin=False)
    failing = factory.channel("failing")
    failing.platform_options = {"fail_every_nth": 1, "fail_kind": "permanent"}
    channels = (english, welsh, failing)
    author = factory.author(*channels)
    approver = factory.approver(*channels)
    admin = factory.user(Role.ADMIN)
    release = factory.release(by=admin, access=[author, approver])

    # A post and its twin: written, edited, twinned, given an image and relieved of it.
    post = factory.post(english, author, send_at=SOON)
    edit_post(session, post, by=author, settings=settings, text="Revised figures", now=NOW)
    twin = add_twin(session, post, text="Ffigurau", by=author, settings=settings, now=NOW).changed
    attachment = attach_image(
        session,
        post,
        data=image_bytes("PNG"),
        filename="chart.png",
        alt_text="A bar chart",
        by=author,
        settings=settings,
        now=NOW,
    )
    remove_image(session, attachment, by=author, settings=settings, now=NOW)
    submit(session, post, by=author, settings=settings, now=NOW)
    approve(session, post, by=approver, settings=settings, now=NOW)
    # Editing the scheduled twin sends the post cleared with it back to draft.
    [welsh_post] = [member for member in twin if member.id != post.id]
    edit_post(session, welsh_post, by=author, settings=settings, text="Ffigurau newydd", now=NOW)
    submit(session, post, by=author, settings=settings, now=NOW)
    approve(session, post, by=approver, settings=settings, now=NOW)
    assert post.state is PostState.SCHEDULED

    # A thread: written, added to, reordered, sent back and withdrawn.
    thread = create_thread(
        session, channel=english, texts=["One", "Two"], by=author, settings=settings, now=NOW
    )
    add_to_thread(session, thread, text="Zero", position=1, by=author, settings=settings, now=NOW)
    session.refresh(thread)
    order = [member.id for member in reversed(thread.posts)]
    reorder_thread(session, thread, order=order, by=author, settings=settings, now=NOW)
    session.refresh(thread)
    first = thread.posts[0]
    submit(session, first, by=author, settings=settings, now=NOW)
    request_changes(session, first, comment="Check it", by=approver, settings=settings, now=NOW)
    withdraw(session, first, by=author, settings=settings, now=NOW)

    # Approved without a time, then scheduled by an approver.
    untimed = factory.post(english, author)
    submit(session, untimed, by=author, settings=settings, now=NOW)
    approve(session, untimed, by=approver, settings=settings, now=NOW)
    schedule(session, untimed, by=approver, settings=settings, send_at=SOON, now=NOW)

    # Due just after its release's embargo, which then moves later.
    embargoed = factory.post(
        english, author, send_at=release.embargo_at + timedelta(minutes=30), release=release
    )
    factory.move(embargoed, PostState.SCHEDULED, approvers=[approver])
    moved = move_embargo(
        session,
        release,
        embargo_at=release.embargo_at + timedelta(hours=2),
        by=admin,
        settings=settings,
        now=NOW,
    )
    assert moved == [embargoed]

    doomed = factory.post(failing, author, send_at=SOON)
    factory.move(doomed, PostState.SCHEDULED, approvers=[approver])
    grant_override(session, doomed, by=admin, reason="Urgent correction", now=NOW)

    # The real worker publishes what is due and fails on the faulty channel; a person retries.
    runtime = WorkerRuntime(
        database.with_session_factory(session_factory),
        settings,
        clock=FixedClock(PASS),
        identity=WorkerIdentity("vocabulary-worker", "testhost", 4242),
        rng=random.Random(7),
    )
    try:
        run_pass(runtime)
        session.expire_all()
        assert (post.state, untimed.state, doomed.state) == (
            PostState.PUBLISHED,
            PostState.PUBLISHED,
            PostState.FAILED,
        )
        retry(session, doomed, by=author, settings=settings, now=PASS)
        remove_published(
            session, post, by=approver, reason="Wrong figures", settings=settings, now=PASS
        )
        session.flush()
    finally:
        runtime.close()

    events = session.execute(
        select(AuditEvent.action, AuditEvent.post_id).where(AuditEvent.post_id.is_not(None))
    ).all()
    vocabulary = {action.value for action in Action}
    outside = sorted({action for action, _ in events if action not in vocabulary})
    assert outside == [], f"post audit actions outside the transition table's vocabulary: {outside}"
    # The scenario really did each of these (so the check above is not vacuous).
    assert {action for action, _ in events} >= {
        "create",
        "edit",
        "twin_added",
        "image_attached",
        "image_removed",
        "returned_to_draft",
        "thread_reordered",
        "submit",
        "approve",
        "request_changes",
        "schedule",
        "send_time_moved_with_embargo",
        "withdraw",
        "retry",
        "remove",
        "claim",
        "mark_published",
        "mark_failed",
        "override_granted",
    }


def test_every_action_is_a_row_a_kind_of_edit_or_a_change_that_keeps_the_state() -> None:
    in_rows = {row.action for row in TRANSITIONS}
    assert Action.EDIT in in_rows
    described = in_rows | EDIT_KINDS | {Action.RETURNED_TO_DRAFT} | ALERTS | STATE_KEEPING
    assert set(Action) == described
    assert not STATE_KEEPING & (in_rows | ALERTS)
