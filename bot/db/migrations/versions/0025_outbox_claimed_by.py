"""outbox: claimed_by, the worker that holds a row's claim (so a dead worker's rows are freed)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows claimed before this revision keep no claimant: only their lease frees them.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
