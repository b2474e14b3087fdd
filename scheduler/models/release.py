"""Statistical releases: an embargo instant and who may see the text before it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, utcnow
from scheduler.models.user import User


class Release(Base):
    """A statistical publication; its posts stay unpublished and unseen until the embargo."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    embargo_at: Mapped[datetime] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()
    access: Mapped[list[ReleaseAccess]] = relationship(
        back_populates="release", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Release {self.id} {self.title!r} embargo {self.embargo_at.isoformat()}>"


class ReleaseAccess(Base):
    """One person on a release's pre-release access list."""

    __tablename__ = "release_access"

    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    release: Mapped[Release] = relationship(back_populates="access")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    #: Who added them (None: the command line, or the release's creation by the operator).
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])


class EmbargoViewing(Base):
    """A record that someone read a release's text before its embargo."""

    __tablename__ = "embargo_viewings"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    via: Mapped[str] = mapped_column(String(20), default="web")
