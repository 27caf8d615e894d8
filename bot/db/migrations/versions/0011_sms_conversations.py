"""sms_conversations: an SMS exchange with one number, answered in one Slack thread

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('first_message_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed_by', sa.String(length=32), nullable=True),
    sa.Column('handled_by', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('replies', sa.Integer(), nullable=False),
    sa.Column('post_channel', sa.String(length=32), nullable=True),
    sa.Column('post_ts', sa.String(length=32), nullable=True),
    sa.Column('created_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.ForeignKeyConstraint(['first_message_id'], ['inbound_messages.id'], ),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_sms_conversations_phone'), 'sms_conversations', ['phone'],
                    unique=False)
    op.create_index(op.f('ix_sms_conversations_incident_id'), 'sms_conversations',
                    ['incident_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sms_conversations_incident_id'), table_name='sms_conversations')
    op.drop_index(op.f('ix_sms_conversations_phone'), table_name='sms_conversations')
    op.drop_table('sms_conversations')
