"""May this person see or do this: channel and release access lists, which posts they
see listed, and who reads a post's text before its release's embargo (and the record
of each such reading)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, insert, or_, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from scheduler.core.errors import PermissionDenied
from scheduler.core.local_time import describe
from scheduler.models import (
    AccessRole,
    Channel,
    ChannelAccess,
    EmbargoViewing,
    Post,
    Release,
    ReleaseAccess,
    Role,
    Thread,
    User,
    utcnow,
)


def holds_role(user: User, role: AccessRole) -> ColumnElement[bool]:
    """Return a WHERE clause over channels selecting those where the person holds the role."""
    if user.is_admin:
        return true()  # admins hold every role on every channel
    if not user.active:
        return false()
    return (
        select(ChannelAccess.id)
        .where(
            ChannelAccess.channel_id == Channel.id,
            ChannelAccess.user_id == user.id,
            ChannelAccess.role == role,
        )
        .exists()
    )


def has_channel_access(session: Session, user: User, channel: Channel, role: AccessRole) -> bool:
    """Return whether the person holds the role on the channel (admins hold every role)."""
    if user.is_admin or not user.active:
        # The clause's answer for these people, without asking the database.
        return user.is_admin
    found = session.scalar(
        select(Channel.id).where(Channel.id == channel.id, holds_role(user, role))
    )
    return found is not None


def channels_where_role(
    session: Session, user: User, role: AccessRole, *, active_only: bool = True
) -> Sequence[Channel]:
    """Return the channels (active ones only, by default) where the person holds the role."""
    query = select(Channel).where(holds_role(user, role)).order_by(func.lower(Channel.handle))
    if active_only:
        query = query.where(Channel.active.is_(True))
    return session.scalars(query).all()


def holds_role_somewhere(
    session: Session, user: User, role: AccessRole, *, active_only: bool = True
) -> bool:
    """Return whether `channels_where_role` would name any channel."""
    query = select(Channel.id).where(holds_role(user, role)).limit(1)
    if active_only:
        query = query.where(Channel.active.is_(True))
    return session.scalar(query) is not None


def may_write_posts(session: Session, user: User) -> bool:
    """Return whether the person may write posts at all: author access on an active channel."""
    return holds_role_somewhere(session, user, AccessRole.AUTHOR)


def may_clear_posts(session: Session, user: User) -> bool:
    """Return whether the person may clear posts at all: approver access on some channel."""
    # Any channel: posts already in review on a channel since switched off still wait.
    return holds_role_somewhere(session, user, AccessRole.APPROVER, active_only=False)


def acts_as_admin(user: User | None) -> bool:
    """Return whether the person may do what only admins may: an active admin, or the operator.

    None is the operator at the command line, who runs Gatepost itself.
    """
    return user is None or (user.is_admin and user.active)


def is_self_or_admin(by: User | None, user_id: int) -> bool:
    """Return whether the person acts on their own account, or may act on anyone's as admin."""
    return acts_as_admin(by) or (by is not None and by.active and by.id == user_id)


def may_manage_channels(user: User | None) -> bool:
    """Return whether the person may add channels and connect them (None: the operator)."""
    return acts_as_admin(user)


def may_manage_channel_access(user: User | None, channel: Channel) -> bool:
    """Return whether the person may change the channel's access list (None: the operator)."""
    if user is None or user.is_admin:
        return True
    return user.active and channel.owner_id == user.id


def is_on_release_access_list(session: Session, user: User, release: Release) -> bool:
    """Return whether the person is named on the release's pre-release access list (and active).

    Admins are not on it by being admins: pre-release access is for the people named on the list
    only. An admin may add themselves, which is audited and shown on the list like any entry.
    """
    if not user.active:
        return False
    # By primary key: the identity map answers again for someone already found on the list.
    return session.get(ReleaseAccess, (release.id, user.id)) is not None


def may_manage_release(user: User | None, release: Release) -> bool:
    """Return whether the person may move the embargo or change the access list."""
    if user is None or user.is_admin:
        return True
    return user.active and release.created_by_id == user.id


def visible_to(reader: User) -> ColumnElement[bool]:
    """Return a WHERE clause selecting the posts the person may see listed (not their text)."""
    if reader.is_admin:
        return true()
    # A correlated EXISTS, not `channel_id IN (...)`: with IN, SQLite gathers every visible post
    # through two indexes and sorts them all for each page; with EXISTS both databases walk the
    # primary key newest first and stop after one page, checking each row's channel.
    on_channel = (
        select(ChannelAccess.id)
        .where(ChannelAccess.channel_id == Post.channel_id, ChannelAccess.user_id == reader.id)
        .exists()
    )
    return or_(Post.author_id == reader.id, on_channel)


def is_visible_to(session: Session, post: Post, reader: User) -> bool:
    """Return whether `visible_to(reader)` selects the post."""
    query = select(Post.id).where(Post.id == post.id, visible_to(reader))
    return session.scalar(query) is not None


def require_publisher(session: Session, post: Post, by: User, action: str) -> None:
    """Refuse unless the person is an admin or an approver on the post's channel."""
    if by.is_admin and by.active:
        return
    if by.role is Role.APPROVER and has_channel_access(
        session, by, post.channel, AccessRole.APPROVER
    ):
        return
    raise PermissionDenied(f"Only an admin or an approver of {post.channel.handle} can {action}")


logger = logging.getLogger(__name__)


def under_embargo(embargo_at: datetime | None, *, now: datetime) -> bool:
    """Return whether an embargo (None: no release) has not yet passed."""
    return embargo_at is not None and now < embargo_at


def is_embargoed(post: Post, *, now: datetime) -> bool:
    """Return whether the post belongs to a release whose embargo has not yet passed."""
    release = post.release
    return release is not None and under_embargo(release.embargo_at, now=now)


def may_read(
    session: Session, release: Release | None, reader: User, *, wrote: bool, now: datetime
) -> bool:
    """Return whether the person may read what belongs to the release now (`wrote`: they wrote it).

    The one rule: after the embargo everyone may; before it, only the people named on the
    release's access list, and whoever wrote the words.
    """
    if release is None or not under_embargo(release.embargo_at, now=now):
        return True
    return wrote or is_on_release_access_list(session, reader, release)


def may_read_text(session: Session, post: Post, reader: User, *, now: datetime) -> bool:
    """Return whether the person may read the post's text now."""
    return may_read(session, post.release, reader, wrote=post.author_id == reader.id, now=now)


def may_read_title(session: Session, thread: Thread, reader: User, *, now: datetime) -> bool:
    """Return whether the person may read the thread's title now (it may name the figures)."""
    wrote = thread.created_by_id == reader.id
    return may_read(session, thread.release, reader, wrote=wrote, now=now)


class TextAccess:
    """Whether one person may read posts' texts at one instant, asked once per release."""

    def __init__(self, session: Session, reader: User, *, now: datetime) -> None:
        self.session = session
        self.reader = reader
        self.now = now
        self._answers: dict[tuple[int | None, bool], bool] = {}

    def _allows(self, release: Release | None, *, wrote: bool) -> bool:
        # The answer depends only on the release and on whether the reader wrote it.
        key = (release.id if release is not None else None, wrote)
        if key not in self._answers:
            self._answers[key] = may_read(
                self.session, release, self.reader, wrote=wrote, now=self.now
            )
        return self._answers[key]

    def allows(self, post: Post) -> bool:
        """Return whether the reader may read the post's text now (`may_read_text`)."""
        return self._allows(post.release, wrote=post.author_id == self.reader.id)

    def allows_title(self, thread: Thread) -> bool:
        """Return whether the reader may read the thread's title now (`may_read_title`)."""
        return self._allows(thread.release, wrote=thread.created_by_id == self.reader.id)


class ViewingLog:
    """Reads of embargoed text noted while answering, to record once the answer is ready."""

    def __init__(self) -> None:
        self.pending: list[dict[str, object]] = []

    def note(self, post: Post, reader: User, *, now: datetime, via: str) -> None:
        """Note that the person read the post's embargoed text now."""
        self.pending.append(
            {
                "release_id": post.release_id,
                "post_id": post.id,
                "user_id": reader.id,
                "viewed_at": now,
                "via": via[:20],
            }
        )

    def record_in(self, session: Session) -> None:
        """Record the noted reads in the session's own unit of work (its caller commits)."""
        if self.pending:
            # One statement for a page of reads (the ORM would insert them one by one).
            session.execute(insert(EmbargoViewing), self.pending)
            self.pending = []

    def record_apart(self, sessions: sessionmaker[Session]) -> bool:
        """Record the noted reads in a short write transaction of their own; never raise.

        Call it once the read's own transaction is over. A read must not fail because its record
        could not be written (SQLite's write lock held too long, a database gone away): the
        failure is logged with who read what, and the reader still gets the answer.
        """
        if not self.pending:
            return True
        rows, self.pending = self.pending, []
        try:
            # A write session begins IMMEDIATE on SQLite, so it waits its turn for the write
            # lock (within the busy timeout) instead of failing at once, as a read that then
            # writes does.
            with sessions() as session:
                session.execute(insert(EmbargoViewing), rows)
                session.commit()
        except SQLAlchemyError:
            logger.warning(
                "Could not record %d read(s) of embargoed text; the text was shown: %s",
                len(rows),
                ", ".join(f"user {row['user_id']} post {row['post_id']}" for row in rows),
                exc_info=True,
            )
            return False
        return True


def read_text(
    session: Session,
    post: Post,
    *,
    reader: User,
    now: datetime | None = None,
    via: str = "web",
    log: ViewingLog | None = None,
) -> str | None:
    """Return the text for the reader (noting a read before the embargo), or None if hidden."""
    return read_texts(session, [post], reader=reader, now=now, via=via, log=log)[0]


def read_texts(
    session: Session,
    posts: Sequence[Post],
    *,
    reader: User,
    now: datetime | None = None,
    via: str = "web",
    log: ViewingLog | None = None,
) -> list[str | None]:
    """Return each post's text for the reader (None where hidden), noting embargoed reads.

    The reads go to `log`, for the caller to record; without one, they are recorded in the
    session's unit of work at once.
    """
    now = now or utcnow()
    access = TextAccess(session, reader, now=now)
    viewings = log if log is not None else ViewingLog()
    texts: list[str | None] = []
    for post in posts:
        if not access.allows(post):
            texts.append(None)
            continue
        if is_embargoed(post, now=now):
            viewings.note(post, reader, now=now, via=via)
        texts.append(post.text)
    if log is None:
        viewings.record_in(session)
    return texts


def redacted_text(post: Post, settings: Settings) -> str:
    """Return what people outside the access list see instead of an embargoed text."""
    release = post.release
    if release is None:
        return ""
    return f"Embargoed until {describe(release.embargo_at, settings.timezone)} ({release.title})"


def displayed_text(
    session: Session,
    post: Post,
    *,
    reader: User,
    settings: Settings,
    now: datetime | None = None,
    via: str = "web",
) -> str:
    """Return the text if the reader may see it (recording the read), else the embargo notice."""
    text = read_text(session, post, reader=reader, now=now, via=via)
    return text if text is not None else redacted_text(post, settings)


def embargo_viewings(session: Session, release: Release) -> Sequence[EmbargoViewing]:
    """Return every recorded pre-release read of the release's text, oldest first."""
    return session.scalars(
        select(EmbargoViewing)
        .where(EmbargoViewing.release_id == release.id)
        .order_by(EmbargoViewing.viewed_at, EmbargoViewing.id)
    ).all()


# --- The release readiness board (feat/board): who may see a release's board ---


def releases_visible_to(reader: User) -> ColumnElement[bool]:
    """Return a WHERE clause over releases selecting those whose board the person may see.

    Its creator (the statistician), the people on its access list, the authors and approvers of
    the channels its posts are on, and admins. Seeing the board is not reading the text: that is
    `may_read`'s answer, post by post.
    """
    if not reader.active:
        return false()
    if reader.is_admin:
        return true()
    listed = (
        select(ReleaseAccess.user_id)
        .where(ReleaseAccess.release_id == Release.id, ReleaseAccess.user_id == reader.id)
        .exists()
    )
    on_channel = (
        select(Post.id)
        .join(ChannelAccess, ChannelAccess.channel_id == Post.channel_id)
        .where(Post.release_id == Release.id, ChannelAccess.user_id == reader.id)
        .exists()
    )
    return or_(Release.created_by_id == reader.id, listed, on_channel)


def may_see_release(session: Session, reader: User, release: Release) -> bool:
    """Return whether the person may open the release's readiness board."""
    if not reader.active:
        return False
    if reader.is_admin or release.created_by_id == reader.id:
        return True
    found = session.scalar(
        select(Release.id).where(Release.id == release.id, releases_visible_to(reader))
    )
    return found is not None


def may_open_releases(session: Session, reader: User) -> bool:
    """Return whether the person may open the releases' list (the navigation's "Releases").

    Everyone who works on releases: admins, anyone with a role on a channel (whose posts may
    belong to one), and anyone who created a release or is on an access list.
    """
    if not reader.active:
        return False
    if reader.is_admin or any(
        holds_role_somewhere(session, reader, role, active_only=False) for role in AccessRole
    ):
        return True
    involved = or_(
        select(Release.id).where(Release.created_by_id == reader.id).exists(),
        select(ReleaseAccess.user_id).where(ReleaseAccess.user_id == reader.id).exists(),
    )
    return bool(session.scalar(select(involved)))


def may_view_audit_trail(session: Session, user: User) -> bool:
    """Return whether the person may open the audit trail: an active admin, or a channel's owner.

    The audit trail page's authorisation and the navigation both ask this; an owner sees only
    their own channels' events there (scheduler/reports/audit_trail.py: visible_to).
    """
    if not user.active:
        return False
    if user.is_admin:
        return True
    owned = select(Channel.id).where(Channel.owner_id == user.id).limit(1)
    return session.scalar(owned) is not None
