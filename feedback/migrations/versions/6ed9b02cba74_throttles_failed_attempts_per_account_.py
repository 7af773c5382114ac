"""Throttles: failed attempts counted per account and per item

Revision ID: 6ed9b02cba74
Revises: 080cd0fdb0c2
Create Date: 2026-11-30 08:32:34.706821

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6ed9b02cba74'
down_revision = '080cd0fdb0c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttles',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttles'))
    )
    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttles_window_start'), ['window_start'], unique=False)



def downgrade():
    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttles_window_start'))

    op.drop_table('throttles')
