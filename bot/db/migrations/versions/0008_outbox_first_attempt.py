"""outbox: when a row was first attempted (to look a send of unknown outcome up at the provider)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import bot.db.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The status column is a plain string (no CHECK): the new "unknown" status needs no change.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_attempted_at', bot.db.models.UtcDateTime(timezone=True),
                                      nullable=True))
    # Rows already attempted: their creation is the earliest their first attempt can have been.
    op.execute("UPDATE outbox SET first_attempted_at = created_at WHERE attempts > 0")


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('first_attempted_at')
