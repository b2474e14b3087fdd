"""What waits for an approver: units in review on their channels, not their own, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from scheduler.clearance.authorship import authors_of, wrote_current_version
from scheduler.clearance.counting import has_approved
from scheduler.clearance.units import clearance_unit
from scheduler.models import AccessRole, ChannelAccess, Post, PostState, User
from scheduler.models.post import state_literal


@dataclass(frozen=True)
class InboxPage:
    """Units waiting, each led by its first post, and where the next page starts (or None)."""

    units: list[list[Post]]
    next_after: tuple[datetime, int] | None


def _waits_for(unit: list[Post], user: User) -> bool:
    for member in unit:
        if user.id in authors_of(member) or member.state is not PostState.IN_REVIEW:
            return False
    # Once this person's approval counts for every post, the rest is for someone else.
    return not all(has_approved(member, user) for member in unit)


def waiting_for(
    session: Session,
    user: User,
    *,
    after: tuple[datetime, int] | None = None,
    limit: int = 20,
) -> InboxPage:
    """Return the next units in review the person may clear, oldest submission first."""
    query = (
        select(Post)
        # A literal, for the partial index `ix_posts_in_review_submitted`.
        .where(
            Post.state == state_literal(PostState.IN_REVIEW),
            ~wrote_current_version(
                user.id,
                post_id=Post.id,
                author_id=Post.author_id,
                content_version=Post.content_version,
            ),
        )
        .options(
            # What the page shows of each post, loaded a batch at a time rather than per post.
            joinedload(Post.channel),
            joinedload(Post.author),
            joinedload(Post.release),
            selectinload(Post.approvals),
            selectinload(Post.co_authors),
            selectinload(Post.twin).options(
                joinedload(Post.channel),
                selectinload(Post.approvals),
                selectinload(Post.co_authors),
            ),
        )
        .order_by(Post.submitted_at, Post.id)
    )
    if not user.is_admin:
        query = query.where(
            Post.channel_id.in_(
                select(ChannelAccess.channel_id).where(
                    ChannelAccess.user_id == user.id, ChannelAccess.role == AccessRole.APPROVER
                )
            )
        )
    units: list[list[Post]] = []
    last: tuple[datetime, int] | None = None
    cursor = after
    batch = max(limit * 3, 30)
    while True:
        page_query = query
        if cursor is not None:
            submitted, post_id = cursor
            page_query = query.where(
                or_(
                    Post.submitted_at > submitted,
                    and_(Post.submitted_at == submitted, Post.id > post_id),
                )
            )
        rows = session.scalars(page_query.limit(batch)).unique().all()
        for post in rows:
            assert post.submitted_at is not None
            cursor = (post.submitted_at, post.id)
            unit = clearance_unit(post)
            # Posts of a unit are submitted together: the unit is listed at its first post.
            if any(member.state is PostState.IN_REVIEW and member.id < post.id for member in unit):
                continue
            if _waits_for(unit, user):
                units.append(unit)
                last = cursor
                if len(units) == limit:
                    return InboxPage(units=units, next_after=last)
        if len(rows) < batch:
            return InboxPage(units=units, next_after=None)


__all__ = ["InboxPage", "waiting_for"]
