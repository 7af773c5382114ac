"""Audit: the event log chained by hashes, UPDATE and DELETE refused by triggers

Revision ID: a38744a8488d
Revises: 6ed9b02cba74
Create Date: 2026-11-30 09:00:59.588418

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a38744a8488d'
down_revision = '6ed9b02cba74'
branch_labels = None
depends_on = None


item_events = sa.table(
    "item_events", sa.column("id", sa.Integer), sa.column("item_id", sa.Integer), sa.column("at", sa.DateTime),
    sa.column("actor_id", sa.Integer), sa.column("actor_kind", sa.String), sa.column("action", sa.String),
    sa.column("from_status", sa.String), sa.column("to_status", sa.String), sa.column("unit_id", sa.Integer),
    sa.column("reason", sa.Text), sa.column("public", sa.Boolean), sa.column("data", sa.JSON),
    sa.column("prev_hash", sa.String), sa.column("row_hash", sa.String))


def upgrade():
    from feedback.items.audit import GENESIS, TRIGGERS, row_hash

    with op.batch_alter_table('item_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))

    # The rows already there are chained in the order they were written.
    connection = op.get_bind()
    previous, after = GENESIS, 0
    while True:
        rows = connection.execute(sa.select(item_events).where(item_events.c.id > after)
                                  .order_by(item_events.c.id).limit(1000)).mappings().all()
        if not rows:
            break
        links = []
        for row in rows:
            current = row_hash(previous, dict(row))
            links.append({"event_id": row["id"], "prev": previous, "current": current})
            previous = current
        connection.execute(item_events.update().where(item_events.c.id == sa.bindparam("event_id"))
                           .values(prev_hash=sa.bindparam("prev"), row_hash=sa.bindparam("current")), links)
        after = rows[-1]["id"]

    with op.batch_alter_table('item_events', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('row_hash', existing_type=sa.String(length=64), nullable=False)

    for statement in TRIGGERS[connection.dialect.name]:
        op.execute(statement)


def downgrade():
    from feedback.items.audit import DROP_TRIGGERS

    for statement in DROP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table('item_events', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
