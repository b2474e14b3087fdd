"""Comments on a post: the conversation between its author and its approvers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, utcnow
from scheduler.models.post import Post
from scheduler.models.user import User


class Comment(Base):
    """One remark on a post by someone who may read it. Never edited or deleted."""

    __tablename__ = "post_comments"
    __table_args__ = (
        # A post's conversation, oldest first; the audit export looks comments up by id.
        Index("ix_post_comments_post_id_id", "post_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # May quote embargoed text: shown only to people who may read the post's text.
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship()
    author: Mapped[User] = relationship()
