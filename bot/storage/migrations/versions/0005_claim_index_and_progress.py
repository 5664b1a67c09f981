"""one index for claiming and reporting deliveries; where a broadcast's progress is shown

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_report')
        batch_op.drop_index('ix_deliveries_queue')
        batch_op.create_index(
            'ix_deliveries_claim',
            ['broadcast_id', 'occurrence', 'state', 'lease_until', 'id'],
            unique=False,
        )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('progress_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_column('progress_at')
        batch_op.drop_column('progress')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_claim')
        batch_op.create_index('ix_deliveries_report', ['broadcast_id', 'occurrence', 'state'], unique=False)
        batch_op.create_index('ix_deliveries_queue', ['state', 'lease_until'], unique=False)
