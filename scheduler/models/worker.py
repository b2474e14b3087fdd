"""Worker heartbeats: which publishing workers are alive and when they last finished a pass."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models.base import Base, utcnow


class WorkerHeartbeat(Base):
    """The last sign of life of one worker process."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_pass_at: Mapped[datetime | None]
    last_pass_published: Mapped[int] = mapped_column(default=0)
    last_pass_held: Mapped[int] = mapped_column(default=0)
    stopped_at: Mapped[datetime | None]
