"""Channels remember their server and their encrypted platform credentials

Revision ID: 0007_channel_connections
Revises: 0006_token_parents
Create Date: 2026-12-02 19:30:00.000000

Real platforms (Mastodon, Bluesky, X) need to know which server a channel lives on and how to
sign in to it. The credentials are stored encrypted; who they sign in as, when that was last
checked and why the last check failed are kept beside them for the channel page and /health.
Existing channels (all on the mock platform) need none of these, so every column is nullable.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scheduler.models.base import UTCDateTime

revision: str = "0007_channel_connections"
down_revision: str | None = "0006_token_parents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the channel's server, encrypted credentials and connection status."""
    # Plain ALTER TABLE ... ADD COLUMN on both databases: a batch copy of `channels` on SQLite
    # would drop a table that posts, access lists and quiet periods refer to.
    op.add_column("channels", sa.Column("instance_url", sa.String(length=300), nullable=True))
    op.add_column("channels", sa.Column("credentials_encrypted", sa.Text(), nullable=True))
    op.add_column("channels", sa.Column("connected_as", sa.String(length=200), nullable=True))
    op.add_column(
        "channels",
        sa.Column("connection_checked_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("channels", sa.Column("connection_problem", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the channel's server, credentials and connection status."""
    for column in (
        "connection_problem",
        "connection_checked_at",
        "connected_as",
        "credentials_encrypted",
        "instance_url",
    ):
        op.drop_column("channels", column)
