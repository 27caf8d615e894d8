"""sender_budgets: one row per SMS sender (its shared send budget); outbox: priority, expires_at

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sender_budgets',
                    sa.Column('sender', sa.String(length=64), nullable=False),
                    sa.Column('slot_second', sa.BigInteger(), nullable=False),
                    sa.Column('slot_used', sa.Float(), nullable=False),
                    sa.Column('paused_until', bot.db.models.UtcDateTime(timezone=True),
                              nullable=True),
                    sa.PrimaryKeyConstraint('sender', name=op.f('pk_sender_budgets')))
    # Existing rows keep the default priority (2) and never expire.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.SmallInteger(), server_default='2',
                                      nullable=False))
        batch_op.add_column(sa.Column('expires_at', bot.db.models.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_outbox_claim', ['status', 'priority', 'next_attempt_at'])


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_claim')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('priority')
    op.drop_table('sender_budgets')
