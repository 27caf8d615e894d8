"""erased_numbers: numbers erased on request, kept only as keyed hashes; erasure_key: the key

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

import bot.db.models


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('erased_numbers',
                    sa.Column('digest', sa.String(length=64), nullable=False),
                    sa.Column('at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('digest'))
    op.create_table('erasure_key',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('key', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('erasure_key')
    op.drop_table('erased_numbers')
