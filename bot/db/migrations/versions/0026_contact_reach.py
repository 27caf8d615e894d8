"""contact_reach: the audience's index with what the audience reads of each contact (replaces
contact_scopes, which needed a join to contacts for every member)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

# bot.db.reach's rows as they were defined at this revision: region/type pairs, "#" and each
# tag, "*" once per contact; the sort key bot.directory.rules.names.order_key's; the profile a
# JSON array whose channel is bot.directory.rules.audience.channel_of's. Written in the primary
# key's order, as bot.db.reach writes them.
FILL = """
INSERT INTO contact_reach (key, contact_id, sort_key, phone, profile, regions)
SELECT k.key, c.id, substr(c.organisation_folded || :separator || c.name_folded, 1, 500), c.phone,
       {profile}(c.language, c.home_language, c.organisation_type, CASE WHEN c.channel = 'voice' AND coalesce(c.phone, '') != ''
                 AND c.phone_status IN ('ok', 'landline') THEN 'voice'
            WHEN coalesce(c.slack_user_id, '') != '' AND c.channel != 'sms' THEN 'slack'
            WHEN coalesce(c.phone, '') != '' AND c.phone_status = 'ok'
                 AND c.sms_consent != 'opted_out' THEN 'sms'
            WHEN coalesce(c.slack_user_id, '') != '' THEN 'slack'
            WHEN coalesce(c.phone, '') != '' AND c.phone_status = 'landline' THEN 'voice'
            ELSE 'unreachable' END){text}, CAST(c.regions AS TEXT)
FROM (SELECT r.contact_id AS contact_id, r.region || '/' || t.incident_type AS key
      FROM contact_regions r JOIN contact_incident_types t ON t.contact_id = r.contact_id
      UNION ALL SELECT contact_id, '#' || tag FROM contact_tags
      UNION ALL SELECT id, '*' FROM contacts) k
JOIN contacts c ON c.id = k.contact_id
WHERE c.active
ORDER BY 1, substr(c.organisation_folded || :separator || c.name_folded, 1, 500){collate}, 2
"""


def upgrade() -> None:
    op.create_table('contact_reach',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('sort_key', sa.String(length=500).with_variant(sa.String(length=500, collation='C'), 'postgresql'), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('profile', sa.Text(), nullable=False),
    sa.Column('regions', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', 'sort_key', 'contact_id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('contact_reach', schema=None) as batch_op:
        batch_op.create_index('ix_contact_reach_contact_id', ['contact_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        fill = FILL.format(profile="CAST(json_build_array", text=" AS TEXT)", collate=' COLLATE "C"')
    else:
        fill = FILL.format(profile="json_array", text="", collate="")
    op.execute(sa.text(fill).bindparams(separator="\x1f"))
    with op.batch_alter_table('contact_scopes', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_scopes_contact_id')
    op.drop_table('contact_scopes')


def downgrade() -> None:
    op.create_table('contact_scopes',
    sa.Column('region', sa.String(length=16), nullable=False),
    sa.Column('incident_type', sa.String(length=32), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('region', 'incident_type', 'contact_id')
    )
    with op.batch_alter_table('contact_scopes', schema=None) as batch_op:
        batch_op.create_index('ix_contact_scopes_contact_id', ['contact_id'], unique=False)
    op.execute("INSERT INTO contact_scopes (region, incident_type, contact_id) "
               "SELECT r.region, t.incident_type, r.contact_id FROM contact_regions r "
               "JOIN contact_incident_types t ON t.contact_id = r.contact_id")
    with op.batch_alter_table('contact_reach', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_reach_contact_id')
    op.drop_table('contact_reach')
