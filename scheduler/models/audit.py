"""The append-only audit trail: one event for every change of state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models.base import Base, utcnow


class AuditEvent(Base):
    """Who did what, when, from which state to which, and why. Never updated or deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_post_id_id", "post_id", "id"),
        Index("ix_audit_events_channel_id_id", "channel_id", "id"),
        # The audit trail page, filtered by who acted (migration 0011_audit_actor_index).
        Index("ix_audit_events_actor_id_id", "actor_id", "id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who acted when no person did: "worker:host:pid", "cli", "system".
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(50))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# The database itself refuses edits and deletions, whatever code path tries.
# (The initial migration creates the same guards; this covers metadata.create_all.)
APPEND_ONLY_SQL = {
    "sqlite": [
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
    ],
}


@event.listens_for(AuditEvent.__table__, "after_create")
def _create_append_only_guards(_table: Any, connection: Connection, **_kw: Any) -> None:
    for statement in APPEND_ONLY_SQL.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)
