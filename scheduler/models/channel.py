"""Channels (one account on one platform) and who may write or clear on each."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, utcnow
from scheduler.models.user import User


class AccessRole(StrEnum):
    """What a person may do on one channel."""

    AUTHOR = "author"
    APPROVER = "approver"


class Channel(Base):
    """One account on one platform, in one language, optionally twinned with another."""

    __tablename__ = "channels"
    __table_args__ = (
        CheckConstraint("approvals_required >= 1", name="approvals_required_positive"),
        CheckConstraint("twin_id IS NULL OR twin_id <> id", name="not_own_twin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(40))
    handle: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8))
    twin_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), unique=True
    )
    requires_twin: Mapped[bool] = mapped_column(default=False)
    approvals_required: Mapped[int] = mapped_column(default=1)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Adapter-specific options, e.g. the mock platform's injected faults.
    platform_options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The server's base URL (a Mastodon instance, a Bluesky PDS); None for the public service.
    instance_url: Mapped[str | None] = mapped_column(String(300))
    # The platform credentials, encrypted (never stored or shown in the clear).
    credentials_encrypted: Mapped[str | None] = mapped_column(Text, deferred=True)
    # Who the credentials signed in as when last checked, e.g. "@stats@mastodon.example".
    connected_as: Mapped[str | None] = mapped_column(String(200))
    connection_checked_at: Mapped[datetime | None] = mapped_column()
    # Why the last check failed, for people; None while the connection works.
    connection_problem: Mapped[str | None] = mapped_column(Text)

    # Twins point at each other; post_update keeps saving the pair free of circular dependency.
    twin: Mapped[Channel | None] = relationship(
        remote_side=[id], foreign_keys=[twin_id], post_update=True
    )
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    access: Mapped[list[ChannelAccess]] = relationship(
        back_populates="channel", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Channel {self.id} {self.platform}:{self.handle} {self.language}>"


class ChannelAccess(Base):
    """One entry of a channel's access list."""

    __tablename__ = "channel_access"
    __table_args__ = (UniqueConstraint("channel_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[AccessRole] = mapped_column(
        Enum(
            AccessRole,
            name="access_role",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda roles: [role.value for role in roles],
        )
    )
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    channel: Mapped[Channel] = relationship(back_populates="access")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
