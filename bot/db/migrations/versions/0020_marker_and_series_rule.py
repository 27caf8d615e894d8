"""who marked a channel message by reaction; a call series' recurrence rule and planned starts

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marker', sa.String(length=64), nullable=True))
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_rule', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('planned_at', bot.db.models.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('planned_at')
        batch_op.drop_column('series_rule')
    with op.batch_alter_table('channel_messages', schema=None) as batch_op:
        batch_op.drop_column('marker')
