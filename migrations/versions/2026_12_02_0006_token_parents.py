"""API tokens remember the token that minted them

Revision ID: 0006_token_parents
Revises: 0005_post_authors
Create Date: 2026-12-02 16:45:00.000000

A token created through the API by another token kept working after that token was revoked.
`parent_id` names the minting token, so revoking a token revokes what it minted, transitively,
while authentication still reads one row. Tokens minted before this revision have no parent on
record (nothing kept which token made them); they are revoked one by one, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_token_parents"
down_revision: str | None = "0005_post_authors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add api_tokens.parent_id, indexed, referring to the minting token."""
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_tokens_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_parent_id_api_tokens"),
            "api_tokens",
            ["parent_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    """Drop api_tokens.parent_id."""
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_tokens_parent_id_api_tokens"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_tokens_parent_id"))
        batch_op.drop_column("parent_id")
