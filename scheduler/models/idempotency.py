"""Remembered responses to API requests that carried an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models.base import Base, utcnow


class IdempotencyKey(Base):
    """One person's key, the request it first came with, and the response that request got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        # The key is the person's own: two people may pick the same one without clashing.
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    request_hash: Mapped[str] = mapped_column(String(64))
    # None only inside the first request's own transaction, which stores the response before
    # it commits: other requests wait on the unique key and then see the finished response.
    response_status: Mapped[int | None]
    response_body: Mapped[str] = mapped_column(Text, default="")
    # Only the headers a replay must repeat (content type, location).
    response_headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
