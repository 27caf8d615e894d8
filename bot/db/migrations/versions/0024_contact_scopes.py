"""contact_scopes: the audience's match as one index; contact_tags indexed by (tag, contact_id)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_scopes',
    sa.Column('region', sa.String(length=16), nullable=False),
    sa.Column('incident_type', sa.String(length=32), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('region', 'incident_type', 'contact_id')
    )
    with op.batch_alter_table('contact_scopes', schema=None) as batch_op:
        batch_op.create_index('ix_contact_scopes_contact_id', ['contact_id'], unique=False)
    # Every (region, type) pair of the contacts already in the directory.
    op.execute("INSERT INTO contact_scopes (region, incident_type, contact_id) "
               "SELECT r.region, t.incident_type, r.contact_id FROM contact_regions r "
               "JOIN contact_incident_types t ON t.contact_id = r.contact_id")
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.create_index('ix_contact_tags_tag_contact', ['tag', 'contact_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_tags_tag_contact')
    with op.batch_alter_table('contact_scopes', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_scopes_contact_id')
    op.drop_table('contact_scopes')
