"""what a channel remembers per person: last message (reply windows, quotas), numbered choices

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_threads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_message_id", sa.String(length=128), nullable=True),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("channel_threads", schema=None) as batch_op:
        batch_op.create_index("ix_channel_threads_last_message", ["last_message_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("channel_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_threads_last_message")
    op.drop_table("channel_threads")
