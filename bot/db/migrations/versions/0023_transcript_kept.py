"""call_notes.transcript_kept: the reviewers keep the live transcript's section, or not

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call_notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transcript_kept', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('call_notes', schema=None) as batch_op:
        batch_op.drop_column('transcript_kept')
