"""How an operation changes posts: one audit event per post it touched, then one checked flush."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from scheduler.clearance.authorship import Contribution, Touched
from scheduler.clearance.transitions import Action
from scheduler.core import audit
from scheduler.core.errors import Conflict
from scheduler.models import Post, PostRevision, PostState, User, utcnow

P = ParamSpec("P")
R = TypeVar("R")

CONFLICT_MESSAGE = (
    "This post was changed by someone else since you opened it; reload to see the change"
)


def resolve_now(now: datetime | None) -> datetime:
    """Return the given instant (tests, rehearsals) or the real clock's."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def check_expected_version(post: Post, expected_version: int | None) -> None:
    """Refuse if the post changed since the person loaded the version they acted on."""
    if expected_version is not None and post.version != expected_version:
        raise Conflict(CONFLICT_MESSAGE)


def conflict_on_stale_write(operation: Callable[P, R]) -> Callable[P, R]:
    """Turn a stale row version met anywhere in the operation (autoflush too) into a Conflict."""

    @functools.wraps(operation)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return operation(*args, **kwargs)
        except StaleDataError:
            raise Conflict(CONFLICT_MESSAGE) from None

    return wrapper


def flush_or_conflict(session: Session) -> None:
    """Flush, turning a stale row version (someone else's write won) into a Conflict."""
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(CONFLICT_MESSAGE) from None


def write_revision(session: Session, post: Post, *, by: User | None, now: datetime) -> None:
    """Keep the text and time of the post's current content version."""
    session.add(
        PostRevision(
            post_id=post.id,
            content_version=post.content_version,
            text=post.text,
            send_at=post.send_at,
            channel_id=post.channel_id,
            edited_by_id=by.id if by else None,
            created_at=now,
        )
    )


def void_approvals(post: Post, *, now: datetime, reason: str) -> int:
    """Mark every live approval of the post as no longer counting; return how many."""
    voided = 0
    for approval in post.approvals:
        if approval.voided_at is None:
            approval.voided_at = now
            approval.void_reason = reason[:200]
            voided += 1
    return voided


@dataclass
class _Pending:
    post: Post
    action: Action
    from_state: PostState | None
    to_state: PostState
    comment: str
    details: dict[str, Any] = field(default_factory=dict)


class ChangeSet:
    """Collect what one operation does to each post; write exactly one audit event per post."""

    def __init__(
        self,
        session: Session,
        *,
        action: Action,
        by: User | None,
        now: datetime,
        actor_label: str = "",
        contribution: Contribution | None = None,
    ) -> None:
        self.session = session
        self.action = action
        self.by = by
        self.now = now
        self.actor_label = actor_label
        #: Set for a change of content: finishing records who wrote the unit's new versions.
        self.contribution = contribution
        self._pending: dict[int, _Pending] = {}

    def change(
        self,
        post: Post,
        *,
        to: PostState | None = None,
        action: Action | None = None,
        comment: str = "",
        created: bool = False,
        **details: Any,
    ) -> None:
        """Note a change to the post (its new state, if any); repeated calls merge into one."""
        pending = self._pending.get(id(post))
        if pending is None:
            pending = _Pending(
                post=post,
                action=action or self.action,
                from_state=None if created else post.state,
                to_state=post.state,
                comment=comment,
            )
            self._pending[id(post)] = pending
        elif action is not None:
            pending.action = action
        if to is not None:
            pending.to_state = to
        if comment and not pending.comment:
            pending.comment = comment
        pending.details.update(details)

    def touched(self, post: Post) -> bool:
        """Return whether the post is already part of this change."""
        return id(post) in self._pending

    @property
    def posts(self) -> list[Post]:
        """Return the posts changed, in the order first touched."""
        return [pending.post for pending in self._pending.values()]

    def finish(self) -> list[Post]:
        """Apply the states, write one audit event per post, flush; return the posts changed."""
        for pending in self._pending.values():
            post = pending.post
            post.state = pending.to_state
            # Touching the row bumps its version even when only an approval was added, so a
            # concurrent approver's stale write is detected.
            post.updated_at = self.now
            flag_modified(post, "updated_at")
        flush_or_conflict(self.session)
        if self.contribution is not None:
            self.contribution.record(
                self.session,
                [
                    Touched(p.post, p.action, tuple(p.details.get("changed", ())))
                    for p in self._pending.values()
                ],
            )
        for pending in self._pending.values():
            audit.record_post(
                self.session,
                pending.action,
                pending.post,
                actor=self.by,
                actor_label=self.actor_label,
                from_state=pending.from_state.value if pending.from_state else None,
                to_state=pending.to_state.value,
                comment=pending.comment,
                details=_jsonable(pending.details),
                at=self.now,
            )
        flush_or_conflict(self.session)
        return self.posts


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, datetime):
            converted[key] = value.isoformat()
        elif isinstance(value, PostState):
            converted[key] = value.value
        else:
            converted[key] = value
    return converted
