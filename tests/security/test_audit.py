"""The audit log: the database itself refuses to change or remove a row of the event log; every row is
chained to the one before by a hash, and `flask audit verify` names the first row that a change
(made after dropping the triggers) broke; views of personal data are in the audit log, not in the
item's history."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import exc, select, text

from tests.helpers import ANSWER, act, bearer, file_item, login

EVENTS = "SELECT id, item_id, reason, prev_hash, row_hash FROM item_events ORDER BY id"


def some_history(client) -> list[str]:
    """Three items and a few steps on each: filed, assigned, noted, answered."""
    head = bearer(client, "head@example.vn")
    codes = [file_item(client)["code"] for _ in range(3)]
    for code in codes:
        act(client, head, code, "note", reason="Kiểm tra hồ sơ.")
    act(client, head, codes[0], "respond", body=ANSWER)
    return codes


def events(db):
    return db.session.execute(text(EVENTS)).all()


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


@pytest.mark.parametrize("statement", ["UPDATE item_events SET reason = 'sửa lại'",
                                       "DELETE FROM item_events"])
def test_the_database_refuses_to_change_or_remove_a_row(db, client, staff, statement):
    some_history(client)
    before = events(db)
    with pytest.raises(exc.DBAPIError, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text(statement))
    assert events(db) == before


def test_every_row_follows_the_one_before_and_verify_says_so(db, client, runner, staff):
    from feedback.items import audit

    some_history(client)
    rows = events(db)
    assert len(rows) >= 7
    assert rows[0].prev_hash == audit.GENESIS
    assert all(row.prev_hash == before.row_hash for before, row in zip(rows, rows[1:]))
    assert len({row.row_hash for row in rows}) == len(rows)
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert f"{len(rows)} rows of the audit log checked: the chain is intact. Last hash: {rows[-1].row_hash}" \
        in result.output


def drop_triggers(db):
    from feedback.items.audit import DROP_TRIGGERS

    for statement in DROP_TRIGGERS[db.engine.dialect.name]:
        db.session.execute(text(statement))


def test_a_changed_row_is_named(db, client, runner, staff):
    codes = some_history(client)
    rows = events(db)
    changed = rows[3]
    drop_triggers(db)  # as someone with the database's owner rights would
    db.session.execute(text("UPDATE item_events SET reason = 'Không có gì' WHERE id = :id"), {"id": changed.id})
    result = verify(runner)
    assert result.exit_code == 1
    code = next(code for code in codes if db.session.scalar(text("SELECT id FROM items WHERE code = :c"),
                                                           {"c": code}) == changed.item_id)
    assert f"the audit log is broken at row {changed.id} (item {code}): its content does not match its hash" \
        in result.output
    assert "The 3 rows before it are intact." in result.output


def test_a_row_rewritten_with_a_new_hash_breaks_the_next_one(db, client, runner, staff):
    from feedback.items import audit

    some_history(client)
    rows = events(db)
    changed, following = rows[2], rows[3]
    drop_triggers(db)
    db.session.execute(text("UPDATE item_events SET reason = 'Không có gì' WHERE id = :id"), {"id": changed.id})
    # The forger gives the row the hash of its new content: the next row no longer follows it.
    from feedback.items.models import ItemEvent

    db.session.expire_all()
    forged = db.session.get(ItemEvent, changed.id)
    db.session.execute(text("UPDATE item_events SET row_hash = :h WHERE id = :id"),
                       {"h": audit.row_hash(forged.prev_hash, forged), "id": changed.id})
    result = verify(runner)
    assert result.exit_code == 1
    assert f"broken at row {following.id} " in result.output
    assert f"it does not follow row {changed.id}" in result.output


def test_a_removed_row_is_found_at_the_next_one(db, client, runner, staff):
    some_history(client)
    rows = events(db)
    drop_triggers(db)
    db.session.execute(text("DELETE FROM item_events WHERE id = :id"), {"id": rows[4].id})
    result = verify(runner)
    assert result.exit_code == 1
    assert f"broken at row {rows[5].id} " in result.output and f"it does not follow row {rows[3].id}" in result.output


def test_verify_reads_the_log_in_batches(db, client, staff):
    from feedback.items import audit

    some_history(client)
    whole = audit.verify()
    assert whole.broken is None and audit.verify(batch=2) == whole


def test_events_written_at_once_are_chained_too(db, client, staff, monkeypatch):
    """The tick writes its reminders in one statement (log_many)."""
    from feedback.items import audit
    from feedback.items import services
    from feedback.items.models import Item

    codes = some_history(client)
    found = db.session.scalars(select(Item).where(Item.code.in_(codes))).all()
    services.log_many([(item, "reminded", {"public": False, "data": {"days": (1, 2)}}) for item in found])
    assert audit.verify().broken is None
    assert audit.verify().rows == len(events(db))


def test_an_event_written_around_the_log_is_refused(db, client, staff):
    from feedback.items.models import AppendOnly, Item, ItemEvent

    code = file_item(client)["code"]
    item = db.session.scalar(select(Item).where(Item.code == code))
    db.session.add(ItemEvent(item=item, action="note", actor_kind="staff"))
    with pytest.raises(AppendOnly):
        db.session.flush()
    db.session.rollback()


def test_concurrent_writers_keep_one_chain(app, staff, real_commits):
    """Four threads file at once, each with its own connection: the chain stays one line."""
    from feedback.items import audit
    from feedback.extensions import db

    failures = []

    def file_some():
        client = app.test_client()
        try:
            for _ in range(5):
                file_item(client)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=file_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures, failures
    with app.app_context():
        verdict = audit.verify()
        filed = db.session.scalar(text("SELECT count(*) FROM item_events WHERE action = 'filed'"))
    assert verdict.broken is None and filed == 20 and verdict.rows >= 20


# --- views of personal data -----------------------------------------------------------------------


def test_views_of_personal_data_are_in_the_audit_not_the_history(app, client, staff):
    code = file_item(client, contact={"name": "Ngô Văn Thử", "phone": "0912000111"}, consent=True)["code"]
    officer, head, admin = app.test_client(), app.test_client(), app.test_client()
    login(officer, "officer@example.vn"), login(head, "head@example.vn"), login(admin, "admin@example.vn")
    for _ in range(3):
        page = officer.get(f"/staff/items/{code}").get_data(as_text=True)
    # The officer's history shows the steps, not the views; the officer does not read the audit.
    assert "Ngô Văn Thử" in page
    assert "Đã xem dữ liệu cá nhân" not in page and "Ai đã xem dữ liệu cá nhân" not in page
    for reader in (head, admin):
        page = reader.get(f"/staff/items/{code}").get_data(as_text=True)
        assert "Đã xem dữ liệu cá nhân" not in page
        audit = page.split("Ai đã xem dữ liệu cá nhân", 1)[1].split("</table>", 1)[0]
        assert "Lê Thị Cán Bộ" in audit
        assert "<td>3</td>" in audit  # the officer's three views
    # Each view is a row of the audit log all the same.
    with app.app_context():
        from feedback.extensions import db

        assert db.session.scalar(text("SELECT count(*) FROM item_events WHERE action = 'viewed_personal_data'")) == 5
