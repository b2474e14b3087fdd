"""the inbox's index holds only posts in review

Revision ID: 0003_inbox_partial_index
Revises: 0002_query_indexes
Create Date: 2026-11-23 03:30:00.000000

A claim changes a post's state, and SQLite rewrites the entry of every index holding a changed
column: the inbox's index on (state, submitted_at, id) moved every post the worker claimed and
published. Partial on posts in review, the worker's state changes never touch it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_inbox_partial_index"
down_revision: str | None = "0002_query_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_REVIEW = "state = 'in_review'"


def upgrade() -> None:
    """Replace the inbox's index with one on posts in review only."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_state_submitted")
        batch_op.create_index(
            "ix_posts_in_review_submitted",
            ["state", "submitted_at", "id"],
            unique=False,
            sqlite_where=sa.text(IN_REVIEW),
            postgresql_where=sa.text(IN_REVIEW),
        )


def downgrade() -> None:
    """Put back the inbox's index of revision 0002."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_posts_in_review_submitted",
            sqlite_where=sa.text(IN_REVIEW),
            postgresql_where=sa.text(IN_REVIEW),
        )
        batch_op.create_index(
            "ix_posts_state_submitted", ["state", "submitted_at", "id"], unique=False
        )
