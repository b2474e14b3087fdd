"""Statistical releases: the embargo instant, moving it, and who may see the text before it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from config import Settings
from scheduler.access.rules import may_manage_release
from scheduler.clearance.changes import ChangeSet, conflict_on_stale_write, resolve_now
from scheduler.clearance.send_times import set_due
from scheduler.clearance.transitions import Action
from scheduler.core import audit
from scheduler.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduler.core.local_time import describe
from scheduler.models import Post, PostState, Release, ReleaseAccess, User

# Posts whose send time still matters; published, withdrawn or removed ones keep their history.
_MOVABLE = frozenset(
    {
        PostState.DRAFT,
        PostState.IN_REVIEW,
        PostState.APPROVED,
        PostState.SCHEDULED,
        PostState.FAILED,
        PostState.MISSED,
        PostState.UNKNOWN,
    }
)


def get_release(session: Session, release_id: int) -> Release:
    """Return the release with the id, or raise NotFound."""
    release = session.get(Release, release_id)
    if release is None:
        raise NotFound(f"No release {release_id}")
    return release


def list_releases(session: Session, *, since: datetime | None = None) -> Sequence[Release]:
    """Return releases by embargo, soonest first (only those embargoed from `since` on)."""
    query = select(Release).order_by(Release.embargo_at, Release.id)
    if since is not None:
        query = query.where(Release.embargo_at >= since)
    return session.scalars(query).all()


def create_release(
    session: Session,
    *,
    title: str,
    embargo_at: datetime,
    by: User | None,
    access: Iterable[User] = (),
    now: datetime | None = None,
    actor_label: str = "",
) -> Release:
    """Record a release and its pre-release access list (its creator is on the list)."""
    now = resolve_now(now)
    title = title.strip()
    if not title:
        raise ValidationFailed("Give the release a title", field="title")
    if len(title) > 300:
        raise ValidationFailed("The title can be at most 300 characters", field="title")
    if embargo_at.tzinfo is None:
        raise ValidationFailed("The embargo needs a time zone", field="embargo_at")
    if embargo_at <= now:
        raise ValidationFailed(
            "The embargo must be in the future; a release already out has no embargo to keep",
            field="embargo_at",
        )
    release = Release(
        title=title,
        embargo_at=embargo_at,
        created_by_id=by.id if by else None,
        created_at=now,
    )
    session.add(release)
    session.flush()
    audit.record(
        session,
        "release_created",
        actor=by,
        actor_label=actor_label,
        release_id=release.id,
        at=now,
        details={"title": title, "embargo_at": embargo_at.isoformat()},
    )
    people = {user.id: user for user in access}
    if by is not None:
        people.setdefault(by.id, by)
    for user in people.values():
        _add_access(session, release, user, by=by, now=now, actor_label=actor_label)
    session.flush()
    return release


@conflict_on_stale_write
def move_embargo(
    session: Session,
    release: Release,
    *,
    embargo_at: datetime,
    by: User | None,
    settings: Settings,
    now: datetime | None = None,
    actor_label: str = "",
) -> list[Post]:
    """Move the embargo; posts due at or before a later embargo move with it. Return those moved."""
    # The text of the moved posts did not change, so their approvals stay valid: what was cleared
    # is still what goes out, only later. (Moving the embargo earlier moves no post: their times
    # were chosen for the old embargo and are still allowed.)
    now = resolve_now(now)
    if not may_manage_release(by, release):
        raise PermissionDenied("Only admins and the person who created the release can move it")
    if embargo_at.tzinfo is None:
        raise ValidationFailed("The embargo needs a time zone", field="embargo_at")
    if embargo_at <= now:
        raise ValidationFailed("The embargo cannot be moved into the past", field="embargo_at")
    previous = release.embargo_at
    if embargo_at == previous:
        return []
    release.embargo_at = embargo_at
    audit.record(
        session,
        "embargo_moved",
        actor=by,
        actor_label=actor_label,
        release_id=release.id,
        at=now,
        details={"from": previous.isoformat(), "to": embargo_at.isoformat()},
    )
    moved: list[Post] = []
    if embargo_at > previous:
        posts = session.scalars(
            select(Post)
            .where(
                Post.release_id == release.id,
                Post.state.in_(_MOVABLE),
                Post.send_at.is_not(None),
                Post.send_at < embargo_at,
            )
            .order_by(Post.id)
        ).all()
        changes = ChangeSet(
            session,
            action=Action.SEND_TIME_MOVED_WITH_EMBARGO,
            by=by,
            now=now,
            actor_label=actor_label,
        )
        for post in posts:
            old_send_at = post.send_at
            post.send_at = embargo_at
            if post.due_at is not None and post.due_at < embargo_at:
                set_due(post, embargo_at)
            changes.change(
                post,
                comment=(
                    f"Embargo moved to {describe(embargo_at, settings.timezone)}; "
                    "approvals stand because the text did not change"
                ),
                previous_send_at=old_send_at,
                send_at=embargo_at,
            )
            moved.append(post)
        changes.finish()
    session.flush()
    return moved


def grant_release_access(
    session: Session,
    release: Release,
    *,
    user: User,
    by: User | None,
    now: datetime | None = None,
    actor_label: str = "",
) -> ReleaseAccess:
    """Add a person to the release's pre-release access list (audited)."""
    now = resolve_now(now)
    if not may_manage_release(by, release):
        raise PermissionDenied(
            "Only admins and the person who created the release can change its access list"
        )
    if _access_entry(session, release, user) is not None:
        raise Conflict(f"{user.email} is already on the access list of {release.title!r}")
    entry = _add_access(session, release, user, by=by, now=now, actor_label=actor_label)
    session.flush()
    return entry


def revoke_release_access(
    session: Session,
    release: Release,
    *,
    user: User,
    by: User | None,
    now: datetime | None = None,
    actor_label: str = "",
) -> None:
    """Take a person off the release's pre-release access list (audited)."""
    now = resolve_now(now)
    if not may_manage_release(by, release):
        raise PermissionDenied(
            "Only admins and the person who created the release can change its access list"
        )
    entry = _access_entry(session, release, user)
    if entry is None:
        raise NotFound(f"{user.email} is not on the access list of {release.title!r}")
    session.delete(entry)
    audit.record(
        session,
        "release_access_revoked",
        actor=by,
        actor_label=actor_label,
        release_id=release.id,
        subject_user=user,
        at=now,
        details={"user": user.email},
    )
    session.flush()


def release_access_list(session: Session, release: Release) -> Sequence[ReleaseAccess]:
    """Return who is on the release's pre-release access list, by e-mail, and who added them."""
    return session.scalars(
        select(ReleaseAccess)
        .join(User, User.id == ReleaseAccess.user_id)
        .options(joinedload(ReleaseAccess.user), joinedload(ReleaseAccess.granted_by))
        .where(ReleaseAccess.release_id == release.id)
        .order_by(User.email)
    ).all()


def _access_entry(session: Session, release: Release, user: User) -> ReleaseAccess | None:
    return session.get(ReleaseAccess, (release.id, user.id))


def _add_access(
    session: Session,
    release: Release,
    user: User,
    *,
    by: User | None,
    now: datetime,
    actor_label: str,
) -> ReleaseAccess:
    entry = ReleaseAccess(
        release_id=release.id, user_id=user.id, granted_by_id=by.id if by else None, granted_at=now
    )
    session.add(entry)
    audit.record(
        session,
        "release_access_granted",
        actor=by,
        actor_label=actor_label,
        release_id=release.id,
        subject_user=user,
        at=now,
        details={"user": user.email},
    )
    return entry
