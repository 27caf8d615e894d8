"""review_codes, review_sessions: officials' one-time codes and web sessions for call notes

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('review_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notes_id', sa.Integer(), nullable=False),
    sa.Column('official', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notes_id'], ['call_notes.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_codes_notes_id'), ['notes_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_codes_official'), ['official'], unique=False)
    op.create_table('review_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('notes_id', sa.Integer(), nullable=False),
    sa.Column('official', sa.String(length=32), nullable=False),
    sa.Column('created_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notes_id'], ['call_notes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('review_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_sessions_notes_id'), ['notes_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_sessions_notes_id'))
    op.drop_table('review_sessions')
    with op.batch_alter_table('review_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_codes_official'))
        batch_op.drop_index(batch_op.f('ix_review_codes_notes_id'))
    op.drop_table('review_codes')
