"""voice delivery: the contact's preferred channel, the voice opt-out list

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0013'
# 0011 and 0012 are other branches' at the time of writing: whoever merges them re-points this.
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=8), nullable=False,
                                      server_default=''))
    op.create_table('voice_opt_outs',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone')
    )


def downgrade() -> None:
    op.drop_table('voice_opt_outs')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('channel')
