"""audit_events: a SHA-256 hash chain (seq, prev_hash, hash) and its one-row head, backfilled;
incidents: legal_hold

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

# The chain new appends use: a backfill hashed any other way would not verify.
from bot.records.chain import GENESIS, as_stored, digest


revision = '0016'
down_revision = '0013'
branch_labels = None
depends_on = None

BATCH = 1000
events = sa.table('audit_events', sa.column('id', sa.Integer()), sa.column('at', sa.DateTime()),
                  sa.column('actor', sa.String()), sa.column('action', sa.String()),
                  sa.column('incident_id', sa.Integer()), sa.column('details', sa.JSON()),
                  sa.column('seq', sa.Integer()), sa.column('prev_hash', sa.String()),
                  sa.column('hash', sa.String()))
head = sa.table('audit_chain_head', sa.column('id', sa.Integer()), sa.column('seq', sa.Integer()),
                sa.column('hash', sa.String()))


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
    op.create_table('audit_chain_head',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('seq', sa.Integer(), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head')))
    seq, last = _backfill(op.get_bind())
    op.bulk_insert(head, [{'id': 1, 'seq': seq, 'hash': last}])
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def _backfill(connection) -> tuple[int, str]:
    """Chains the existing events in id order (the order they were written), a batch at a time;
    returns the head. Their details are normalised as the JSON column returns them."""
    after, seq, prev = 0, 0, GENESIS
    while True:
        rows = connection.execute(sa.select(events).where(events.c.id > after)
                                  .order_by(events.c.id).limit(BATCH)).mappings().all()
        if not rows:
            return seq, prev
        updates = []
        for row in rows:
            seq += 1
            linked = dict(row, seq=seq, prev_hash=prev, details=as_stored(row['details']))
            prev = digest(linked)
            updates.append({'row_id': row['id'], 's': seq, 'p': linked['prev_hash'], 'h': prev})
        connection.execute(events.update().where(events.c.id == sa.bindparam('row_id'))
                           .values(seq=sa.bindparam('s'), prev_hash=sa.bindparam('p'),
                                   hash=sa.bindparam('h')), updates)
        after = rows[-1]['id']


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('legal_hold')
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
