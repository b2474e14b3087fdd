"""Who wrote a post's current version: its author, and whoever changed it or its unit since."""

# Separation of duties (DESIGN.md, invariant 1): nobody clears words they wrote. The authors of
# a post's current content version are the post's author and everyone recorded for that version
# in `post_authors`: whoever changed its text, time, channel, images or twin, or any other post
# of its clearance unit (its twin, the rest of its thread), since the unit was last cleared.
#
# Rows are written only here, when a change set opened for an edit finishes (see
# `begin_action`), on every unfinished post of the unit, so counting one post's approvals (the
# worker counts post by post, in SQL) already respects the unit. A new content version inherits
# the authors of the one before unless the unit stood cleared when it was changed: once someone
# independent has cleared a change, its writer may clear the next one.

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, exists, or_
from sqlalchemy.orm import QueryableAttribute, Session

from scheduler.clearance.transitions import Action
from scheduler.models import Post, PostAuthor, User

#: A post's column in a query: a mapped attribute (Post.id) or a table's column (posts.c.id).
_Column = QueryableAttribute[int] | ColumnElement[int]


def authors_of(post: Post) -> frozenset[int]:
    """Return the ids of everyone who counts as an author of the post's current version."""
    return frozenset(
        {
            post.author_id,
            *(
                row.user_id
                for row in post.co_authors
                if row.content_version == post.content_version
            ),
        }
    )


def contribution_of(post: Post, user_id: int) -> PostAuthor | None:
    """Return what makes the person a co-author of the post's current version, if anything."""
    for row in post.co_authors:
        if row.content_version == post.content_version and row.user_id == user_id:
            return row
    return None


def wrote_current_version(
    user_id: ColumnElement[Any] | int,
    *,
    post_id: _Column,
    author_id: _Column,
    content_version: _Column,
) -> ColumnElement[bool]:
    """Return SQL that is true when the person is an author of the post's current version."""
    # The SQL form of `authors_of`, over whichever columns the query has for the post.
    co_authors = cast(Table, PostAuthor.__table__).c
    return or_(
        author_id == user_id,
        exists().where(
            co_authors.post_id == post_id,
            co_authors.content_version == content_version,
            co_authors.user_id == user_id,
        ),
    )


@dataclass(frozen=True)
class Touched:
    """One post a change set changed: how (its audit action) and, for an edit, which fields."""

    post: Post
    action: Action
    changed: tuple[str, ...] = ()


@dataclass
class Contribution:
    """One person's change to the content of a clearance unit, recorded when it finishes."""

    by: User
    #: The post the change was made through.
    post: Post
    #: The posts moving with it (its active unit: finished posts take no part), before the change.
    unit: Sequence[Post]
    #: Whether every post of the unit stood cleared (enough counting approvals) before it.
    cleared: bool
    #: Each unit post's content version before the change.
    versions: dict[int, int]
    now: datetime

    @classmethod
    def start(
        cls, post: Post, unit: Sequence[Post], *, by: User, cleared: bool, now: datetime
    ) -> Contribution:
        """Note the unit as it stands before the person changes it."""
        return cls(
            by=by,
            post=post,
            unit=list(unit),
            cleared=cleared,
            versions={member.id: member.content_version for member in unit},
            now=now,
        )

    def record(self, session: Session, touched: Sequence[Touched]) -> None:
        """Write who counts as an author of each unfinished post of the unit after the change."""
        members: dict[int, Post] = {member.id: member for member in self.unit}
        for item in touched:
            members.setdefault(item.post.id, item.post)
        direct = {
            item.post.id: item for item in touched if item.action is not Action.RETURNED_TO_DRAFT
        }
        if not direct:
            return
        primary = direct.get(self.post.id) or next(iter(direct.values()))
        # Whoever wrote a post of the unit is an author of all of it.
        originals = {member.author_id: member for member in members.values()}
        carried: dict[int, PostAuthor] = {}
        if not self.cleared:
            for member in self.unit:
                before = self.versions.get(member.id)
                for row in member.co_authors:
                    if row.content_version == before:
                        carried.setdefault(row.user_id, row)
        for member in members.values():
            self._record_on(member, direct.get(member.id) or primary, originals, carried)
        session.flush()

    def _record_on(
        self,
        member: Post,
        deed: Touched,
        originals: dict[int, Post],
        carried: dict[int, PostAuthor],
    ) -> None:
        version = member.content_version
        current = {row.user_id: row for row in member.co_authors if row.content_version == version}
        wanted = {*originals, self.by.id, *carried}
        if self.cleared and self.versions.get(member.id) == version:
            # Cleared and unchanged: what it was cleared with is settled; only this change counts.
            for user_id, row in current.items():
                if user_id not in wanted:
                    member.co_authors.remove(row)
        for user_id in wanted - {member.author_id}:
            if user_id == self.by.id:
                # The latest of the person's changes is the one to name.
                self._write(
                    member, user_id, deed.action.value, ",".join(deed.changed), deed.post.id
                )
            elif user_id in current:
                continue
            elif user_id in carried:
                row = carried[user_id]
                self._write(member, user_id, row.action, row.changed, row.source_post_id)
            else:
                self._write(member, user_id, Action.CREATE.value, "", originals[user_id].id)

    def _write(
        self, member: Post, user_id: int, action: str, changed: str, source_post_id: int | None
    ) -> None:
        row = contribution_of(member, user_id)
        if row is None:
            row = PostAuthor(post_id=member.id, content_version=member.content_version)
            row.user_id = user_id
            member.co_authors.append(row)
        row.action, row.changed, row.source_post_id = action, changed, source_post_id
        row.recorded_at = self.now
