"""cache_versions: marks of change of what processes render once (the unit pickers)

Revision ID: 5e1a7c3d9b20
Revises: d4d46b1a7878
Create Date: 2026-11-30 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1a7c3d9b20'
down_revision = 'd4d46b1a7878'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_versions',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('mark', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions'))
    )


def downgrade():
    op.drop_table('cache_versions')
