"""Sessions end together: the session generation of users, and names of API tokens

Revision ID: eea31c615716
Revises: 88e91e137154
Create Date: 2026-11-30 07:34:50.295378

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eea31c615716'
down_revision = '88e91e137154'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=100), server_default='', nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('label')

