"""everyone who wrote a post's current version, not only who created it

Revision ID: 0005_post_authors
Revises: 0004_partial_state_first
Create Date: 2026-12-02 09:00:00.000000

Separation of duties counted only a post's creator: an approver with author access could
rewrite someone else's draft and clear it. `post_authors` records, per content version, the
others who count as its authors (whoever changed it, or a post clearing with it, since it was
last cleared); their approvals of that version never count.

Existing posts: the clearance history before this revision is not reconstructed. Everyone who
made one of a post's versions (post_revisions.edited_by_id), or wrote or made a version of a post
clearing with it (its twin, its thread and the twin thread), is recorded as an author of its
current version, which errs on the side of separation.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005_post_authors"
down_revision: str | None = "0004_partial_state_first"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Who wrote each post: its creator, and whoever made one of its versions.
_CONTRIBUTORS = """
    SELECT id AS post_id, author_id AS user_id, 'create' AS action FROM posts
    UNION
    SELECT r.post_id, r.edited_by_id, 'edit'
    FROM post_revisions r JOIN posts p ON p.id = r.post_id
    WHERE r.edited_by_id IS NOT NULL AND r.edited_by_id <> p.author_id
"""

# Each post with every post clearing with it (itself, its twin, its thread, the twin thread).
_UNIT = """
    SELECT id AS post_id, id AS other_id FROM posts
    UNION
    SELECT id, twin_id FROM posts WHERE twin_id IS NOT NULL
    UNION
    SELECT a.id, b.id FROM posts a JOIN posts b ON b.thread_id = a.thread_id
    UNION
    SELECT a.id, b.id
    FROM posts a JOIN threads t ON t.id = a.thread_id JOIN posts b ON b.thread_id = t.twin_thread_id
"""


def upgrade() -> None:
    """Add post_authors and record the authors of every post's current version."""
    op.create_table(
        "post_authors",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("changed", sa.String(length=100), nullable=False),
        sa.Column("source_post_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_authors_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_post_id"],
            ["posts.id"],
            name=op.f("fk_post_authors_source_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_post_authors_user_id_users")
        ),
        sa.PrimaryKeyConstraint(
            "post_id", "content_version", "user_id", name=op.f("pk_post_authors")
        ),
    )
    recorded_at = sa.bindparam("recorded_at", datetime.now(UTC), type_=sa.DateTime(timezone=True))
    op.get_bind().execute(
        sa.text(
            f"""
            INSERT INTO post_authors
                (post_id, content_version, user_id, action, changed, source_post_id, recorded_at)
            SELECT target.id, target.content_version, c.user_id, MIN(c.action), '',
                   MIN(u.other_id), :recorded_at
            FROM posts target
            JOIN ({_UNIT}) u ON u.post_id = target.id
            JOIN ({_CONTRIBUTORS}) c ON c.post_id = u.other_id
            WHERE c.user_id <> target.author_id
            GROUP BY target.id, target.content_version, c.user_id
            """
        ).bindparams(recorded_at)
    )


def downgrade() -> None:
    """Drop post_authors (approvals by editors count again)."""
    op.drop_table("post_authors")
