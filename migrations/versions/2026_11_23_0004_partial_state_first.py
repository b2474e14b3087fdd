"""the partial indexes lead with the state they hold

Revision ID: 0004_partial_state_first
Revises: 0003_inbox_partial_index
Create Date: 2026-11-23 03:40:00.000000

SQLite without statistics prefers an index that matches `state = ?` to a partial index that
matches only `due_at <= ?`: every claim read all scheduled posts through (state, send_at) and
sorted them, so a burst cost more per post the larger it was. Led by `state`, the partial
indexes match both terms and are chosen.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_partial_state_first"
down_revision: str | None = "0003_inbox_partial_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULED = "state = 'scheduled'"
PUBLISHING = "state = 'publishing'"
HELD = "state = 'scheduled' AND hold_reason IS NOT NULL"


def _replace(name: str, where: str, columns: list[str]) -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index(name, sqlite_where=sa.text(where), postgresql_where=sa.text(where))
        batch_op.create_index(
            name,
            columns,
            unique=False,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def upgrade() -> None:
    """Lead the scheduled, publishing and held partial indexes with `state`."""
    _replace("ix_posts_scheduled_due", SCHEDULED, ["state", "due_at", "id"])
    _replace("ix_posts_publishing_lease", PUBLISHING, ["state", "lease_expires_at"])
    _replace("ix_posts_held", HELD, ["state", "due_at"])


def downgrade() -> None:
    """Put back the partial indexes of revisions 0001 and 0002."""
    _replace("ix_posts_held", HELD, ["due_at"])
    _replace("ix_posts_publishing_lease", PUBLISHING, ["lease_expires_at"])
    _replace("ix_posts_scheduled_due", SCHEDULED, ["due_at", "id"])
