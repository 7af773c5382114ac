"""The audit log: the items' event log (``item_events``) made tamper-evident.

Two guards. The database refuses UPDATE and DELETE on the log (triggers on PostgreSQL and SQLite,
made by the migration; the ORM refuses them too, see feedback.items.models). And each row carries
the hash of its content and of the row before it (``prev_hash``, ``row_hash``), so that a row
changed or removed by someone who dropped the triggers breaks the chain: ``flask audit verify``
reads the log in order and names the first row that does not match.

Rows are chained as they are written (:func:`chain`, called by ``items.services.log`` and
``log_many``): on PostgreSQL a transaction-wide advisory lock makes writers take their turn from the
moment they read the last hash until they commit; SQLite writers already hold the database's write
lock (``BEGIN IMMEDIATE``, see feedback.configure_database).

Note for migrations: on SQLite, ``batch_alter_table`` on ``item_events`` copies the table without
its triggers; create them again afterwards (:data:`TRIGGERS`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select, text

from feedback.extensions import db

# The "previous hash" of the first row.
GENESIS = "0" * 64
# The fields a row's hash covers, in this order (its id is given by the database afterwards, and
# its place is fixed by the chain).
FIELDS = ("item_id", "at", "actor_id", "actor_kind", "action", "from_status", "to_status", "unit_id", "reason",
          "public", "data")
# Any number, the same for every writer: the key of the PostgreSQL advisory lock of the chain.
_LOCK_KEY = 0x6175646974  # "audit"

TRIGGERS = {
    "postgresql": [
        """CREATE FUNCTION item_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'item_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$""",
        """CREATE TRIGGER item_events_append_only BEFORE UPDATE OR DELETE ON item_events
FOR EACH ROW EXECUTE FUNCTION item_events_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER item_events_no_update BEFORE UPDATE ON item_events
BEGIN SELECT RAISE(ABORT, 'item_events is append-only: UPDATE refused'); END""",
        """CREATE TRIGGER item_events_no_delete BEFORE DELETE ON item_events
BEGIN SELECT RAISE(ABORT, 'item_events is append-only: DELETE refused'); END""",
    ],
}
DROP_TRIGGERS = {
    "postgresql": ["DROP TRIGGER IF EXISTS item_events_append_only ON item_events",
                   "DROP FUNCTION IF EXISTS item_events_append_only()"],
    "sqlite": ["DROP TRIGGER IF EXISTS item_events_no_update", "DROP TRIGGER IF EXISTS item_events_no_delete"],
}


def _moment(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def row_hash(prev_hash: str, row) -> str:
    """The hash of a row of the log: of the previous row's hash and of the row's fields (a mapping or
    an object with them as attributes), written the same way whatever the database gave back."""
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    values = []
    for name in FIELDS:
        value = get(name)
        if name == "at":
            value = _moment(value)
        elif name == "data":
            # What the JSON column gives back: tuples as lists, keys as strings.
            value = json.loads(json.dumps(value or {}))
        elif name == "public":
            value = bool(value)
        values.append(value)
    canonical = json.dumps([prev_hash, *values], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _last_hash() -> str:
    from feedback.items.models import ItemEvent

    last = db.session.scalar(select(ItemEvent.row_hash).order_by(ItemEvent.id.desc()).limit(1))
    return last or GENESIS


def chain(rows: list[dict]) -> None:
    """Give each row (the fields of :data:`FIELDS`, in the order they are about to be inserted) its
    ``prev_hash`` and ``row_hash``. Insert them in this transaction before anything else is logged."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    previous = _last_hash()
    for row in rows:
        row["prev_hash"] = previous
        row["row_hash"] = previous = row_hash(previous, row)


@dataclass(frozen=True)
class Broken:
    """The first row of the log that does not match: its id, its item's id, and why."""

    id: int
    item_id: int
    reason: str


@dataclass(frozen=True)
class Verdict:
    rows: int
    broken: Broken | None
    # The hash of the last row read: note it elsewhere to notice later a change of the log's end.
    last_hash: str


def _rows(batch: int) -> Iterator:
    from feedback.items.models import ItemEvent

    columns = [ItemEvent.id, ItemEvent.prev_hash, ItemEvent.row_hash] + [getattr(ItemEvent, f) for f in FIELDS]
    after = 0
    while True:
        page = db.session.execute(select(*columns).where(ItemEvent.id > after).order_by(ItemEvent.id)
                                  .limit(batch)).all()
        yield from page
        if len(page) < batch:
            return
        after = page[-1].id


def verify(batch: int = 1000) -> Verdict:
    """Read the whole log in order (``batch`` rows at a time) and check every link of the chain."""
    previous, previous_id, count = GENESIS, None, 0
    for row in _rows(batch):
        count += 1
        if row.prev_hash != previous:
            after = f"row {previous_id}" if previous_id is not None else "the start of the log"
            return Verdict(count, Broken(row.id, row.item_id, f"it does not follow {after}: a row between them was "
                                                              "removed, or the row before it was rewritten"), previous)
        if row_hash(previous, row) != row.row_hash:
            return Verdict(count, Broken(row.id, row.item_id, "its content does not match its hash: the row was "
                                                              "changed"), previous)
        previous, previous_id = row.row_hash, row.id
    return Verdict(count, None, previous)
