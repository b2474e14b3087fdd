"""Random people doing random things at random times: DESIGN.md's invariants hold throughout.

After every action:
- the audit trail has exactly one new event for each post that changed, none for posts that
  did not, and nothing at all (and no change) when the action was refused.
After every step:
- nothing is approved, scheduled or beyond without enough valid approvals of its current
  version, none by its author; a twin the channel requires exists and is cleared too;
- whoever created, edited or added a twin to any post of a unit since the post was last cleared
  (read from the audit trail) is one of its authors, and no live approval is by one of them;
- twins always agree: linked both ways, same release, same send time while unfinished, and the
  same state throughout clearance (after the worker has them, each post's outcome on the
  platform is its own); the same holds for the posts of a thread;
- no unfinished post is timed before its release's embargo, and nothing is due before it;
- each post's audit events chain from state to state and end at its current state.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_config
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from config import Settings
from scheduler.clearance import (
    add_twin,
    approve,
    create_post,
    create_thread,
    edit_post,
    publish_now,
    request_changes,
    resolve_unknown,
    retry,
    schedule,
    submit,
    unschedule,
    withdraw,
)
from scheduler.clearance.authorship import authors_of
from scheduler.clearance.counting import approvals_met
from scheduler.clearance.units import clearance_unit
from scheduler.core import audit
from scheduler.core.database import Database
from scheduler.core.errors import DomainError
from scheduler.models import (
    AccessRole,
    Approval,
    AuditEvent,
    Post,
    PostState,
    Release,
    Role,
    Thread,
    User,
)
from scheduler.releases.operations import move_embargo
from tests.support.factories import NOW, Factory, worker_action

S = PostState
CLEARED = {S.APPROVED, S.SCHEDULED, S.PUBLISHING, S.PUBLISHED, S.FAILED, S.UNKNOWN, S.MISSED}
FINISHED = {S.PUBLISHED, S.REMOVED, S.WITHDRAWN}
IN_CLEARANCE = {S.DRAFT, S.IN_REVIEW, S.APPROVED}
UNFINISHED = [state for state in PostState if state not in FINISHED]
PEOPLE = ("alice", "bob", "xavier", "yasmin", "zeb", "admin")
SEND_CHOICES = (None, "past", "soon", "embargo", "before_embargo", "days_later")
ACTIONS = (
    "submit",
    "approve",
    "request_changes",
    "schedule",
    "unschedule",
    "withdraw",
    "retry",
    "publish_now",
    "confirm",
    "edit_text",
    "edit_time",
    "edit_too_long",
    "add_twin",
)

#: Audit actions that write a post's content (the actor becomes an author of its unit).
CONTENT_ACTIONS = {"create", "edit", "twin_added"}

people = st.sampled_from(PEOPLE)
picks = st.integers(min_value=0, max_value=10_000)
send_choices = st.sampled_from(SEND_CHOICES)

Snapshot = dict[int, tuple[Any, ...]]


def build_machine(database: Database, app_settings: Settings) -> type[RuleBasedStateMachine]:
    """Return a state machine class working in a rolled-back transaction of the database."""

    class ClearanceMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.connection = database.engine.connect()
            self.transaction = self.connection.begin()
            self.session = Session(
                bind=self.connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            )
            self.now = NOW
            factory = Factory(self.session, app_settings)
            welsh = factory.channel("cymraeg", language="cy")
            english = factory.channel(
                "english", twin=welsh, requires_twin=True, approvals_required=2
            )
            solo = factory.channel("solo")
            self.channels = {"en": english, "cy": welsh, "solo": solo}
            everywhere = list(self.channels.values())
            author, approver = AccessRole.AUTHOR, AccessRole.APPROVER
            self.people: dict[str, User] = {
                # Writes everywhere, clears nothing.
                "alice": factory.grant(factory.user(Role.AUTHOR), everywhere, author),
                # Writes on one channel only.
                "bob": factory.grant(factory.user(Role.AUTHOR), [solo], author),
                # Clears everywhere, writes on one channel, on the release's access list.
                "xavier": factory.grant(
                    factory.grant(factory.user(Role.APPROVER), everywhere, approver),
                    [solo],
                    author,
                ),
                # Clears everywhere but is not on the release's access list.
                "yasmin": factory.grant(factory.user(Role.APPROVER), everywhere, approver),
                # Clears English but not Welsh, so never a twinned pair.
                "zeb": factory.grant(factory.user(Role.APPROVER), [solo, english], approver),
                "admin": factory.user(Role.ADMIN),
            }
            self.release = factory.release(
                by=self.people["alice"],
                access=[self.people["xavier"], self.people["zeb"]],
                embargo_at=NOW + timedelta(days=1, hours=-0.5),
            )

        def teardown(self) -> None:
            self.session.close()
            self.transaction.rollback()
            self.connection.close()

        # Helpers.

        def post(self, pick: int, *preferring: PostState) -> Post | None:
            """Pick a post, from those in the preferred states when there are any."""
            ids = list(self.session.scalars(select(Post.id).order_by(Post.id)))
            if preferring:
                ids = (
                    list(
                        self.session.scalars(
                            select(Post.id).where(Post.state.in_(preferring)).order_by(Post.id)
                        )
                    )
                    or ids
                )
            return self.session.get(Post, ids[pick % len(ids)]) if ids else None

        def send_time(self, choice: str | None) -> datetime | None:
            embargo = self.release.embargo_at
            return {
                None: None,
                "past": self.now - timedelta(minutes=30),
                "soon": self.now + timedelta(hours=2),
                "embargo": embargo,
                "before_embargo": embargo - timedelta(hours=1),
                "days_later": max(self.now, embargo) + timedelta(days=2),
            }[choice]

        def snapshot(self) -> tuple[Snapshot, dict[int, int]]:
            self.session.flush()
            live = dict(
                self.session.execute(
                    select(Approval.post_id, func.count())
                    .join(Post, Post.id == Approval.post_id)
                    .where(
                        Approval.voided_at.is_(None),
                        Approval.content_version == Post.content_version,
                    )
                    .group_by(Approval.post_id)
                ).all()
            )
            rows = self.session.execute(
                select(
                    Post.id,
                    Post.state,
                    Post.content_version,
                    Post.text,
                    Post.send_at,
                    Post.due_at,
                    Post.release_id,
                    Post.twin_id,
                    Post.thread_position,
                )
            ).all()
            events = dict(
                self.session.execute(
                    select(AuditEvent.post_id, func.count())
                    .where(AuditEvent.post_id.is_not(None))
                    .group_by(AuditEvent.post_id)
                ).all()
            )
            return {row[0]: (*row[1:], live.get(row[0], 0)) for row in rows}, events

        def attempt(self, action: Callable[[], Any]) -> bool:
            """Do one action; check one audit event per changed post, or nothing if refused."""
            before, events_before = self.snapshot()
            try:
                action()
            except DomainError:
                refused = True
            else:
                refused = False
            after, events_after = self.snapshot()
            for post_id, state in after.items():
                changed = before.get(post_id) != state
                assert not (refused and changed), f"a refused action changed post {post_id}"
                new_events = events_after.get(post_id, 0) - events_before.get(post_id, 0)
                assert new_events == (1 if changed else 0), (
                    f"post {post_id}: {new_events} audit events for "
                    f"{'a change' if changed else 'no change'}: {before.get(post_id)} -> {state}"
                )
            return not refused

        def act(self, who: str, post: Post, action: str, choice: Any = None) -> bool:
            person = self.people[who]
            common: dict[str, Any] = {"by": person, "settings": app_settings, "now": self.now}
            session = self.session
            operations: dict[str, Callable[[], Any]] = {
                "submit": lambda: submit(session, post, **common),
                "approve": lambda: approve(session, post, **common),
                "request_changes": lambda: request_changes(
                    session, post, comment=choice or "", **common
                ),
                "schedule": lambda: schedule(session, post, send_at=choice, **common),
                "unschedule": lambda: unschedule(session, post, **common),
                "withdraw": lambda: withdraw(session, post, **common),
                "retry": lambda: retry(session, post, **common),
                "publish_now": lambda: publish_now(session, post, **common),
                "confirm": lambda: resolve_unknown(session, post, published=bool(choice), **common),
                "edit_text": lambda: edit_post(
                    session, post, text=f"Revised {self.now:%d %H:%M}", **common
                ),
                "edit_time": lambda: edit_post(session, post, send_at=choice, **common),
                "edit_too_long": lambda: edit_post(session, post, text="x" * 300, **common),
                "add_twin": lambda: add_twin(session, post, text="Testun", **common),
            }
            return self.attempt(operations[action])

        # What people do.

        @initialize()
        def some_posts(self) -> None:
            alice = self.people["alice"]
            for channel, twin_text in (
                (self.channels["solo"], None),
                (self.channels["en"], "Ffig"),
            ):
                self.attempt(
                    lambda channel=channel, twin_text=twin_text: create_post(
                        self.session,
                        channel=channel,
                        text="Opening figures",
                        twin_text=twin_text,
                        by=alice,
                        settings=app_settings,
                        send_at=self.send_time("days_later"),
                        release=self.release,
                        now=self.now,
                    )
                )
            self.attempt(
                lambda: create_thread(
                    self.session,
                    channel=self.channels["en"],
                    texts=["First", "Second"],
                    twin_texts=["Cyntaf", "Ail"],
                    by=alice,
                    settings=app_settings,
                    send_at=self.send_time("soon"),
                    now=self.now,
                )
            )

        @rule(
            who=people,
            where=st.sampled_from(["en", "cy", "solo"]),
            size=st.integers(0, 3),
            twin=st.booleans(),
            in_release=st.booleans(),
            send=send_choices,
        )
        def create(
            self, who: str, where: str, size: int, twin: bool, in_release: bool, send: str | None
        ) -> None:
            """Write a post (size 0) or a thread, perhaps with twins, perhaps for the release."""
            common: dict[str, Any] = {
                "channel": self.channels[where],
                "by": self.people[who],
                "settings": app_settings,
                "send_at": self.send_time(send),
                "release": self.release if in_release else None,
                "now": self.now,
            }
            if size == 0:
                self.attempt(
                    lambda: create_post(
                        self.session,
                        text=f"Figures at {self.now:%H:%M}",
                        twin_text="Ffigurau" if twin else None,
                        **common,
                    )
                )
            else:
                self.attempt(
                    lambda: create_thread(
                        self.session,
                        texts=[f"Part {n}" for n in range(size)],
                        twin_texts=[f"Rhan {n}" for n in range(size)] if twin else None,
                        **common,
                    )
                )

        @precondition(lambda self: self.post(0) is not None)
        @rule(
            who=people,
            pick=picks,
            action=st.sampled_from(ACTIONS),
            send=send_choices,
            flag=st.booleans(),
        )
        def anyone_does_anything(
            self, who: str, pick: int, action: str, send: str | None, flag: bool
        ) -> None:
            """Any person tries any action on any post (most are refused, cleanly)."""
            post = self.post(pick)
            assert post is not None
            choice: Any = flag
            if action in ("schedule", "edit_time"):
                choice = self.send_time(send)
            elif action == "request_changes":
                choice = "Check the month" if flag else ""
            self.act(who, post, action, choice)

        @precondition(lambda self: self.post(0) is not None)
        @rule(
            pick=picks,
            helpers=st.lists(st.sampled_from(["admin", "xavier", "yasmin", "zeb"]), min_size=4),
            flag=st.booleans(),
        )
        def take_it_further(self, pick: int, helpers: list[str], flag: bool) -> None:
            """Move one unfinished post along its natural path, a few steps, so runs go far."""
            post = self.post(pick, *UNFINISHED)
            assert post is not None
            for helper in helpers:
                state = post.state
                if state is S.DRAFT and post.channel.requires_twin and post.twin is None:
                    done = self.act("alice", post, "add_twin")
                elif state is S.DRAFT:
                    done = self.act("admin", post, "submit")
                elif state is S.IN_REVIEW:
                    done = self.act(helper, post, "approve")
                elif state is S.APPROVED:
                    done = self.act(helper, post, "schedule", self.send_time("days_later"))
                elif state is S.SCHEDULED:
                    assert post.due_at is not None
                    self.now = max(self.now, post.due_at)
                    done = self.worker_pass(post, S.PUBLISHED if flag else S.FAILED)
                elif state is S.FAILED:
                    done = self.act(helper, post, "retry")
                elif state is S.MISSED:
                    done = self.act(helper, post, "publish_now")
                elif state is S.UNKNOWN:
                    done = self.act(helper, post, "confirm", flag)
                else:
                    return
                if not done and state is not S.IN_REVIEW:
                    return

        @rule(
            who=st.sampled_from(["alice", "admin", "bob"]), shift=st.sampled_from([-2.0, 1.0, 26.0])
        )
        def move_the_embargo(self, who: str, shift: float) -> None:
            self.attempt(
                lambda: move_embargo(
                    self.session,
                    self.release,
                    embargo_at=self.release.embargo_at + timedelta(hours=shift),
                    by=self.people[who],
                    settings=app_settings,
                    now=self.now,
                )
            )

        @rule(minutes=st.sampled_from([5, 90, 60 * 20, 60 * 50]))
        def wait(self, minutes: int) -> None:
            self.now += timedelta(minutes=minutes)

        @precondition(lambda self: self.post(0) is not None)
        @rule(pick=picks, outcome=st.sampled_from([S.PUBLISHED, S.FAILED, S.UNKNOWN, S.MISSED]))
        def worker(self, pick: int, outcome: PostState) -> None:
            post = self.post(pick, S.SCHEDULED)
            assert post is not None
            self.worker_pass(post, outcome)

        def worker_pass(self, post: Post, outcome: PostState) -> bool:
            """Play the worker: a due, scheduled unit goes out (or not) as one."""
            unit = clearance_unit(post)
            if any(
                m.state is not S.SCHEDULED or m.due_at is None or m.due_at > self.now for m in unit
            ):
                return False

            def publish() -> None:
                for member in unit:
                    before = member.state
                    member.state = outcome
                    if outcome is S.PUBLISHED:
                        member.published_at = self.now
                        member.external_id = f"x-{member.id}"
                    if outcome is S.UNKNOWN:
                        member.lease_owner = "worker:test"
                    self.session.flush()
                    audit.record(
                        self.session,
                        worker_action(outcome),
                        actor_label="worker:test",
                        post=member,
                        from_state=before.value,
                        to_state=outcome.value,
                        at=self.now,
                    )

            return self.attempt(publish)

        # What must always hold.

        def all_posts(self) -> list[Post]:
            self.session.flush()
            self.session.expire_all()
            return list(
                self.session.scalars(
                    select(Post).options(
                        selectinload(Post.approvals),
                        selectinload(Post.co_authors),
                        selectinload(Post.channel),
                        selectinload(Post.twin),
                        selectinload(Post.thread).selectinload(Thread.posts),
                    )
                )
            )

        @invariant()
        def invariants(self) -> None:
            posts = self.all_posts()
            release = self.session.get(Release, self.release.id)
            assert release is not None
            chains: dict[int, list[AuditEvent]] = {}
            for event in self.session.scalars(
                select(AuditEvent).where(AuditEvent.post_id.is_not(None)).order_by(AuditEvent.id)
            ):
                assert event.post_id is not None
                chains.setdefault(event.post_id, []).append(event)
            for post in posts:
                self.approvals_are_valid(post)
                self.everyone_who_changed_it_is_an_author(post, chains)
                self.twins_and_threads_agree(post)
                self.not_before_the_embargo(post, release)
                self.audit_chains(post, chains[post.id])

        def approvals_are_valid(self, post: Post) -> None:
            assert all(a.approver_id != post.author_id for a in post.approvals), (
                f"the author approved post {post.id}"
            )
            if post.state in CLEARED:
                assert approvals_met(post), f"post {post.id} is {post.state} without approvals"
                if post.channel.requires_twin:
                    assert post.twin is not None
                    assert approvals_met(post.twin)

        def everyone_who_changed_it_is_an_author(
            self, post: Post, chains: dict[int, list[AuditEvent]]
        ) -> None:
            if post.state in FINISHED:
                return
            cleared = [
                event.id
                for event in chains[post.id]
                if event.action == "approve" and event.to_state in ("approved", "scheduled")
            ]
            since = cleared[-1] if cleared else 0
            writers = {
                event.actor_id
                for member in clearance_unit(post)
                for event in chains[member.id]
                if event.id > since and event.action in CONTENT_ACTIONS
            }
            authors = authors_of(post)
            assert writers <= authors, f"post {post.id}: {writers - authors} changed it unrecorded"
            for approval in post.approvals:
                if approval.voided_at is None and approval.content_version == post.content_version:
                    assert approval.approver_id not in authors, (
                        f"post {post.id} has a live approval by one of its authors"
                    )

        def twins_and_threads_agree(self, post: Post) -> None:
            partners: list[Post] = []
            if post.twin is not None:
                twin = post.twin
                assert twin.twin_id == post.id
                assert twin.channel_id == post.channel.twin_id
                assert twin.release_id == post.release_id
                partners.append(twin)
            if post.thread is not None:
                partners.append(post.thread.posts[0])
            for partner in partners:
                # Clearance moves them as one. Once the worker has them, each post's outcome on
                # the platform is its own (one may fail or be in doubt), and people settle each.
                if post.state in IN_CLEARANCE or partner.state in IN_CLEARANCE:
                    assert partner.state is post.state, f"{post.id} and {partner.id} disagree"
                if S.WITHDRAWN in (post.state, partner.state):
                    assert {post.state, partner.state} <= FINISHED
                if post.state not in FINISHED and partner.state not in FINISHED:
                    assert partner.send_at == post.send_at, f"{post.id}, {partner.id}: times"
            if post.channel.requires_twin and post.state not in (S.DRAFT, S.WITHDRAWN):
                assert post.twin is not None, f"post {post.id} left without its twin"

        def not_before_the_embargo(self, post: Post, release: Release) -> None:
            if post.release_id != release.id or post.state in FINISHED:
                return
            if post.send_at is not None:
                assert post.send_at >= release.embargo_at, f"post {post.id} is timed too early"
            if post.state is S.SCHEDULED:
                assert post.due_at is not None
                assert post.due_at >= release.embargo_at

        def audit_chains(self, post: Post, chain: list[AuditEvent]) -> None:
            assert chain[0].from_state is None
            assert chain[0].to_state == "draft"
            for earlier, later in itertools.pairwise(chain):
                assert later.from_state == earlier.to_state, (earlier.action, later.action)
            assert chain[-1].to_state == post.state.value

    return ClearanceMachine


def test_invariants_hold_whatever_people_do(database: Database, settings: Settings) -> None:
    run_state_machine_as_test(
        build_machine(database, settings),
        settings=hypothesis_config(
            max_examples=50,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
