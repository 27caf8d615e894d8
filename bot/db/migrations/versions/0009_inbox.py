"""the durable inbox of acknowledged requests

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('work', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('received_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    op.create_index('ix_inbox_due', 'inbox', ['status', 'id'], unique=False)
    op.create_table('inbox_done',
    sa.Column('request_key', sa.String(length=200), nullable=False),
    sa.Column('done_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('request_key')
    )


def downgrade() -> None:
    op.drop_table('inbox_done')
    op.drop_index('ix_inbox_due', table_name='inbox')
    op.drop_table('inbox')
