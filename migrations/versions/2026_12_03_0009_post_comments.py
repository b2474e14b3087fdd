"""Comments on posts: the author's and approvers' conversation

Revision ID: 0009_post_comments
Revises: 0008_release_reminders
Create Date: 2026-12-03 06:00:00.000000

Each comment is one row, never edited or deleted; its audit event (action `comment`) points at
it by id rather than copying the text, so the audit trail and its readers never carry words that
may quote an embargoed post.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scheduler.models.base import UTCDateTime

revision: str = "0009_post_comments"
down_revision: str | None = "0008_release_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the post_comments table."""
    op.create_table(
        "post_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_post_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_comments_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_comments")),
    )
    op.create_index("ix_post_comments_post_id_id", "post_comments", ["post_id", "id"])


def downgrade() -> None:
    """Drop the post_comments table."""
    op.drop_index("ix_post_comments_post_id_id", table_name="post_comments")
    op.drop_table("post_comments")
