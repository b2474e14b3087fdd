"""Which approvals count: the one definition, in SQL for the worker and in Python for people.

An approval counts for a post when it is of the post's current content version, has not been
voided (by an edit, a request for changes, a withdrawal), and is not by any author of that
version (see authorship.py). Clearance, the guards, the inbox and the publishing worker all ask
this module; tests/scheduler/clearance/test_counting.py checks that the two forms agree.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, func, select

from scheduler.clearance.authorship import authors_of, wrote_current_version
from scheduler.models import Approval, Post, User

approvals = cast(Table, Approval.__table__)
posts = cast(Table, Post.__table__)


def approval_counts_for_current_version() -> ColumnElement[bool]:
    """Return the SQL condition, over `approvals` joined to `posts`, that an approval counts."""
    return and_(
        approvals.c.content_version == posts.c.content_version,
        approvals.c.voided_at.is_(None),
        ~wrote_current_version(
            approvals.c.approver_id,
            post_id=posts.c.id,
            author_id=posts.c.author_id,
            content_version=posts.c.content_version,
        ),
    )


def approver_counts(*conditions: ColumnElement[Any]) -> Select[int, int]:
    """Return (post id, distinct approvers that count) for the posts matching the conditions."""
    # Set-based: one statement for a whole batch, whatever its size.
    return (
        select(approvals.c.post_id, func.count(approvals.c.approver_id.distinct()))
        .join(posts, posts.c.id == approvals.c.post_id)
        .where(approval_counts_for_current_version(), *conditions)
        .group_by(approvals.c.post_id)
    )


def counts(approval: Approval, post: Post) -> bool:
    """Return whether the approval counts for the post's current version (the Python form)."""
    return (
        approval.content_version == post.content_version
        and approval.voided_at is None
        and approval.approver_id not in authors_of(post)
    )


def live_approvals(post: Post) -> list[Approval]:
    """Return the approvals that count for the post's current version."""
    return [approval for approval in post.approvals if counts(approval, post)]


def approval_count(post: Post) -> int:
    """Return how many distinct people have cleared the post's current version."""
    return len({approval.approver_id for approval in live_approvals(post)})


def approvals_met(post: Post) -> bool:
    """Return whether enough distinct approvers cleared the current version for its channel."""
    return approval_count(post) >= post.channel.approvals_required


def has_approved(post: Post, user: User) -> bool:
    """Return whether the person's approval of the post's current version counts already."""
    return any(approval.approver_id == user.id for approval in live_approvals(post))
