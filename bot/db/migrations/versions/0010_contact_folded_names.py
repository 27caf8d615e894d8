"""contacts: folded names for accent- and case-insensitive search, the language spoken, phone extensions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

# The fold searches use: a backfill folded any other way would leave old rows unfindable.
from bot.directory.rules.names import name_key


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BATCH = 1000
contacts = sa.table('contacts', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                    sa.column('organisation', sa.String()), sa.column('name_folded', sa.String()),
                    sa.column('organisation_folded', sa.String()))


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_folded', sa.String(length=600), nullable=True))
        batch_op.add_column(sa.Column('organisation_folded', sa.String(length=600), nullable=True))
        batch_op.add_column(sa.Column('home_language', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('phone_extension', sa.String(length=20), nullable=True))
    # Existing contacts: the language they are texted in was the only one known.
    op.execute("UPDATE contacts SET home_language = language")
    _backfill_folded_names(op.get_bind())
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.alter_column('name_folded', existing_type=sa.String(length=600), nullable=False)
        batch_op.alter_column('organisation_folded', existing_type=sa.String(length=600),
                              nullable=False)
        batch_op.alter_column('home_language', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_index(batch_op.f('ix_contacts_name_folded'), ['name_folded'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_organisation_folded'), ['organisation_folded'],
                              unique=False)


def _backfill_folded_names(connection) -> None:
    """Folded in Python with the function new writes use (SQL has no NFKD on SQLite), by id
    ranges so that a large directory is never held in memory at once."""
    last = 0
    while True:
        rows = connection.execute(sa.select(contacts.c.id, contacts.c.name, contacts.c.organisation)
                                  .where(contacts.c.id > last).order_by(contacts.c.id)
                                  .limit(BATCH)).all()
        if not rows:
            return
        connection.execute(
            contacts.update().where(contacts.c.id == sa.bindparam('row_id'))
            .values(name_folded=sa.bindparam('folded'), organisation_folded=sa.bindparam('org')),
            [{'row_id': cid, 'folded': name_key(name), 'org': name_key(organisation or '')}
             for cid, name, organisation in rows])
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_organisation_folded'))
        batch_op.drop_index(batch_op.f('ix_contacts_name_folded'))
        batch_op.drop_column('phone_extension')
        batch_op.drop_column('home_language')
        batch_op.drop_column('organisation_folded')
        batch_op.drop_column('name_folded')
