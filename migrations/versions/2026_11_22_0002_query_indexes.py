"""calendar, inbox and held-post indexes

Revision ID: 0002_query_indexes
Revises: 0001
Create Date: 2026-11-22 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_query_indexes"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = "state = 'scheduled' AND hold_reason IS NOT NULL"


def upgrade() -> None:
    """Add the calendar's covering index, the inbox's index and the partial index of held posts."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_posts_calendar_slot",
            ["published_at", "send_at", "state", "channel_id", "author_id", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_posts_state_submitted", ["state", "submitted_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_posts_held",
            ["due_at"],
            unique=False,
            sqlite_where=sa.text(HELD),
            postgresql_where=sa.text(HELD),
        )


def downgrade() -> None:
    """Drop the three indexes."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_held", sqlite_where=sa.text(HELD), postgresql_where=sa.text(HELD))
        batch_op.drop_index("ix_posts_state_submitted")
        batch_op.drop_index("ix_posts_calendar_slot")
