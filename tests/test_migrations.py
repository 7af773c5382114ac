"""The migration history builds the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from feedback import create_app
from feedback.extensions import db as _db
from tests.helpers import base_config


def options(app) -> dict:
    """As `flask db migrate` compares: types, and not the full-text tables made outside the models."""
    return {"compare_type": True, "include_name": app.extensions["migrate"].configure_args["include_name"]}


def test_models_and_migrations_agree(app, db):
    context = MigrationContext.configure(db.session.connection(), opts=options(app))
    assert compare_metadata(context, db.metadata) == []


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database with nothing in it, of the same kind as the test database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_downgrade_upgrade_on_an_empty_database(empty_database):
    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade()
        tables = set(inspect(_db.engine).get_table_names())
        assert {"units", "users", "procedures", "api_tokens", "alembic_version"} <= tables
        downgrade(revision="base")
        assert set(inspect(_db.engine).get_table_names()) == {"alembic_version"}
        upgrade()
        with _db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts=options(app)), _db.metadata) == []
        _db.engine.dispose()


def test_existing_items_get_their_obligations(empty_database):
    """Upgraded from the schema before obligations: each item with a deadline gets the row of its
    current holding, with its explanation, its end and lateness, its extension and its notices; the
    outbox's messages about items say so by owner type and id."""
    import json

    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade(revision="8004a09e258a")
        basis = {"days": 10, "cause": "filed", "counted_from": "2026-10-30", "start_at": "2026-10-30T03:00:00+00:00",
                 "legal_basis": "Quy chế", "days_off": [["2026-10-31", "Thứ Bảy"]]}
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, kind, valid_from, created_at) VALUES "
                              "(1, 'P.STP', 'Sở Tư pháp', 'department', '2025-07-01', '2025-07-01 00:00:00')"))
            rows = [  # id, status, due, responded, closed
                (1, "in_progress", "2026-11-13 10:00:00", None, None),
                (2, "responded", "2026-11-13 10:00:00", "2026-11-16 02:00:00", None),
                (3, "closed", "2026-11-13 10:00:00", "2026-11-12 02:00:00", "2026-11-14 02:00:00"),
                (4, "rejected", "2026-11-13 10:00:00", None, "2026-11-03 02:00:00"),
                (5, "received", None, None, None),
            ]
            for item_id, status, due, responded, closed in rows:
                conn.execute(text(
                    "INSERT INTO items (id, code, kind, topic, channel, status, unit_id, title, body, publish, "
                    "received_at, created_at, due_at, deadline_days, deadline_basis, responded_at, closed_at, "
                    "access_key_hash, search_text) VALUES (:id, :code, 'complaint', 'other', 'web', :status, "
                    ":unit, 'Tiêu đề', 'Nội dung', false, '2026-10-30 03:00:00', '2026-10-30 03:00:00', :due, "
                    ":days, :basis, :responded, :closed, 'x', '')"),
                    {"id": item_id, "code": f"PA-26-TEST-000{item_id}", "status": status,
                     "unit": 1 if due else None, "due": due, "days": 10 if due else None,
                     "basis": json.dumps(basis if due else {}), "responded": responded, "closed": closed})
            conn.execute(text(
                "INSERT INTO item_events (item_id, at, actor_kind, action, reason, public, data) VALUES "
                "(1, '2026-11-10 02:00:00', 'staff', 'extend', 'Xác minh', true, :data)"),
                {"data": json.dumps({"days": 2, "due_before": "2026-11-11T10:00:00+00:00",
                                     "due_after": "2026-11-13T10:00:00+00:00"})})
            conn.execute(text(
                "INSERT INTO accountability_notices (item_id, kind, due_at, created_at) VALUES "
                "(1, 'due_soon_assignee', '2026-11-13 10:00:00', '2026-11-11 01:00:00'), "
                "(1, 'escalated', '2026-11-11 10:00:00', '2026-11-12 01:00:00')"))
            conn.execute(text(
                "INSERT INTO notify_outbox (key, channel, kind, recipient, subject, body, attachment_name, item_id, "
                "status, attempts, last_error, created_at) VALUES ('k1', 'sms', 'filed', '0912345678', '', 'Đã nhận', "
                "'', 1, 'sent', 1, '', '2026-10-30 03:00:00')"))
        upgrade()
        with _db.engine.connect() as conn:
            outbox = conn.execute(text("SELECT owner_type, owner_id, reference, link FROM notify_outbox")).one()
            got = conn.execute(text("SELECT owner_type, owner_id, kind, unit_id, status, due_at, days, late, "
                                    "ended_at, start_at FROM obligations ORDER BY owner_id")).all()
            changes = conn.execute(text("SELECT obligation_id, action, reason, past_due FROM obligation_changes")).all()
            notices = conn.execute(text("SELECT kind FROM obligation_notices ORDER BY kind")).scalars().all()
            stored_basis = conn.execute(text("SELECT basis FROM obligations WHERE owner_id = 1")).scalar_one()
        # The event written before the audit log existed heads its chain.
        from feedback.items import audit

        verdict = audit.verify()
        _db.session.remove()
        _db.engine.dispose()
    assert verdict.rows == 1 and verdict.broken is None
    due = dt.datetime(2026, 11, 13, 10)
    assert [(row.owner_type, row.owner_id, row.kind, row.unit_id, row.status, row.days) for row in got] == [
        ("item", 1, "answer", 1, "open", 10), ("item", 2, "answer", 1, "met", 10),
        ("item", 3, "answer", 1, "met", 10), ("item", 4, "answer", 1, "cancelled", 10)]
    assert all(_naive(row.due_at) == due and _naive(row.start_at) == dt.datetime(2026, 10, 30, 3) for row in got)
    assert [row.late for row in got] == [None, True, False, False]
    assert [_naive(row.ended_at) if row.ended_at else None for row in got] == [
        None, dt.datetime(2026, 11, 16, 2), dt.datetime(2026, 11, 12, 2), dt.datetime(2026, 11, 3, 2)]
    assert (json.loads(stored_basis) if isinstance(stored_basis, str) else stored_basis) == basis
    assert [(row.action, row.reason, bool(row.past_due)) for row in changes] == [("extended", "Xác minh", False)]
    assert notices == ["due_soon", "overdue"]
    # The outbox says what its messages were about without pointing at the items table.
    assert tuple(outbox) == ("item", 1, "PA-26-TEST-0001", "/staff/items/PA-26-TEST-0001")


def _naive(value) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def test_items_public_before_reviews_stay_public(empty_database):
    """Upgraded to reviews of the public version: every item already in the register counts as
    reviewed, with its published answer, by no one in particular; a draft staff had reviewed keeps its
    reviewed text; an item not yet in the register waits for a review."""
    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade(revision="c5b742aca7c5")
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, kind, valid_from, created_at) VALUES "
                              "(1, 'P.STP', 'Sở Tư pháp', 'department', '2025-07-01', '2025-07-01 00:00:00')"))
            for item_id, status in ((1, "responded"), (2, "in_progress"), (3, "received"), (4, "in_progress")):
                conn.execute(text(
                    "INSERT INTO items (id, code, kind, topic, channel, status, unit_id, title, body, publish, "
                    "received_at, created_at, access_key_hash, search_text) VALUES (:id, :code, "
                    "'complaint', 'other', 'web', :status, 1, 'Tiêu đề', 'Nội dung', true, '2026-10-30 03:00:00', "
                    "'2026-10-30 03:00:00', 'x', '')"), {"id": item_id, "code": f"PA-26-TEST-000{item_id}",
                                                              "status": status})
                if item_id != 3:
                    conn.execute(text(
                        "INSERT INTO register_entries (item_id, code, kind, topic, status, received_at) VALUES "
                        "(:id, :code, 'complaint', 'other', :status, '2026-10-30 03:00:00')"),
                        {"id": item_id, "code": f"PA-26-TEST-000{item_id}", "status": status})
            conn.execute(text(
                "INSERT INTO responses (id, item_id, body, public_body, created_at, published_at, discarded) VALUES "
                "(1, 1, 'Trả lời', 'Trả lời', '2026-11-02 03:00:00', '2026-11-02 03:00:00', false), "
                "(2, 4, 'Dự thảo', 'Dự thảo', '2026-11-02 03:00:00', NULL, false)"))
            conn.execute(text(
                "INSERT INTO register_public_texts (item_id, title, answer, answer_response_id, edited_at) VALUES "
                "(4, 'Tiêu đề đã sửa', 'Dự thảo đã xem', 2, '2026-11-02 03:00:00')"))
        upgrade()
        with _db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT item_id, title, answer, answer_response_id, reviewed_at IS NOT NULL, reviewed_by_id, "
                "answer_reviewed_at IS NOT NULL FROM register_public_texts ORDER BY item_id")).all()
        _db.engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, None, None, 1, True, None, True),  # public, and its answer too
        (2, None, None, None, True, None, False),  # public; no answer yet
        (4, "Tiêu đề đã sửa", "Dự thảo đã xem", 2, True, None, False),  # the reviewed draft waits to be published
    ]


def test_letters_issued_before_the_register_keep_their_numbers(empty_database):
    """Upgraded from the schema before the register of outgoing documents: each letter already issued
    becomes a line of it as it was printed, and its unit's counter starts after the last one."""
    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade(revision="c5b742aca7c5")
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, kind, valid_from, created_at) VALUES "
                              "(1, 'P.STP', 'Sở Tư pháp', 'department', '2025-07-01', '2025-07-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO items (id, code, kind, topic, channel, status, unit_id, title, body, publish, "
                "received_at, created_at, due_at, deadline_days, access_key_hash, search_text) VALUES "
                "(1, 'PA-26-TEST-0001', 'complaint', 'other', 'web', 'assigned', 1, 'T', 'N', false, "
                "'2026-10-30 03:00:00', '2026-10-30 03:00:00', '2026-11-13 10:00:00', 10, 'x', '')"))
            for letter_id, number in ((1, 1), (2, 2)):
                conn.execute(text(
                    "INSERT INTO accountability_apology_letters (id, item_id, unit_id, year, number, due_at, "
                    "new_appointment, answered_late, signer_name, signer_title, created_at) VALUES (:id, 1, 1, 2026, "
                    ":number, :due, '2026-11-23', false, 'A', 'B', '2026-11-15 18:00:00')"),
                    {"id": letter_id, "number": number, "due": f"2026-11-1{number} 10:00:00"})
        upgrade()
        with _db.engine.connect() as conn:
            lines = conn.execute(text("SELECT number, kind, symbol, issued_on, owner_type, owner_id FROM "
                                      "document_register ORDER BY number")).all()
            letters = conn.execute(text("SELECT symbol, document_id IS NOT NULL FROM accountability_apology_letters "
                                        "ORDER BY id")).all()
            counter = conn.execute(text("SELECT unit_id, year, last_number FROM document_counters")).all()
        _db.engine.dispose()
    # Dated the local day they were made (18:00 UTC is 01:00 the next day in Vietnam).
    assert [(row[0], row[1], row[2], str(row[3])[:10], row[4], row[5]) for row in lines] == [
        (1, "PXL", "PXL-P.STP", "2026-11-16", "item", 1), (2, "PXL", "PXL-P.STP", "2026-11-16", "item", 1)]
    assert [tuple(row) for row in letters] == [("PXL-P.STP", True), ("PXL-P.STP", True)]
    assert [tuple(row) for row in counter] == [(1, 2026, 2)]


CANARY_TEXT = "Canarytext: tôi bổ sung số CCCD 001234567890 của Trần Thị Canary"
CANARY_REASON = "Canaryreason: tôi đã được giải quyết ở nơi khác"


def _insert_chained_events(conn, events: list[dict]) -> None:
    """Events written as the app wrote them before this revision: chained by their hashes."""
    import json

    from feedback.items.audit import GENESIS, row_hash

    previous = conn.execute(text("SELECT row_hash FROM item_events ORDER BY id DESC LIMIT 1")).scalar() or GENESIS
    for event in events:
        row = {"actor_id": None, "unit_id": 1, "from_status": None, "to_status": None, "reason": "", "public": False,
               "data": {}, **event}
        row["prev_hash"], row["row_hash"] = previous, row_hash(previous, row)
        previous = row["row_hash"]
        conn.execute(text(
            "INSERT INTO item_events (item_id, at, actor_id, actor_kind, action, from_status, to_status, unit_id, "
            "reason, public, data, prev_hash, row_hash) VALUES (:item_id, :at, :actor_id, :actor_kind, :action, "
            ":from_status, :to_status, :unit_id, :reason, :public, :data, :prev_hash, :row_hash)"),
            {**row, "data": json.dumps(row["data"], ensure_ascii=False)})


def _log_dump(conn) -> str:
    return " ".join(str(tuple(row)) for row in conn.execute(text("SELECT * FROM item_events ORDER BY id")))


def test_filers_texts_leave_the_event_log_and_the_chain_holds(empty_database):
    """Upgraded to filers' texts beside the log: the text of information added and the reason of a
    withdrawal leave the log (already erased for an item whose personal data was deleted), the log
    verifies, and each text left matches the keyed hash its event keeps. The downgrade puts them back,
    still verifiable."""
    from feedback.items import audit
    from feedback.items.models import FilerText
    from feedback.items.services import filer_text_intact

    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade(revision="b0f07ccfe931")
        at = dt.datetime(2026, 11, 2, 3)
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, kind, valid_from, created_at) VALUES "
                              "(1, 'P.STP', 'Sở Tư pháp', 'department', '2025-07-01', '2025-07-01 00:00:00')"))
            for item_id, erased in ((1, None), (2, "2026-11-05 03:00:00")):
                conn.execute(text(
                    "INSERT INTO items (id, code, kind, topic, channel, status, unit_id, title, body, publish, "
                    "received_at, created_at, access_key_hash, search_text, personal_data_erased_at) VALUES (:id, "
                    ":code, 'complaint', 'other', 'web', 'withdrawn', 1, 'Tiêu đề', 'Nội dung', false, "
                    "'2026-10-30 03:00:00', '2026-10-30 03:00:00', 'x', '', :erased)"),
                    {"id": item_id, "code": f"PA-26-TEST-000{item_id}", "erased": erased})
            events = []
            for item_id in (1, 2):
                events += [
                    {"item_id": item_id, "at": at, "actor_kind": "citizen", "action": "filed", "to_status": "received",
                     "public": True},
                    {"item_id": item_id, "at": at + dt.timedelta(hours=1), "actor_kind": "citizen",
                     "action": "information_added", "data": {"text": CANARY_TEXT, "attachments": ["Canaryfile.pdf"]}},
                    {"item_id": item_id, "at": at + dt.timedelta(hours=2), "actor_kind": "citizen", "action": "withdraw",
                     "from_status": "received", "to_status": "withdrawn", "reason": CANARY_REASON, "public": True},
                    {"item_id": item_id, "at": at + dt.timedelta(hours=3), "actor_kind": "staff", "action": "note",
                     "reason": "Ghi chú nội bộ"},
                ]
            _insert_chained_events(conn, events)
        assert audit.verify().broken is None
        _db.session.remove()

        upgrade()
        with _db.engine.connect() as conn:
            log_after = _log_dump(conn)
            kept = conn.execute(text("SELECT item_id, text, erased_at IS NOT NULL FROM item_filer_texts "
                                     "ORDER BY id")).all()
        verdict = audit.verify()
        texts = list(_db.session.scalars(select(FilerText).order_by(FilerText.id)))
        intact = [filer_text_intact(written) for written in texts]
        names = [written.file_names for written in texts]
        _db.session.remove()

        downgrade(revision="b0f07ccfe931")
        with _db.engine.connect() as conn:
            log_back = _log_dump(conn)
        back = audit.verify()
        _db.session.remove()
        _db.engine.dispose()

    assert "Canary" not in log_after, log_after
    assert "Ghi chú nội bộ" in log_after, "staff's own words stay in the log"
    assert [tuple(row) for row in kept] == [(1, CANARY_TEXT, False), (1, CANARY_REASON, False), (2, "", True),
                                            (2, "", True)]
    assert names == [["Canaryfile.pdf"], [], [], []]
    assert intact == [True, True, False, False]
    assert verdict.rows == 8 and verdict.broken is None
    # Back down: the texts that were left return to the log, which still verifies.
    # (JSON may escape the Vietnamese letters: the canaries' first words are plain ASCII.)
    assert log_back.count("Canarytext") == 1 and log_back.count("Canaryreason") == 1
    assert back.rows == 8 and back.broken is None


def test_a_broken_log_stops_the_move_of_filers_texts(empty_database, capsys):
    """Re-chaining a log that someone changed would hide the change: the migration refuses, changing nothing."""
    from feedback.items.audit import DROP_TRIGGERS, TRIGGERS

    app = create_app(base_config(empty_database))
    with app.app_context():
        upgrade(revision="b0f07ccfe931")
        dialect = _db.engine.dialect.name
        with _db.engine.begin() as conn:
            conn.execute(text("INSERT INTO items (id, code, kind, topic, channel, status, title, body, publish, "
                              "received_at, created_at, access_key_hash, search_text) VALUES (1, 'PA-26-TEST-0001', "
                              "'complaint', 'other', 'web', 'received', 'Tiêu đề', 'Nội dung', false, "
                              "'2026-10-30 03:00:00', '2026-10-30 03:00:00', 'x', '')"))
            _insert_chained_events(conn, [
                {"item_id": 1, "unit_id": None, "at": dt.datetime(2026, 11, 2, 3), "actor_kind": "citizen",
                 "action": "information_added", "data": {"text": CANARY_TEXT, "attachments": []}},
                {"item_id": 1, "unit_id": None, "at": dt.datetime(2026, 11, 2, 4), "actor_kind": "staff",
                 "action": "note", "reason": "Đã xem"}])
            for statement in DROP_TRIGGERS[dialect]:
                conn.execute(text(statement))
            conn.execute(text("UPDATE item_events SET reason = 'Đã sửa' WHERE action = 'note'"))
            for statement in TRIGGERS[dialect]:
                conn.execute(text(statement))
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
            upgrade()
        with _db.engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            still = _log_dump(conn)
            tables = set(inspect(conn).get_table_names())
        _db.engine.dispose()
    assert "the audit log is broken at row 2 (item id 1): nothing was changed" in capsys.readouterr().err
    assert version == "b0f07ccfe931" and "item_filer_texts" not in tables
    assert "Canarytext" in still
