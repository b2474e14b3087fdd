"""Release reminders remember what they sent

Revision ID: 0008_release_reminders
Revises: 0007_channel_connections
Create Date: 2026-12-03 06:00:00.000000

The worker reminds a release's people at lead times before its embargo while anything of it is
not cleared, and warns once when a post in review has no approver on the access list. Each is
sent at most once, with several workers and across restarts: the row, under a unique key, is
the record. A new table only; nothing existing changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scheduler.models.base import UTCDateTime

revision: str = "0008_release_reminders"
down_revision: str | None = "0007_channel_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table of sent release reminders."""
    op.create_table(
        "release_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("embargo_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "lead_minutes >= 0", name=op.f("ck_release_reminders_lead_minutes_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_release_reminders_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_reminders")),
        sa.UniqueConstraint(
            "release_id",
            "kind",
            "lead_minutes",
            name=op.f("uq_release_reminders_release_id_kind_lead_minutes"),
        ),
    )


def downgrade() -> None:
    """Drop the table of sent release reminders."""
    op.drop_table("release_reminders")
