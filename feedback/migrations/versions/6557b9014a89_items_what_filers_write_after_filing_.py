"""items: what filers write after filing, kept beside the event log

Revision ID: 6557b9014a89
Revises: b0f07ccfe931
Create Date: 2026-11-30 12:16:23.205819

What a filer writes after filing (the text of ``information_added`` and the names of its files, the
reason they give when they withdraw) was kept in the event log, which is append-only: neither the
filer's delete nor the retention of personal data could remove it. It moves to
``item_filer_texts``, which can be erased; the event keeps what happened and ``data.filer_text``, a
hash of the text keyed by a salt kept beside the text (erased with it).

The log's chain hashes what each row holds (feedback.items.audit), so the rows whose payload changes get
new hashes, and so does every row after them. Three choices keep ``flask audit verify`` meaningful:

- The chain is verified before anything changes, and the migration stops, changing nothing, when it
  is broken: re-chaining a log someone tampered with would hide the tampering. The first broken row
  is named; investigate it (``flask audit verify``) before upgrading.
- Only the text leaves the rows; everything else (who, when, what, the statuses) stays as written,
  and the rows before the first one changed keep their hashes.
- The old and the new hash of the log's end are written to the migration's log (alembic's logger):
  whoever noted the old end elsewhere can match it to the new one.

Items whose personal data was already erased have their texts erased now (kept as erased, with the
time of that erasure). The downgrade puts the texts that are left back into the log, verifying and
re-chaining it the same way.
"""
import json
import logging
import secrets
import hmac
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6557b9014a89'
down_revision = 'b0f07ccfe931'
branch_labels = None
depends_on = None


log = logging.getLogger("alembic.runtime.migration")
BATCH = 1000

item_events = sa.table(
    "item_events", sa.column("id", sa.Integer), sa.column("item_id", sa.Integer), sa.column("at", sa.DateTime),
    sa.column("actor_id", sa.Integer), sa.column("actor_kind", sa.String), sa.column("action", sa.String),
    sa.column("from_status", sa.String), sa.column("to_status", sa.String), sa.column("unit_id", sa.Integer),
    sa.column("reason", sa.Text), sa.column("public", sa.Boolean), sa.column("data", sa.JSON),
    sa.column("prev_hash", sa.String), sa.column("row_hash", sa.String))
items = sa.table("items", sa.column("id", sa.Integer), sa.column("personal_data_erased_at", sa.DateTime))
filer_texts = sa.table(
    "item_filer_texts", sa.column("id", sa.Integer), sa.column("item_id", sa.Integer), sa.column("event_id", sa.Integer),
    sa.column("text", sa.Text), sa.column("file_names", sa.JSON), sa.column("salt", sa.String),
    sa.column("created_at", sa.DateTime), sa.column("erased_at", sa.DateTime))


def seal(salt, text, file_names):
    """As feedback.items.services.seal (a copy: this revision must keep its meaning)."""
    message = json.dumps([text, list(file_names)], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(salt.encode(), message.encode(), hashlib.sha256).hexdigest()


def rows_from(connection, first_id):
    after = first_id - 1
    while True:
        rows = connection.execute(sa.select(item_events).where(item_events.c.id > after)
                                  .order_by(item_events.c.id).limit(BATCH)).mappings().all()
        yield from rows
        if len(rows) < BATCH:
            return
        after = rows[-1]["id"]


def verified_end(connection):
    """The hash of the log's last row, once every link is checked; stops the migration at a broken one."""
    from feedback.items.audit import GENESIS, row_hash

    previous = GENESIS
    for row in rows_from(connection, 0):
        if row["prev_hash"] != previous or row_hash(previous, dict(row)) != row["row_hash"]:
            raise RuntimeError(f"the audit log is broken at row {row['id']} (item id {row['item_id']}): nothing was "
                               "changed. Run `flask audit verify` and find out what happened before upgrading: "
                               "moving the filers' texts out of the log re-chains it, which would hide the break.")
        previous = row["row_hash"]
    return previous


def rechain(connection, first_id):
    """New hashes for every row from ``first_id`` on (their payload changed, or a row before did)."""
    from feedback.items.audit import GENESIS, row_hash

    before = connection.execute(sa.select(item_events.c.row_hash).where(item_events.c.id < first_id)
                                .order_by(item_events.c.id.desc()).limit(1)).scalar()
    previous, links = before or GENESIS, []
    for row in rows_from(connection, first_id):
        current = row_hash(previous, dict(row))
        links.append({"event_id": row["id"], "prev": previous, "current": current})
        previous = current
        if len(links) == BATCH:
            _write_links(connection, links)
            links = []
    _write_links(connection, links)
    return previous


def _write_links(connection, links):
    if links:
        connection.execute(item_events.update().where(item_events.c.id == sa.bindparam("event_id"))
                           .values(prev_hash=sa.bindparam("prev"), row_hash=sa.bindparam("current")), links)


def rewrite(connection, changes, old_end):
    """Change the events' payloads (``changes``: event id -> {"data", "reason"}), triggers off meanwhile,
    then re-chain the log from the first one changed (``old_end``: the verified end before)."""
    from feedback.items.audit import DROP_TRIGGERS, TRIGGERS

    if not changes:
        return
    dialect = connection.dialect.name
    for statement in DROP_TRIGGERS[dialect]:
        connection.execute(sa.text(statement))
    ids = sorted(changes)
    for start in range(0, len(ids), BATCH):
        connection.execute(
            item_events.update().where(item_events.c.id == sa.bindparam("event_id"))
            .values(data=sa.bindparam("new_data", type_=sa.JSON), reason=sa.bindparam("new_reason")),
            [{"event_id": event_id, "new_data": changes[event_id]["data"], "new_reason": changes[event_id]["reason"]}
             for event_id in ids[start:start + BATCH]])
    new_end = rechain(connection, ids[0])
    for statement in TRIGGERS[dialect]:
        connection.execute(sa.text(statement))
    log.info("audit log re-chained from row %s: the hash of its end was %s, it is now %s", ids[0], old_end, new_end)


def filers_events(connection):
    """The events whose payload holds what a filer wrote."""
    return connection.execute(
        sa.select(item_events.c.id, item_events.c.item_id, item_events.c.at, item_events.c.action,
                  item_events.c.reason, item_events.c.data)
        .where(sa.or_(item_events.c.action == "information_added",
                      sa.and_(item_events.c.action == "withdraw", item_events.c.actor_kind == "citizen",
                              item_events.c.reason != "")))
        .order_by(item_events.c.id)).mappings().all()


def upgrade():
    # First of all, before anything changes (SQLite's DDL is not undone by a failure).
    old_end = verified_end(op.get_bind())
    op.create_table('item_filer_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('file_names', sa.JSON(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['item_events.id'], name=op.f('fk_item_filer_texts_event_id_item_events')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_filer_texts_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_filer_texts')),
    sa.UniqueConstraint('event_id', name=op.f('uq_item_filer_texts_event_id'))
    )
    with op.batch_alter_table('item_filer_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_filer_texts_item_id'), ['item_id'], unique=False)

    connection = op.get_bind()
    erased = dict(connection.execute(sa.select(items.c.id, items.c.personal_data_erased_at)
                                     .where(items.c.personal_data_erased_at.is_not(None))).all())
    changes, texts = {}, []
    for event in filers_events(connection):
        data = dict(event["data"] or {})
        if event["action"] == "information_added":
            text, names = data.pop("text", "") or "", list(data.pop("attachments", []) or [])
            reason = event["reason"]
        else:
            text, names, reason = event["reason"], [], ""
        salt = secrets.token_hex(16)
        data.update(filer_text=seal(salt, text, names), files=len(names))
        changes[event["id"]] = {"data": data, "reason": reason}
        erased_at = erased.get(event["item_id"])
        texts.append({"item_id": event["item_id"], "event_id": event["id"], "created_at": event["at"],
                      "text": "" if erased_at else text, "file_names": [] if erased_at else names,
                      "salt": "" if erased_at else salt, "erased_at": erased_at})
    if texts:
        connection.execute(filer_texts.insert(), texts)
    rewrite(connection, changes, old_end)


def downgrade():
    connection = op.get_bind()
    old_end = verified_end(connection)
    kept = connection.execute(
        sa.select(filer_texts.c.event_id, filer_texts.c.text, filer_texts.c.file_names, item_events.c.action,
                  item_events.c.data)
        .join(item_events, item_events.c.id == filer_texts.c.event_id)).mappings().all()
    changes = {}
    for row in kept:
        data = {key: value for key, value in (row["data"] or {}).items() if key not in ("filer_text", "files")}
        if row["action"] == "information_added":
            data.update(text=row["text"], attachments=list(row["file_names"] or []))
            changes[row["event_id"]] = {"data": data, "reason": ""}
        else:
            changes[row["event_id"]] = {"data": data, "reason": row["text"]}
    rewrite(connection, changes, old_end)
    with op.batch_alter_table('item_filer_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_filer_texts_item_id'))

    op.drop_table('item_filer_texts')
