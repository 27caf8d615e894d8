"""transcripts: segments, choices and suggestions; calls.transcribe

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('transcript_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('transcription_sid', sa.String(length=64), nullable=False),
    sa.Column('sequence_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('speaker', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('offset_s', sa.Integer(), nullable=False),
    sa.Column('spoken_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transcript_segments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_segments_call_id'), ['call_id'], unique=False)
        batch_op.create_index('uq_transcript_sequence', ['transcription_sid', 'sequence_id'], unique=True)

    op.create_table('transcription_choices',
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('declined', sa.Boolean(), nullable=False),
    sa.Column('at', bot.db.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.PrimaryKeyConstraint('call_sid')
    )
    with op.batch_alter_table('transcription_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcription_choices_call_id'), ['call_id'], unique=False)

    op.create_table('transcript_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', bot.db.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('action_item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['action_item_id'], ['action_items.id'], ),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.ForeignKeyConstraint(['segment_id'], ['transcript_segments.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transcript_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_suggestions_call_id'), ['call_id'], unique=False)
        batch_op.create_index('uq_suggestion_segment_kind', ['segment_id', 'kind'], unique=True)

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transcribe', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('transcribe')

    with op.batch_alter_table('transcript_suggestions', schema=None) as batch_op:
        batch_op.drop_index('uq_suggestion_segment_kind')
        batch_op.drop_index(batch_op.f('ix_transcript_suggestions_call_id'))

    op.drop_table('transcript_suggestions')
    with op.batch_alter_table('transcription_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcription_choices_call_id'))

    op.drop_table('transcription_choices')
    with op.batch_alter_table('transcript_segments', schema=None) as batch_op:
        batch_op.drop_index('uq_transcript_sequence')
        batch_op.drop_index(batch_op.f('ix_transcript_segments_call_id'))

    op.drop_table('transcript_segments')
