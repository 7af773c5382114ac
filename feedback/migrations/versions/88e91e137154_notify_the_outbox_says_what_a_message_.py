"""notify: the outbox says what a message is about by owner type and id, not only items

Revision ID: 88e91e137154
Revises: 51a05a9cf374
Create Date: 2026-11-30 07:16:54.598048

Messages already written about an item keep saying so: owner "item" and its id, its tracking code
as the reference and its staff page as the link.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '88e91e137154'
down_revision = '51a05a9cf374'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notify_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reference', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('link', sa.String(length=255), nullable=False, server_default=''))

    outbox = sa.table('notify_outbox', sa.column('item_id', sa.Integer), sa.column('owner_type', sa.String),
                      sa.column('owner_id', sa.Integer), sa.column('reference', sa.String),
                      sa.column('link', sa.String))
    items = sa.table('items', sa.column('id', sa.Integer), sa.column('code', sa.String))
    code = sa.select(items.c.code).where(items.c.id == outbox.c.item_id).scalar_subquery()
    op.execute(outbox.update().where(outbox.c.item_id.is_not(None)).values(
        owner_type='item', owner_id=outbox.c.item_id, reference=code, link='/staff/items/' + code))

    with op.batch_alter_table('notify_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_outbox_item_id'))
        batch_op.create_index('ix_notify_outbox_owner', ['owner_type', 'owner_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_notify_outbox_item_id_items'), type_='foreignkey')
        batch_op.drop_column('item_id')


def downgrade():
    with op.batch_alter_table('notify_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notify_outbox_item_id_items'), 'items', ['item_id'], ['id'])
        batch_op.drop_index('ix_notify_outbox_owner')
        batch_op.create_index(batch_op.f('ix_notify_outbox_item_id'), ['item_id'], unique=False)
    outbox = sa.table('notify_outbox', sa.column('item_id', sa.Integer), sa.column('owner_type', sa.String),
                      sa.column('owner_id', sa.Integer))
    op.execute(outbox.update().where(outbox.c.owner_type == 'item').values(item_id=outbox.c.owner_id))
    with op.batch_alter_table('notify_outbox', schema=None) as batch_op:
        batch_op.drop_column('link')
        batch_op.drop_column('reference')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('owner_type')

