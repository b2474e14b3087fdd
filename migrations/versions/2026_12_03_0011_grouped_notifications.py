"""Notifications are grouped by clearance unit, and each person chooses how they are e-mailed

Revision ID: 0011_grouped_notifications
Revises: 0010_audit_actor_index
Create Date: 2026-12-03 06:00:00.000000

One notification per clearance unit (a thread and its twins) and kind, instead of one per post:
`unit_post_id` names the unit by its first post, `wording` keeps what happened (another reason
makes another notification), `notification_posts` lists the posts it covers, and `updated_at`
places it when a later event updates it. `email_state` replaces the bare "not yet e-mailed" test,
since a notification can now also wait for a daily digest or never be e-mailed; each person's
choice is kept in `notification_choices` (no row: each as it happens, as before).

Existing notifications become units of their own (no `unit_post_id`), covering their one post;
those already e-mailed are `sent`, the rest still `waiting`, as they were.

`notifications` is referred to by no other table (only the new `notification_posts`, created
after it), so SQLite's batch copy of it is safe.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from scheduler.models.base import UTCDateTime

revision: str = "0011_grouped_notifications"
down_revision: str | None = "0010_audit_actor_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMAIL_STATES = ("waiting", "sending", "sent", "in_digest", "not_sent")
EMAIL_CHOICES = ("as_it_happens", "daily_digest", "none")


def upgrade() -> None:
    """Group notifications by unit, track their e-mail, and keep each person's e-mail choice."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_post_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("wording", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("email_state", sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_unit_post_id_posts"),
            "posts",
            ["unit_post_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_index("ix_notifications_emailed_at_id")
    # Filled before they become NOT NULL (two steps, so existing rows never break the rule).
    op.execute(
        "UPDATE notifications SET wording = '', updated_at = created_at, email_state = "
        "CASE WHEN emailed_at IS NULL THEN 'waiting' ELSE 'sent' END"
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("wording", existing_type=sa.String(length=300), nullable=False)
        batch_op.alter_column(
            "updated_at", existing_type=UTCDateTime(timezone=True), nullable=False
        )
        batch_op.alter_column(
            "email_state",
            existing_type=sa.String(length=20),
            type_=sa.Enum(
                *EMAIL_STATES,
                name="notification_email_state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        )
        batch_op.create_index(
            "ix_notifications_email_state_id", ["email_state", "id"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_unit_post_id_user_id", ["unit_post_id", "user_id"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_user_id_updated_at_id", ["user_id", "updated_at", "id"], unique=False
        )
    op.create_table(
        "notification_posts",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_posts_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_notification_posts_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", "post_id", name=op.f("pk_notification_posts")),
    )
    op.create_index(
        op.f("ix_notification_posts_post_id"), "notification_posts", ["post_id"], unique=False
    )
    # Each existing notification about a post covers that one post.
    op.execute(
        "INSERT INTO notification_posts (notification_id, post_id) "
        "SELECT id, post_id FROM notifications WHERE post_id IS NOT NULL"
    )
    op.create_table(
        "notification_choices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "email",
            sa.Enum(
                *EMAIL_CHOICES,
                name="notification_email_choice",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("digest_time", sa.Time(), nullable=True),
        sa.Column("last_digest_on", sa.Date(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "email <> 'daily_digest' OR digest_time IS NOT NULL",
            name=op.f("ck_notification_choices_digest_has_time"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_choices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_choices")),
    )


def downgrade() -> None:
    """Drop the e-mail choices and the grouping; each notification stays, about its post."""
    op.drop_table("notification_choices")
    op.drop_index(op.f("ix_notification_posts_post_id"), table_name="notification_posts")
    op.drop_table("notification_posts")
    # A notification listed in a digest was e-mailed; one never to be sent is settled too.
    op.execute(
        "UPDATE notifications SET emailed_at = COALESCE(emailed_at, updated_at) "
        "WHERE email_state NOT IN ('waiting', 'sending')"
    )
    # One a worker had taken but not yet sent is waiting again, as before this revision.
    op.execute("UPDATE notifications SET emailed_at = NULL WHERE email_state = 'sending'")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_updated_at_id")
        batch_op.drop_index("ix_notifications_unit_post_id_user_id")
        batch_op.drop_index("ix_notifications_email_state_id")
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_unit_post_id_posts"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("ck_notifications_notification_email_state"), type_="check"
        )
        batch_op.drop_column("email_state")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("wording")
        batch_op.drop_column("unit_post_id")
        batch_op.create_index("ix_notifications_emailed_at_id", ["emailed_at", "id"], unique=False)
