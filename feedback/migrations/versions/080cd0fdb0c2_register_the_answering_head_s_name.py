"""register: the answering head's name

Public answers name the head who gave them, with their title ("rõ người, rõ việc"). Rows already
in the register take the name of the head who approved the answer they show.

Revision ID: 080cd0fdb0c2
Revises: 923e1a86a64c
Create Date: 2026-11-30 09:16:43.408524

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '080cd0fdb0c2'
down_revision = '923e1a86a64c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('register_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_name', sa.String(length=255), nullable=False, server_default=sa.text("''")))
    op.execute(sa.text(
        "UPDATE register_entries SET head_name = COALESCE(("
        " SELECT users.name FROM responses JOIN users ON users.id = responses.approved_by_id"
        " WHERE responses.item_id = register_entries.item_id AND responses.published_at IS NOT NULL"
        " ORDER BY responses.published_at DESC, responses.id DESC LIMIT 1), '')"
        " WHERE published_at IS NOT NULL"))


def downgrade():
    with op.batch_alter_table('register_entries', schema=None) as batch_op:
        batch_op.drop_column('head_name')
